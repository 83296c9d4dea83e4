"""Starting the app imports neither TensorFlow nor implicit (first paint stays fast)."""

# ruff: noqa: F811 (fixtures imported from tui_support are parameters here)
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tui_support import trained_copy, trained_dir  # noqa: F401 (fixtures)

from mpdtui.locations import Locations

SCRIPT = """
import asyncio, sys
from mpdtui.locations import Locations
from mpdtui.tui.app import create_app

async def main():
    app = create_app(Locations.resolve(sys.argv[1]))
    async with app.run_test(size=(100, 30)) as pilot:
        first_paint = ('tensorflow' in sys.modules, 'implicit' in sys.modules)
        for _ in range(400):
            await pilot.pause(0.05)
            if type(app.screen).__name__ == sys.argv[2] and all(
                    w.is_finished for w in app.workers):
                break
        await pilot.pause(0.2)
        print(type(app.screen).__name__, *first_paint, 'tensorflow' in sys.modules,
              'implicit' in sys.modules)

asyncio.run(main())
"""


def run_app(cache: Path, screen: str) -> list[str]:
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(cache), screen], capture_output=True,
                          text=True, timeout=120, check=True)
    return done.stdout.split()


def test_first_run_screen_without_tensorflow_or_implicit(tmp_path: Path) -> None:
    screen, tf_at_paint, implicit_at_paint, tf, implicit = run_app(tmp_path / "empty",
                                                                   "CacheStep")
    assert screen == "CacheStep"
    assert (tf_at_paint, implicit_at_paint, tf, implicit) == ("False",) * 4


def test_builder_with_trained_models_never_loads_tensorflow(trained_copy: Locations) -> None:
    """On a copy: the app writes in its cache dir, and the trained one is shared by the test
    processes (tui_support.built_by_one)."""
    screen, tf_at_paint, implicit_at_paint, tf, _ = run_app(trained_copy.root, "BuilderScreen")
    assert screen == "BuilderScreen"
    # implicit may load afterwards, in the worker that loads ALS; TensorFlow never (no two-tower)
    assert (tf_at_paint, implicit_at_paint, tf) == ("False", "False", "False")
