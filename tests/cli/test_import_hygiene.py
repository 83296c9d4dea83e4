"""Domain code stays usable without the UI, and heavy libraries load only when needed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _modules_after(code: str) -> set[str]:
    probe = f"{code}\nimport sys\nprint(' '.join(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT,
                          timeout=120, check=True)
    return set(done.stdout.split())


def test_import_linter_contracts_hold() -> None:
    done = subprocess.run([str(Path(sys.executable).parent / "lint-imports")], capture_output=True,
                          text=True, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


def test_domain_modules_do_not_import_textual_or_rich() -> None:
    loaded = _modules_after(
        "import models.registry, models.evaluation, models.als, models.title, models.knn\n"
        "import mpdtui.data.ingest, mpdtui.data.dataset, mpdtui.services, mpdtui.training")
    assert not {m for m in loaded if m.split(".")[0] in ("textual", "rich")}


def test_suggesting_with_als_does_not_import_tensorflow(small_store, tmp_path: Path) -> None:
    import shutil

    cache = tmp_path / "cache"
    shutil.copytree(small_store.root, cache)
    code = (
        "from mpdtui.locations import Locations\n"
        "from mpdtui.services.root import Services, open_services\n"
        f"services = open_services(Locations.resolve({str(cache)!r}))\n"
        "services.jobs.train(['popularity', 'title', 'item_knn', 'als'])\n"
        "seeds = [s.track.id for s in services.suggester.suggest('chill', [], 'title', k=3)]\n"
        "assert len(services.suggester.suggest('chill', seeds, 'als', k=10)) == 10\n"
    )
    loaded = _modules_after(code)
    assert "implicit" in {m.split(".")[0] for m in loaded}
    assert "tensorflow" not in loaded
