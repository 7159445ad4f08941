"""grader.notebooks is layered: plain data at the bottom, one facts module on top, no import cycle,
and importing it loads none of the heavy libraries (or the demo scaffolding)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import grader.notebooks

PACKAGE = Path(grader.notebooks.__file__).resolve().parent
ROOT = "grader.notebooks"

# Bottom up: a module may import only modules of earlier layers.
LAYERS = [
    {"text"},
    {"model", "parsers.base", "finding"},
    {"reader", "parsers.figures", "parsers.regression", "parsers.tables"},
    {"parsers.classification_report", "parsers.confusion", "execution", "mentions"},
    {"metrics", "fingerprints"},
    {"steps"},
    {"facts"},
]
PACKAGES = {"", "parsers"}  # the __init__ modules: they only document or re-export what is below them


def modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE).with_suffix("")
        parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
        out[".".join(parts)] = path
    return out


def imports(path: Path, known: set[str]) -> set[str]:
    """The grader.notebooks modules `path` imports (anywhere in the file, TYPE_CHECKING included)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        for name in names:
            if name == ROOT or name.startswith(ROOT + "."):
                short = name[len(ROOT) + 1:]
                if short in known:
                    found.add(short)
    return found


def graph() -> dict[str, set[str]]:
    mods = modules()
    return {name: imports(path, set(mods)) - {name} for name, path in mods.items()}


def test_every_module_has_a_layer():
    assert set(modules()) == set().union(*LAYERS) | PACKAGES


def test_no_import_cycle():
    edges = graph()
    state: dict[str, str] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = "open"
        for nxt in sorted(edges[node]):
            assert state.get(nxt) != "open", "import cycle: " + " -> ".join(trail + [node, nxt])
            if nxt not in state:
                visit(nxt, trail + [node])
        state[node] = "done"

    for node in sorted(edges):
        if node not in state:
            visit(node, [])


def test_modules_import_only_lower_layers():
    edges = graph()
    rank = {name: i for i, layer in enumerate(LAYERS) for name in layer}
    for name, targets in edges.items():
        if name in PACKAGES:
            continue
        upward = sorted(t for t in targets if t in PACKAGES or rank[t] >= rank[name])
        assert not upward, f"{ROOT}.{name} imports {upward}, which are not below it"


def test_the_package_imports_no_heavy_library_and_no_demo_scaffolding():
    code = ("import sys, grader.notebooks; print(' '.join(m for m in ('pandas', 'numpy', 'sklearn', 'moto', "
            "'sagemaker', 'nbformat', 'grader.demo') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_no_module_over_400_lines():
    long = {name: n for name, path in modules().items() if (n := len(path.read_text().splitlines())) > 400}
    assert long == {}
