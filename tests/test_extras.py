"""grader.extras: a command whose extra is missing says which one in one line, exit 2."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from grader.errors import InputError
from grader.extras import MissingExtra, require_extra

BLOCKER = textwrap.dedent('''
    import sys

    class _Blocker:
        """Behave as if {modules} were not installed."""
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in {modules!r}:
                raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
            return None

    sys.meta_path.insert(0, _Blocker())
''')


def run_without(modules: tuple[str, ...], argv: list[str], tmp_path: Path) -> subprocess.CompletedProcess:
    """`grader argv` in a fresh interpreter where `modules` cannot be imported."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(BLOCKER.format(modules=modules))
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(root), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run([sys.executable, "-m", "grader.cli", *argv], capture_output=True, text=True, env=env,
                          cwd=tmp_path, timeout=120)


@pytest.mark.parametrize("missing", ["moto", "pandas"])
def test_demo_without_its_extra_is_one_line_and_exit_2(missing, tmp_path):
    proc = run_without((missing,), ["demo", "--out", str(tmp_path / "out")], tmp_path)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "'demo' extra" in lines[0] and "pip install 'grader[demo]'" in lines[0] and missing in lines[0]
    assert "Traceback" not in proc.stderr and not (tmp_path / "out").exists()


def test_the_blocker_blocks_only_what_it_names(tmp_path):
    """The same interpreter set-up still grades: `rubric list` works with moto blocked."""
    proc = run_without(("moto",), ["rubric", "list"], tmp_path)
    assert proc.returncode == 0 and "sagemaker-13.2" in proc.stdout, proc.stderr


def test_require_extra():
    require_extra("demo", "json", "nbformat")  # present: no error
    with pytest.raises(MissingExtra) as err:
        require_extra("reproduce", "json", "no_such_module_xyz", command="reproduce")
    assert isinstance(err.value, InputError) and err.value.exit_code == 2
    assert str(err.value) == ("grader reproduce needs the 'reproduce' extra (No module named 'no_such_module_xyz'): "
                              "pip install 'grader[reproduce]'")
