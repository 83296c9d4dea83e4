"""Headless progress when stdout is not a terminal: plain lines in human units."""

from __future__ import annotations

import io

from mpdtui.pipeline.events import StageFinished, StageProgress
from mpdtui.progress_view import HeadlessProgress


def lines_for(*events: object) -> list[str]:
    out = io.StringIO()  # not a terminal: plain lines
    with HeadlessProgress(out) as progress:
        assert progress.plain
        for event in events:
            progress.show(event)  # type: ignore[arg-type]
    return out.getvalue().splitlines()


def test_bytes_read_are_megabytes_and_counts_have_thousands_separators() -> None:
    lines = lines_for(
        StageProgress("features", 1122300.0, 10857400.0, "bytes", eta_s=75.0),
        StageProgress("ingest", 3.0, 10.0, "slices", "1204567 rows"),
        StageProgress("ingest", 10.0, 10.0, "slices"),
        StageProgress("demo", 12345.0, 10000000.0, "playlists"),
        StageFinished("ingest", "done"))
    assert lines[0] == "features: 1.1 MB/10.4 MB · ETA 1:15"
    assert lines[1].startswith("ingest: 3/10 slices")
    assert "e+" not in "\n".join(lines)
    assert "demo: 12,345/10,000,000 playlists" in lines
