"""Issue 14: notebook inputs that used to pass falsely (links out of the folder, outputs with no
code behind them, steps credited from lines that do nothing, coarse accuracy figures) or got a
misleading message (LFS pointers, constant models)."""

from __future__ import annotations

import os

import nbformat
import pytest

from checks import load_checks
from grader.context import Context
from grader.demo.notebook_factory import credit_notebook, rainfall_notebook, write_submission
from grader.engine import run_check
from grader.models import ReviewKind, StudentInfo
from grader.notebooks import read_submission
from grader.rubric import load_rubric

ITEMS = ["nb-rainfall-executed", "nb-rainfall-metrics", "nb-credit-executed", "nb-credit-accuracy",
         "nb-credit-workflow"]


@pytest.fixture(scope="module")
def rubric():
    return load_rubric()


def grade(folder, rubric):
    ctx = Context(student=StudentInfo(id="s"), submission=read_submission(folder))
    checks = load_checks()
    return {item: run_check(checks[item], ctx, rubric.params_for(item)) for item in ITEMS}


def submit(tmp_path, name="s", credit=None, rainfall=None):
    return write_submission(tmp_path / name, rainfall=rainfall or rainfall_notebook(), credit=credit or credit_notebook())


def code_cell(nb, needle):
    return next(c for c in nb.cells if c.cell_type == "code" and needle in c.source)


# -- 2: symbolic links ---------------------------------------------------------------------------
def test_a_link_to_a_notebook_outside_the_folder_is_not_read_and_is_flagged(tmp_path, rubric):
    other = submit(tmp_path, "classmate")
    mine = submit(tmp_path, "me")
    (mine / "credit-risk-classification.ipynb").unlink()
    os.symlink(other / "credit-risk-classification.ipynb", mine / "credit-risk-classification.ipynb")
    res = grade(mine, rubric)
    executed = res["nb-credit-executed"]
    assert executed.status == "fail"
    assert "symbolic link" in executed.message and "outside the submission folder" in executed.message
    assert executed.evidence["link_target"] == str((other / "credit-risk-classification.ipynb").resolve())
    assert executed.review is not None and executed.review.kind == ReviewKind.SHARED_WORK
    assert res["nb-credit-accuracy"].status == "fail"  # nothing of the classmate's file was graded
    assert res["nb-rainfall-executed"].status == "pass"


def test_a_linked_subfolder_pointing_outside_is_not_read(tmp_path, rubric):
    other = submit(tmp_path, "classmate")
    mine = tmp_path / "me"
    mine.mkdir()
    os.symlink(other, mine / "work")
    res = grade(mine, rubric)
    assert res["nb-credit-executed"].status == "fail"  # a linked folder is not searched
    assert res["nb-credit-accuracy"].status == "fail"


def test_a_link_to_a_file_inside_the_folder_is_read_and_shows_its_target(tmp_path, rubric):
    mine = submit(tmp_path, "me")
    real = mine / "work" / "credit.ipynb"
    real.parent.mkdir()
    (mine / "credit-risk-classification.ipynb").rename(real)
    os.symlink(real, mine / "credit-risk-classification.ipynb")
    res = grade(mine, rubric)
    assert res["nb-credit-executed"].status == "pass"
    assert res["nb-credit-executed"].evidence["link_target"] == str(real.resolve())
    assert res["nb-credit-accuracy"].status == "pass"


# -- 13: a Git LFS pointer -----------------------------------------------------------------------
def test_a_git_lfs_pointer_says_so_and_asks_for_the_real_notebook(tmp_path, rubric):
    mine = submit(tmp_path, "me")
    (mine / "credit-risk-classification.ipynb").write_text(
        "version https://git-lfs.github.com/spec/v1\noid sha256:" + "a" * 64 + "\nsize 123456\n", encoding="utf-8")
    res = grade(mine, rubric)["nb-credit-executed"]
    assert res.status == "fail"
    assert "Git LFS pointer" in res.message and "not valid notebook JSON" not in res.message
    assert "git lfs pull" in res.remediation and "Restart Kernel" not in res.remediation


# -- 5 / 11: outputs with no code behind them ------------------------------------------------------
def _with_cell(nb, index, source, outputs, count=None):
    cell = nbformat.v4.new_code_cell(source)
    cell.execution_count = count
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=t) for t in outputs]
    nb.cells.insert(index, cell)
    return nb


@pytest.mark.parametrize("source", ["", "# YOUR CODE HERE", "...", "X_scaled = # YOUR CODE GOES HERE!"])
def test_outputs_under_a_cell_without_code_are_partial_and_flagged(tmp_path, rubric, source):
    nb = _with_cell(credit_notebook(), 21, source, ["accuracy_score: 0.77\n"])
    res = grade(submit(tmp_path, credit=nb), rubric)["nb-credit-executed"]
    assert res.status == "partial"
    assert "cell 22 (not run) shows outputs but holds no code" in res.message
    assert res.review is not None and res.review.kind == ReviewKind.OUTPUTS_WITHOUT_CODE
    assert res.cause == "no-code"
    assert res.evidence["outputs_without_code"] == ["cell 22 (not run)"]


def test_outputs_jupyter_cannot_have_produced_are_not_read_as_results(tmp_path, rubric):
    nb = credit_notebook()
    for needle in ("accuracy_score(y_test", "classification_report(", "confusion_matrix(y_test"):
        cell = code_cell(nb, needle)
        cell.source, cell.execution_count = "", None  # empty and never run, outputs attached
    res = grade(submit(tmp_path, credit=nb), rubric)
    assert res["nb-credit-accuracy"].status == "fail"
    assert res["nb-credit-executed"].status == "partial"


# -- 11: steps only where really done ------------------------------------------------------------------
def test_a_placeholder_assignment_does_not_scale(tmp_path, rubric):
    nb = credit_notebook()
    code_cell(nb, "StandardScaler()").source = ("from sklearn.preprocessing import StandardScaler\n"
                                                 "scaler = StandardScaler()\nX_scaled = # YOUR CODE GOES HERE!")
    res = grade(submit(tmp_path, credit=nb), rubric)["nb-credit-workflow"]
    assert res.status == "partial"
    assert res.evidence["steps"]["scale"].startswith("not found")


def test_a_scaler_only_constructed_does_not_scale(tmp_path, rubric):
    nb = credit_notebook()
    code_cell(nb, "StandardScaler()").source = "from sklearn.preprocessing import StandardScaler\nscaler = StandardScaler()"
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.source = cell.source.replace("X_scaler.transform(", "np.asarray(")
    res = grade(submit(tmp_path, credit=nb), rubric)["nb-credit-workflow"]
    assert res.evidence["steps"]["scale"].startswith("not found")
    assert "only constructs" in res.evidence["steps"]["scale"]


def test_steps_in_cells_never_run_do_not_count(tmp_path, rubric):
    nb = credit_notebook()
    code_cell(nb, "train_test_split(X, y").execution_count = None
    code_cell(nb, 'predictor_type="binary_classifier"').execution_count = None
    res = grade(submit(tmp_path, credit=nb), rubric)["nb-credit-workflow"]
    assert res.evidence["steps"]["split"] == "not found"
    assert res.evidence["steps"]["binary_classifier"] == "not found"
    assert res.fraction == pytest.approx(5 / 7)


def test_the_honest_notebook_still_shows_every_step(tmp_path, rubric):
    res = grade(submit(tmp_path), rubric)
    assert res["nb-credit-workflow"].status == "pass"
    assert res["nb-credit-executed"].status == "pass" and res["nb-credit-executed"].review is None


# -- 1: the most precise accuracy figure is judged -----------------------------------------------------
def _append(nb, source, text):
    cell = nbformat.v4.new_code_cell(source)
    cell.execution_count = 99
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=text)]
    nb.cells.append(cell)
    return nb


def test_a_coarse_final_accuracy_does_not_outvote_a_precise_report(tmp_path, rubric):
    nb = credit_notebook(confusion=((60, 50), (40, 50)))  # accuracy 0.55
    nb.cells = [c for c in nb.cells if not (c.cell_type == "code" and "confusion_matrix(y_test" in c.source)]
    _append(nb, 'print(f"Accuracy: {round(accuracy_score(y_test, y_predictions))}")', "Accuracy: 1\n")
    res = grade(submit(tmp_path, credit=nb), rubric)["nb-credit-accuracy"]
    assert res.status == "fail"
    assert res.evidence["accuracy"] == pytest.approx(0.55)
    assert any("'Accuracy: 1'" in f for f in res.evidence["too_coarse"])


def test_only_coarse_figures_cannot_pass(tmp_path, rubric):
    nb = credit_notebook()
    nb.cells = [c for c in nb.cells if not (c.cell_type == "code" and any(
        k in c.source for k in ("confusion_matrix(y_test", "classification_report(", "accuracy_score(y_test")))]
    _append(nb, 'print(f"Accuracy: {round(acc)}")', "Accuracy: 1\n")
    res = grade(submit(tmp_path, credit=nb), rubric)["nb-credit-accuracy"]
    assert res.status == "fail" and "too coarsely" in res.message


def test_min_decimals_is_a_rubric_param(rubric):
    assert rubric.params_for("nb-credit-accuracy").min_decimals == 2


# -- 13: a constant model below the threshold is told both ---------------------------------------------
def test_a_constant_model_below_threshold_says_both(tmp_path, rubric):
    nb = credit_notebook(confusion=((124, 0), (76, 0)))
    res = grade(submit(tmp_path, credit=nb), rubric)["nb-credit-accuracy"]
    assert res.status == "fail"
    assert "0.620, below the required 0.65" in res.message
    assert "minority class 'Bad' for only 0 of 200 test rows" in res.message
