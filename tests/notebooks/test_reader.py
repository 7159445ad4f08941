"""grader.notebooks.reader: finding the lesson's notebooks by name and reading any nbformat 4 file,
never raising on a bad one."""

from __future__ import annotations

import json
import os

import nbformat
import pytest

from grader.demo.notebook_factory import credit_notebook, to_json
from grader.notebooks import LESSON_NOTEBOOKS, MAX_BYTES, parse_notebook, read_notebook, read_submission
from grader.notebooks.model import DISPLAY, ERROR, RESULT, STDERR, STDOUT
from grader.notebooks.reader import find_notebooks, name_key

from .helpers import code, error, md, notebook, parse, result, stderr, stdout, write


# -- finding by name -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("filename", "key", "suffix"),
    [
        ("credit-risk-classification.ipynb", "creditriskclassification", False),
        ("Credit_Risk_Classification.ipynb", "creditriskclassification", False),
        ("credit risk classification.IPYNB", "creditriskclassification", False),
        ("credit-risk-classification (1).ipynb", "creditriskclassification", True),
        ("credit-risk-classification(12).ipynb", "creditriskclassification", True),
        ("credit-risk-classification-Copy1.ipynb", "creditriskclassification", True),
        ("credit-risk-classification copy.ipynb", "creditriskclassification", True),
        ("rainfall_forecast 2.ipynb", "rainfallforecast", True),
        ("Rainfall-Forecast.ipynb", "rainfallforecast", False),
        ("credit-risk-classification-checkpoint.ipynb", "creditriskclassificationcheckpoint", False),
    ],
)
def test_name_key_tolerates_case_separators_and_copy_suffixes(filename, key, suffix):
    assert name_key(filename) == (key, suffix)


def test_name_key_rejects_other_extensions():
    assert name_key("credit-risk-classification.py") is None
    assert name_key("credit-risk-classification.ipynb.txt") is None


def test_finds_by_tolerant_name_and_prefers_top_level_without_suffix(tmp_path):
    doc = notebook(code("x = 1"))
    write(tmp_path / "sub" / "credit-risk-classification.ipynb", doc)
    write(tmp_path / "Credit_Risk_Classification (1).ipynb", doc)
    write(tmp_path / "credit risk classification.ipynb", doc)
    write(tmp_path / "RAINFALL-FORECAST(2).ipynb", doc)
    found = find_notebooks(tmp_path)
    assert [p.name for p in found["credit"]] == [
        "credit risk classification.ipynb", "Credit_Risk_Classification (1).ipynb", "credit-risk-classification.ipynb"]
    assert [p.name for p in found["rainfall"]] == ["RAINFALL-FORECAST(2).ipynb"]


def test_checkpoints_and_hidden_folders_are_not_searched(tmp_path):
    write(tmp_path / ".ipynb_checkpoints" / "credit-risk-classification.ipynb", notebook())
    write(tmp_path / ".hidden" / "rainfall_forecast.ipynb", notebook())
    assert find_notebooks(tmp_path) == {"rainfall": [], "credit": []}


def test_search_goes_two_levels_down_only(tmp_path):
    write(tmp_path / "a" / "b" / "credit-risk-classification.ipynb", notebook())
    write(tmp_path / "a" / "b" / "c" / "rainfall_forecast.ipynb", notebook())
    found = find_notebooks(tmp_path)
    assert len(found["credit"]) == 1 and found["rainfall"] == []


def test_a_real_file_wins_over_a_folder_with_the_name(tmp_path):
    (tmp_path / "credit-risk-classification.ipynb").mkdir()
    write(tmp_path / "credit-risk-classification (1).ipynb", notebook(code("x = 1")))
    sub = read_submission(tmp_path)
    assert sub.credit.notebook.ok and sub.credit.notebook.name == "credit-risk-classification (1).ipynb"
    assert sub.credit.notebook.alternatives == (str(tmp_path / "credit-risk-classification.ipynb"),)


def test_missing_notebook_is_a_problem_the_other_is_still_read(tmp_path):
    write(tmp_path / "rainfall_forecast.ipynb", notebook(code("x = 1")))
    sub = read_submission(tmp_path)
    assert sub.rainfall.notebook.ok
    assert not sub.credit.notebook.ok
    assert sub.credit.notebook.problem == (f"no notebook named like credit-risk-classification.ipynb in {tmp_path} "
                                  "(found: rainfall_forecast.ipynb)")
    assert read_submission(tmp_path / "empty").credit.notebook.problem == (
        f"no notebook named like credit-risk-classification.ipynb in {tmp_path / 'empty'}")
    assert sub.credit.notebook.cells == ()


def test_folder_with_the_notebook_name_is_a_problem(tmp_path):
    (tmp_path / "rainfall_forecast.ipynb").mkdir()
    sub = read_submission(tmp_path)
    assert sub.rainfall.notebook.problem == ("rainfall_forecast.ipynb: this is a folder with the notebook's name, "
                                    "not a notebook file")


# -- bad files: a one-line reason, never an exception ----------------------------------------
GOOD = json.dumps(notebook(code("print(1)", stdout("1\n"))))


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "the file is empty (0 bytes)"),
        (b"  \n\t ", "the file is empty (5 bytes of blank space)"),
        (b"hello, world", "not valid notebook JSON (line 1, column 1: Expecting value)"),
        (GOOD[: len(GOOD) // 2].encode(), "the file is truncated: its JSON stops at line 1"),
        (GOOD[:-1].encode(), "the file is truncated"),
        (GOOD.encode("utf-16"), "the file is UTF-16 text; notebooks are UTF-8 JSON"),
        (GOOD.encode("utf-16-le"), "the file is UTF-16 text"),
        ("{\"cells\": \"caf\u00e9\"}".encode("latin-1"), "not UTF-8 text (byte 0xe9 at offset 14)"),
        (b"[1, 2, 3]", "a JSON array, not a notebook"),
        (b"\"just text\"", "a JSON string, not a notebook"),
        (b"42", "a JSON number, not a notebook"),
        (b"null", "JSON null, not a notebook"),
        (b"{\"a\": 1}", "a JSON object without 'nbformat' and 'cells': not a Jupyter notebook"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (json.dumps({"nbformat": 3, "nbformat_minor": 0, "worksheets": [{"cells": []}], "metadata": {}}).encode(),
         "an nbformat 3 notebook (IPython 2-era 'worksheets' layout); only nbformat 4 is read"),
        (json.dumps({"nbformat": 5, "cells": []}).encode(), "an nbformat 5 notebook; only nbformat 4 is read"),
        (json.dumps({"nbformat": "4", "cells": []}).encode(), "'nbformat' is '4', not a version number"),
        (json.dumps({"nbformat": 4, "nbformat_minor": 4}).encode(), "'cells' is missing or not a list"),
        (json.dumps({"nbformat": 4, "cells": {"a": 1}}).encode(), "'cells' is missing or not a list"),
        (json.dumps({"nbformat": 4, "cells": [7]}).encode(), "cell 1 is 7, not a notebook cell"),
        (json.dumps({"nbformat": 4, "cells": [{"source": "x"}]}).encode(), "cell 1 has no 'cell_type'"),
        (json.dumps(notebook(code("x"), {"cell_type": "code", "source": 5, "outputs": []})).encode(),
         "cell 2 'source' is 5, not text"),
        (json.dumps(notebook({"cell_type": "code", "source": "x", "execution_count": "3", "outputs": []})).encode(),
         "cell 1 has execution_count '3', not a number"),
        (json.dumps(notebook({"cell_type": "code", "source": "x", "execution_count": 1, "outputs": {}})).encode(),
         "cell 1 'outputs' is an object, not a list"),
        (json.dumps(notebook(code("x", "oops"))).encode(), "cell 1 output 1 is 'oops', not an output"),
        (json.dumps(notebook(code("x", {"output_type": "stream", "name": "stdout", "text": 3}))).encode(),
         "cell 1 output 1 'text' is 3, not text"),
        (json.dumps(notebook(code("x", {"output_type": "execute_result", "data": [1]}))).encode(),
         "cell 1 output 1 'data' is a list, not an object"),
    ],
)
def test_bad_files_yield_a_clear_problem(tmp_path, data, reason):
    path = tmp_path / "credit-risk-classification.ipynb"
    path.write_bytes(data)
    nb = read_notebook(path)
    assert not nb.ok
    assert nb.problem.startswith("credit-risk-classification.ipynb: ")
    assert reason in nb.problem
    assert "\n" not in nb.problem
    assert nb.cells == ()
    # the same rules for content already in memory
    assert reason in parse_notebook(data, "x.ipynb").problem


def test_huge_file_is_refused_before_reading(tmp_path):
    path = tmp_path / "rainfall_forecast.ipynb"
    with path.open("wb") as fh:  # a sparse file: no 21 MB written
        fh.truncate(MAX_BYTES + 1024 * 1024)
    nb = read_notebook(path)
    assert nb.problem == ("rainfall_forecast.ipynb: the file is 21.0 MB, over the 20 MB limit for notebooks "
                          "(clear large outputs, e.g. printed data frames or images, and save it again)")
    assert parse_notebook(b" " * (MAX_BYTES + 1)).problem.endswith("and save it again)")


def test_size_limit_is_twenty_megabytes():
    assert MAX_BYTES == 20 * 1024 * 1024


def test_unreadable_file_is_a_problem(tmp_path, monkeypatch):
    path = write(tmp_path / "rainfall_forecast.ipynb", notebook())

    def deny(*_a, **_k):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(type(path), "open", deny)
    assert read_notebook(path).problem == "rainfall_forecast.ipynb: permission denied when reading the file"


def test_fifo_is_not_read(tmp_path):
    path = tmp_path / "rainfall_forecast.ipynb"
    os.mkfifo(path)
    assert read_notebook(path).problem == "rainfall_forecast.ipynb: not a regular file"


def test_unexpected_failure_is_caught(monkeypatch, tmp_path):
    path = write(tmp_path / "rainfall_forecast.ipynb", notebook())
    monkeypatch.setattr("grader.notebooks.reader._fill", lambda nb, doc: 1 / 0)
    nb = read_notebook(path)
    assert nb.problem == "rainfall_forecast.ipynb: could not be read (ZeroDivisionError: division by zero)"


# -- good files: what is read ------------------------------------------------------------------
def test_utf8_bom_is_accepted():
    nb = parse_notebook(b"\xef\xbb\xbf" + GOOD.encode())
    assert nb.ok and len(nb.cells) == 1


def test_minified_and_pretty_json_give_the_same_facts():
    nb = credit_notebook()
    pretty = parse_notebook(to_json(nb))
    mini = parse_notebook(to_json(nb, minified=True))
    assert pretty.ok and mini.ok
    assert [(c.index, c.source, c.execution_count, c.outputs) for c in pretty.cells] == \
        [(c.index, c.source, c.execution_count, c.outputs) for c in mini.cells]


def test_nbformat_42_without_ids_metadata_or_kernelspec():
    doc = {"nbformat": 4, "nbformat_minor": 2, "cells": [
        {"cell_type": "code", "source": ["import os\n", "print(1)"], "execution_count": 1,
         "outputs": [{"output_type": "stream", "name": "stdout", "text": ["1\n"]}]}]}
    nb = parse(doc)
    assert nb.ok and nb.nbformat == "4.2" and nb.kernel is None
    assert nb.cells[0].source == "import os\nprint(1)"
    assert nb.cells[0].outputs[0].text == "1\n"


def test_kernelspec_and_version_are_kept():
    nb = parse(notebook(minor=5, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3"}}))
    assert nb.kernel == "python3" and nb.nbformat == "4.5"


def test_code_cells_in_document_order_with_positions_counting_markdown():
    nb = parse(notebook(md("# title"), code("a = 1", n=3), md("text"), code("", n=None), code("b = 2", n=7),
                        {"cell_type": "raw", "source": "raw"}, number=False))
    assert [(c.index, c.number, c.execution_count) for c in nb.cells] == [(1, 2, 3), (3, 4, None), (4, 5, 7)]
    assert [c.label for c in nb.code_cells] == ["cell 2 (In [3])", "cell 5 (In [7])"]
    assert nb.n_cells == 6


def test_outputs_by_kind_with_ansi_removed():
    nb = parse(notebook(code(
        "x",
        stdout("\x1b[34m[03/12/2020 INFO] hello\x1b[0m\r\n"),
        stdout("more\rdone\n"),
        stderr("\x1b[1;31mwarning\x1b[0m\n"),
        result("0.77", "<b>0.77</b>"),
        {"output_type": "display_data", "data": {"text/plain": ["<Figure ", "size>"], "image/png": "iVBO"}},
        error("ClientError", "An error occurred (\x1b[1mValidationException\x1b[0m)"),
        {"output_type": "widget_state", "data": 1},
    )))
    outs = nb.cells[0].outputs
    assert [o.kind for o in outs] == [STDOUT, STDERR, RESULT, DISPLAY, ERROR]
    assert outs[0].text == "[03/12/2020 INFO] hello\nmore\ndone\n"  # consecutive stdout merged
    assert outs[1].text == "warning\n"
    assert (outs[2].text, outs[2].html) == ("0.77", "<b>0.77</b>")
    assert outs[3].text == "<Figure size>"
    assert (outs[4].ename, outs[4].evalue, outs[4].is_error) == ("ClientError", "An error occurred (ValidationException)",
                                                                 True)
    assert outs[4].text == "ClientError: An error occurred (ValidationException)"


def test_null_outputs_and_missing_fields_are_tolerated():
    nb = parse(notebook({"cell_type": "code", "source": "x", "execution_count": 2, "outputs": None},
                        {"cell_type": "code", "execution_count": None},
                        code("y", {"output_type": "execute_result", "data": None},
                             {"output_type": "error"})))
    assert nb.ok
    assert [len(c.outputs) for c in nb.cells] == [0, 0, 2]
    assert nb.cells[2].outputs[1].ename == "Error"


def test_written_by_nbformat_reads_the_same(tmp_path):
    nb = credit_notebook()
    path = tmp_path / "credit-risk-classification.ipynb"
    nbformat.write(nb, path)
    read = read_notebook(path, "credit", LESSON_NOTEBOOKS["credit"])
    assert read.ok and read.role == "credit" and read.name == "credit-risk-classification.ipynb"
    assert len(read.cells) == sum(1 for c in nb.cells if c.cell_type == "code")
    assert read.describe() == {"notebook": "credit-risk-classification.ipynb", "file": str(path), "nbformat": "4.5",
                               "code_cells": len(read.code_cells)}


def test_an_executed_download_wins_over_an_unexecuted_original(tmp_path):
    write(tmp_path / "credit-risk-classification.ipynb", notebook(code("x = 1", n=None), number=False))
    write(tmp_path / "credit-risk-classification (1).ipynb", notebook(code("x = 1")))
    (tmp_path / "rainfall_forecast.ipynb").write_text("{")
    write(tmp_path / "rainfall_forecast (1).ipynb", notebook(code("y = 1", n=None), number=False))
    sub = read_submission(tmp_path)
    assert sub.credit.notebook.name == "credit-risk-classification (1).ipynb" and sub.credit.execution.executed == 1
    assert sub.credit.notebook.describe()["also_matching"] == [str(tmp_path / "credit-risk-classification.ipynb")]
    assert sub.rainfall.notebook.ok and sub.rainfall.notebook.name == "rainfall_forecast (1).ipynb"


def test_missing_notebook_message_names_the_notebooks_seen(tmp_path):
    write(tmp_path / "rainfall_forecast.ipynb", notebook())
    write(tmp_path / "work" / "credit_risk_final.ipynb", notebook())
    sub = read_submission(tmp_path)
    assert sub.credit.notebook.problem == (f"no notebook named like credit-risk-classification.ipynb in {tmp_path} "
                                  "(found: rainfall_forecast.ipynb, work/credit_risk_final.ipynb)")
