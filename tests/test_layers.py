"""The layering contracts (.importlinter) hold, and they can fail: an import across a layer or
between two check modules breaks them; the grading path loads no heavy package."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT = shutil.which("lint-imports") or str(Path(sys.executable).with_name("lint-imports"))


def lint(tree: Path) -> subprocess.CompletedProcess:
    return subprocess.run([LINT, "--config", str(tree / ".importlinter")], cwd=tree, capture_output=True,
                          text=True, env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"}, timeout=120)


@pytest.fixture(scope="module")
def copy(tmp_path_factory) -> Path:
    tree = tmp_path_factory.mktemp("tree")
    for name in ("grader", "checks", "reports", "rubrics"):
        shutil.copytree(ROOT / name, tree / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / ".importlinter", tree / ".importlinter")
    return tree


def test_the_contracts_hold():
    done = lint(ROOT)
    assert done.returncode == 0, done.stdout[-3000:]
    assert "broken" not in done.stdout.lower().replace("0 broken", "")


@pytest.mark.parametrize(("module", "line", "contract"), [
    ("checks/cleanup.py", "import checks.s3", "No check module imports another check module"),
    ("grader/models.py", "import grader.engine", "One direction"),
    ("grader/engine.py", "import grader.demo.scenario", "One direction"),
    ("checks/iam.py", "import pandas", "Grading needs no heavy package"),
])
def test_breaking_a_layer_fails(copy: Path, module: str, line: str, contract: str):
    path = copy / module
    original = path.read_text(encoding="utf-8")
    try:
        path.write_text(original.replace("from __future__ import annotations\n",
                                         f"from __future__ import annotations\n\n{line}  # noqa\n", 1), encoding="utf-8")
        done = lint(copy)
    finally:
        path.write_text(original, encoding="utf-8")
    assert done.returncode != 0
    assert "Broken contracts" in done.stdout, done.stdout[-2000:]
    assert contract[:20] in done.stdout.split("Broken contracts", 1)[1], done.stdout[-2000:]


def test_grading_path_loads_no_heavy_package():
    code = ("import sys, grader.engine, grader.batch, grader.commands, checks, reports;"
            "from grader.rubric import load_rubric; load_rubric();"
            "heavy = [m for m in ('moto', 'sklearn', 'pandas', 'sagemaker', 'scipy') if m in sys.modules];"
            "print(','.join(heavy))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == ""


def _import_graph() -> dict[str, set[str]]:
    """module -> the project modules it imports (at import time or lazily; not under TYPE_CHECKING)."""
    import ast

    mods = {}
    for pkg in ("grader", "checks", "reports"):
        for path in (ROOT / pkg).rglob("*.py"):
            if "kernel" in path.parts:  # runs inside the sandboxed kernel, never imported by the grader
                continue
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            mods[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path

    def resolve(name: str) -> str | None:
        while name and name not in mods:
            name = name.rpartition(".")[0]
        return name or None

    graph = {}
    for mod, path in mods.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        hidden = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
                  for n in ast.walk(node)}
        deps = set()
        for node in ast.walk(tree):
            if id(node) in hidden:
                continue
            if isinstance(node, ast.Import):
                deps |= {r for a in node.names if (r := resolve(a.name))}
            elif isinstance(node, ast.ImportFrom):
                base = mod.split(".")
                base = base[: len(base) - node.level + (path.name == "__init__.py")] if node.level else []
                name = ".".join([*base, *([node.module] if node.module else [])])
                deps |= {r for a in node.names if (r := resolve(f"{name}.{a.name}") or resolve(name))}
        graph[mod] = deps - {mod}
    return graph


def test_no_import_cycle_among_the_projects_modules():
    graph = _import_graph()
    assert len(graph) >= 80 and "grader.engine" in graph["grader.gradetask"]  # the graph is real
    seen: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(mod: str, path: list[str]) -> None:
        seen[mod] = 1
        for dep in sorted(graph[mod]):
            assert seen.get(dep) != 1, " -> ".join([*path, mod, dep])
            if dep not in seen:
                visit(dep, [*path, mod])
        seen[mod] = 2

    for mod in sorted(graph):
        if mod not in seen:
            visit(mod, [])
