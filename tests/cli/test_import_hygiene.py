"""Domain code stays usable without the UI, heavy libraries load only when needed, and the
code keeps the shape docs/architecture.md describes (no cycles, small files and classes)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted([*ROOT.glob("mpdtui/**/*.py"), *ROOT.glob("models/**/*.py")])
MAX_LINES, MAX_PUBLIC_METHODS = 400, 20
FRAMEWORK_HOOKS = ("on_", "action_", "watch_", "compose", "check_action")
"""Methods Textual calls by name: they belong to the framework's contract, not the class's."""


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
        "import mpdtui.data.ingest, mpdtui.data.dataset, mpdtui.services.root, mpdtui.training")
    assert not {m for m in loaded if m.split(".")[0] in ("textual", "rich")}


def test_spotipy_loads_only_when_spotify_is_used() -> None:
    # the CLI's commands, the services and the builder (info, suggest, search) never touch it
    loaded = _modules_after(
        "from mpdtui.cli import build_parser\nbuild_parser()\n"
        "import mpdtui.services.root, mpdtui.tui.screens.builder")
    assert not loaded & {"spotipy", "redis", "http.server"}
    assert "spotipy" in _modules_after(
        "from mpdtui.services.root import open_services\nimport tempfile\n"
        "from mpdtui.locations import Locations\n"
        "open_services(Locations.resolve(tempfile.mkdtemp())).spotify.status()")


def test_the_command_line_reads_its_options_without_the_services() -> None:
    # `mpdtui --help`, `--version` and a mistyped option answer before numpy's friends load
    loaded = _modules_after("from mpdtui.cli import build_parser\nbuild_parser()")
    assert not loaded & {"scipy", "sqlite3", "models.base", "mpdtui.services.root",
                         "mpdtui.data.catalog", "mpdtui.audio.describe"}


def test_scipy_loads_only_when_a_matrix_is_built() -> None:
    # `mpdtui info`, `search` and `playlists` open the services but build no matrix: 0.1-0.2 s
    opened = ("from mpdtui.commands import open_services\nimport tempfile\n"
              "from mpdtui.locations import Locations\n"
              "services = open_services(Locations.resolve(tempfile.mkdtemp()))\nservices.info()\n")
    assert "scipy" not in _modules_after(opened)
    assert "scipy" in _modules_after(
        "import numpy as np\nfrom mpdtui.data.matrices import Sequences, binary_matrix\n"
        "binary_matrix(Sequences(np.zeros(1, np.int64), np.zeros(0, np.int32)), 1)")


def test_the_job_process_module_loads_no_stage_on_import() -> None:
    # ingest's spawned workers import it again as `__mp_main__`, before their first slice
    loaded = _modules_after("import mpdtui.pipeline.child")
    assert not loaded & {"mpdtui.pipeline.runner", "mpdtui.data.ingest", "numpy", "models.registry"}


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


def test_no_import_cycles_type_checking_imports_included() -> None:
    graph = grimp.build_graph("mpdtui", "models", exclude_type_checking_imports=False)
    cycles = [(a, b) for a in graph.modules for b in graph.find_modules_directly_imported_by(a)
              if graph.chain_exists(importer=b, imported=a)]
    assert cycles == []


def test_no_source_file_is_over_the_limit() -> None:
    lengths = {path.relative_to(ROOT): len(path.read_text().splitlines()) for path in SOURCES}
    assert {path: n for path, n in lengths.items() if n > MAX_LINES} == {}


def test_no_class_has_too_many_public_methods() -> None:
    crowded = {}
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ClassDef):
                public = [f.name for f in node.body if _is_public_method(f)]
                if len(public) > MAX_PUBLIC_METHODS:
                    crowded[f"{path.relative_to(ROOT)}:{node.name}"] = len(public)
    assert crowded == {}


def _is_public_method(node: ast.stmt) -> bool:
    return (isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            and not node.name.startswith(("_", *FRAMEWORK_HOOKS))
            and not any(ast.unparse(d) == "property" for d in node.decorator_list))


def test_type_ignores_are_rare_and_explained() -> None:
    ignores = [(path, line) for path in SOURCES for line in path.read_text().splitlines()
               if "type: ignore" in line]
    assert len(ignores) <= 2 and all("#" in line.split("type: ignore", 1)[1] for _, line in ignores)
