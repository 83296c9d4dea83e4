"""The stage bar's words when its job stops: what it says beside the bar it keeps."""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult
from textual.widgets import Label

from mpdtui.tui.widgets.stage_progress import StageProgress

pytestmark = pytest.mark.asyncio


class BarsApp(App[None]):
    def compose(self) -> ComposeResult:
        for name in ("als", "item_knn", "ranker", "two_tower"):
            yield StageProgress(name, id=name)


def said(app: App[None], name: str) -> str:
    return str(app.query_one(f"#{name}", StageProgress).query_one(".stage-info", Label).render())


async def test_a_stage_stopped_says_so_and_a_full_bar_stopped_that_it_is_not_done() -> None:
    """ALS's bar read "100% stopped" after Esc while its save had not happened (`info` said ALS
    was not trained): a full bar stopped now says it is not done."""
    app = BarsApp()
    async with app.run_test() as pilot:
        bars = {bar.stage: bar for bar in app.query(StageProgress).results(StageProgress)}
        bars["als"].show(15, 15, "iteration 15 of 15")
        bars["item_knn"].show(3, 10, "3 of 10")
        bars["ranker"].reset()  # waiting for its turn
        bars["two_tower"].finish("trained")
        for bar in bars.values():
            bar.stop()
        await pilot.pause()
        assert said(app, "als") == "stopped, not done"
        assert said(app, "item_knn") == "stopped"
        assert said(app, "ranker") == "stopped"
        assert said(app, "two_tower") == "trained"  # finished before: unchanged
