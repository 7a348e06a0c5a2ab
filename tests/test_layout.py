"""The house keeps its shape: ruff is clean, the import contracts hold, modules stay small and in a layer."""

import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MAX_LINES = 250  # outside app/engine/, whose modules are split by concept as they grow
# outside the layers on purpose: the factory wires everything, and the realtime package's __init__
# (publish) is what the job lifecycle calls, below the websocket route that shares its name
UNLAYERED = {"app", "app.realtime", "app.engine"}


def modules(folder: Path, package: str) -> list[str]:
    names = []
    for path in sorted(folder.rglob("*.py")):
        parts = path.relative_to(folder).with_suffix("").parts
        names.append(".".join([package, *parts[:-1]] if parts[-1] == "__init__" else [package, *parts]))
    return names


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run([sys.executable, "-c", "from importlinter.cli import lint_imports_command; "
                           "lint_imports_command()", "--no-cache"],
                          cwd=root, env=env, capture_output=True, text=True, timeout=120)


# Modules of app/ and tasks/ that import one another, directly or through others, as groups; grimp is
# import-linter's own graph builder. It sees what a layers contract cannot: a package and its own modules
# (app.cli imports app.cli.data, which must not import app.cli back). No import is exempt: the factory's
# deferred imports (app/__init__.py) make no cycle, since no module imports the package `app` itself.
FIND_CYCLES = """
import json, grimp
graph = grimp.build_graph("app", "tasks", cache_dir=None)
groups = set()
for module in graph.modules:
    both_ways = graph.find_upstream_modules(module) & graph.find_downstream_modules(module)
    if both_ways:
        groups.add(tuple(sorted(both_ways | {module})))
print(json.dumps(sorted(groups)))
"""


def import_cycles(root: Path) -> list[list[str]]:
    result = subprocess.run([sys.executable, "-c", FIND_CYCLES], cwd=root, env={**os.environ, "PYTHONPATH": str(root)},
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_ruff_is_clean():
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "app", "tasks", "tests", "wsgi.py"],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_import_contracts_hold():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 kept, 0 broken" in result.stdout


def test_no_module_imports_one_that_imports_it_back():
    assert import_cycles(ROOT) == []


@pytest.mark.parametrize("module, line, cycle", [
    ("app/cli/formats.py", "from .query import query_command  # noqa: F401\n", ["app.cli.formats", "app.cli.query"]),
    ("app/web.py", "from . import pages  # noqa: F401\n", ["app.pages", "app.web"]),
])
def test_an_import_back_makes_a_cycle(tmp_path, module, line, cycle):
    for name in ("app", "tasks"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    target = tmp_path / module
    target.write_text(target.read_text() + line)
    assert any(set(cycle) <= set(group) for group in import_cycles(tmp_path))


def test_every_module_is_in_a_layer():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    layers = next(c for c in config["contracts"] if c["type"] == "layers")["layers"]
    listed = {name.strip() for layer in layers for name in layer.split("|")}
    found = modules(ROOT / "app", "app") + modules(ROOT / "tasks", "tasks")
    outside = [m for m in found if m not in UNLAYERED and not any(m == n or m.startswith(n + ".") for n in listed)]
    assert outside == []


@pytest.mark.parametrize("module, line, contract", [
    ("app/engine/numbers.py", "import flask  # noqa: F401\n", "The engine is maths and files"),
    ("app/engine/numbers.py", "from app import jobs  # noqa: F401\n", "The engine is maths and files"),
    ("app/pages.py", "import tasks  # noqa: F401\n", "The web layer never imports the consumers"),
    ("app/models.py", "from app import pages  # noqa: F401\n", "Routes down to the engine, one way"),
])
def test_a_forbidden_import_breaks_a_contract(tmp_path, module, line, contract):
    for name in ("app", "tasks"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    target = tmp_path / module
    target.write_text(target.read_text() + line)
    result = lint_imports(tmp_path)
    assert result.returncode == 1, result.stdout
    broken = result.stdout.split("Broken contracts")[-1]
    assert contract in broken and str(tmp_path) not in result.stderr


def test_no_module_outside_the_engine_is_over_250_lines():
    long = {}
    for folder in (ROOT / "app", ROOT / "tasks"):
        for path in folder.rglob("*.py"):
            if (ROOT / "app" / "engine") in path.parents:
                continue
            lines = len(path.read_text().splitlines())
            if lines > MAX_LINES:
                long[str(path.relative_to(ROOT))] = lines
    assert long == {}
