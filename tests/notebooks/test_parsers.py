"""grader.notebooks.parsers.*: metrics as real notebooks print them. Most inputs here are made by
scikit-learn, NumPy and pandas themselves, so the formats are the libraries', not ours."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import classification_report, confusion_matrix

from grader.notebooks.parsers.classification_report import (
    find_reports,
    report_from_grid,
)
from grader.notebooks.parsers.confusion import (
    confusion_from_grid,
    find_matrices,
    find_tfpn,
    norm_label,
    relabel,
)
from grader.notebooks.parsers.figures import bare_number, bare_tuple, find_accuracy
from grader.notebooks.parsers.regression import find_r2, find_rmse
from grader.notebooks.parsers.tables import find_html_grids, find_text_grids
from grader.notebooks.text import Number, clean_text, numbers_in, parse_number, strip_comments


def labels(style):
    return {"Good/Bad": ("Good", "Bad"), "good/bad": ("good", "bad"), "0/1": (0, 1), "0.0/1.0": (0.0, 1.0),
            "risk words": ("good risk", "bad risk"), "bool": (True, False)}[style]


def arrays(style, gg=128, gb=15, bg=31, bb=26):
    good, bad = labels(style)
    y_test = [good] * (gg + gb) + [bad] * (bg + bb)
    y_pred = [good] * gg + [bad] * gb + [good] * bg + [bad] * bb
    return np.array(y_test, dtype=object if isinstance(good, str) else None), np.array(y_pred, dtype=object if isinstance(good, str) else None)


def report(y_test, y_pred, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return classification_report(y_test, y_pred, zero_division=0, **kw)


# -- numbers -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("token", "value", "decimals"),
    [("0.77", 0.77, 2), ("-0.0923", -0.0923, 4), ("7.7e-01", 0.77, 2), ("77", 77.0, 0), (".5", 0.5, 1),
     ("\u22120.09", -0.09, 2), ("1.", 1.0, 0)],
)
def test_parse_number(token, value, decimals):
    num = parse_number(token)
    assert num.value == pytest.approx(value) and num.decimals == decimals


def test_parse_number_special_values_and_garbage():
    assert math.isnan(parse_number("nan").value) and parse_number("inf").value == math.inf
    assert parse_number("-inf").value == -math.inf
    assert parse_number("77%") is None and parse_number("abc") is None and parse_number("") is None
    assert parse_number("77", percent=True) == Number(0.77, 2)


def test_numbers_agree_within_rounding():
    assert Number(0.77, 2).agrees(Number(0.765, None))  # the report's 2 decimals of 0.765
    assert Number(0.76, 2).agrees(Number(0.764, None))
    assert not Number(0.78, 2).agrees(Number(0.765, None))
    assert not Number(0.92, 2).agrees(Number(0.77, 2))
    assert Number(0.7650000000000001, 16).agrees(Number(0.765, None))
    assert not Number(math.nan).agrees(Number(math.nan))


def test_numbers_in_text_skip_parts_of_words():
    assert [n.value for n, _, _ in numbers_in("R2 x86 value 0.5 and 45%")] == [0.5, 0.45]


def test_clean_text_and_strip_comments():
    assert clean_text("\x1b[34mblue\x1b[0m\r\nline\rover") == "blue\nline\nover"
    src = "x = 1  # note\n# all comment\ns = '# not a comment'  # real\n\nt = \"a#b\""
    assert strip_comments(src) == "x = 1\ns = '# not a comment'\nt = \"a#b\""


# -- accuracy lines ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("accuracy_score: 0.77", 0.77),
        ("Accuracy Score: 0.765", 0.765),
        ("Accuracy Score : 0.7640", 0.764),
        ("Accuracy: 77.00%", 0.77),
        ("Test accuracy = 77.5 %", 0.775),
        ("The accuracy of the model is 0.7650000000000001", 0.7650000000000001),
        ("accuracy 0.72 on 250 test rows", 0.72),
        ("Accuracy on 200 test rows: 0.77", 0.77),
        ("Model accuracy: 0.77, precision: 0.63", 0.77),
        ("ACCURACY=0.81", 0.81),
        ("acc: 0.7", 0.7),
        ("Accuracy of the trained model: 0.74", 0.74),
    ],
)
def test_accuracy_phrasings(text, value):
    found = find_accuracy(f"something else\n{text}\n")
    assert [f.value for f in found] == [pytest.approx(value)]
    assert found[0].line == text.strip()


@pytest.mark.parametrize(
    "text",
    [
        "balanced_accuracy_score: 0.66",
        "Training accuracy: 0.81",
        "train_accuracy = 0.80",
        "Baseline accuracy (always good): 0.715",
        "Epoch 3 - loss: 0.51 - accuracy: 0.75 - val_accuracy: 0.71",
        "Cross-validated accuracy: 0.73",
        "[03/12/2020 17:39:50 INFO 140248161896256] #quality_metric: host=algo-1, test binary_classification_accuracy "
        "<score>=0.7612",
        "[03/12/2020 17:39:50 INFO 1402] #test_score (algo-1) : ('binary_classification_accuracy', 0.765)",
        "    accuracy                           0.77       200",
        "{'accuracy': 0.77, 'macro avg': {}}",
        "Accuracy: 77",  # no % sign, not in [0, 1]: not an accuracy
        "accuracy: n/a",
        "accurate predictions: 0.5",
    ],
)
def test_not_the_model_accuracy(text):
    assert find_accuracy(text) == []


# -- classification reports --------------------------------------------------------------------
@pytest.mark.parametrize("style", ["Good/Bad", "good/bad", "0/1", "0.0/1.0", "risk words", "bool"])
@pytest.mark.parametrize("digits", [2, 3, 4])
def test_reports_of_every_label_style(style, digits):
    y_test, y_pred = arrays(style)
    [rep] = find_reports("Classification report:\n" + report(y_test, y_pred, digits=digits) + "\nDone.")
    good, bad = labels(style)
    assert sorted(r.label for r in rep.classes) == sorted([str(good), str(bad)])
    assert rep.accuracy_row == "accuracy"
    assert rep.accuracy.value == pytest.approx(0.77) and rep.accuracy.decimals == digits
    assert rep.total_support == 200
    bad_row = next(r for r in rep.classes if r.label == str(bad))
    assert bad_row.support == 57 and bad_row.recall == pytest.approx(26 / 57, abs=0.5 * 10 ** -digits)
    assert rep.predicted_counts()[str(bad)] == pytest.approx(41, rel=0.05)


def test_old_micro_avg_report():
    text = """              precision    recall  f1-score   support

         Bad       0.63      0.46      0.53        57
        Good       0.81      0.90      0.85       143

   micro avg       0.77      0.77      0.77       200
   macro avg       0.72      0.68      0.69       200
weighted avg       0.76      0.77      0.76       200
"""
    [rep] = find_reports(text)
    assert rep.accuracy_row == "micro avg" and rep.accuracy == Number(0.77, 2)
    assert [r.label for r in rep.classes] == ["Bad", "Good"]


def test_oldest_report_has_no_accuracy_row():
    text = """             precision    recall  f1-score   support

          0       0.81      0.90      0.85       143
          1       0.63      0.46      0.53        57

avg / total       0.76      0.77      0.76       200
"""
    [rep] = find_reports(text)
    assert rep.accuracy is None and len(rep.classes) == 2


def test_constant_model_report_predicts_no_bad():
    y_test, y_pred = arrays("good/bad", gg=143, gb=0, bg=57, bb=0)
    [rep] = find_reports(report(y_test, y_pred))
    assert rep.predicted_counts()["bad"] == 0.0
    assert rep.accuracy.value == pytest.approx(0.715, abs=0.0051)


def test_report_as_dataframe_text_and_html():
    y_test, y_pred = arrays("0/1")
    frame = pd.DataFrame(classification_report(y_test, y_pred, output_dict=True)).transpose()
    [rep] = find_reports(repr(frame))
    assert rep.accuracy.value == pytest.approx(0.77) and len(rep.classes) == 2
    grids = find_html_grids(frame.to_html())
    rep2 = report_from_grid(grids[0])
    assert rep2.accuracy.value == pytest.approx(0.77)
    assert {r.label for r in rep2.classes} == {"0", "1"}


def test_report_dict_printed():
    y_test, y_pred = arrays("good/bad")
    text = str(classification_report(y_test, y_pred, output_dict=True))
    [rep] = find_reports(text)
    assert rep.accuracy.value == pytest.approx(0.77)
    assert {r.label for r in rep.classes} == {"good", "bad"}


def test_two_reports_in_one_output():
    y_test, y_pred = arrays("0/1")
    y2_test, y2_pred = arrays("0/1", 100, 43, 40, 17)
    reps = find_reports(report(y_test, y_pred) + "\n\n" + report(y2_test, y2_pred))
    assert [r.accuracy.value for r in reps] == [pytest.approx(0.77), pytest.approx(0.585, abs=0.0051)]


# -- confusion matrices --------------------------------------------------------------------------
def test_numpy_print_and_repr():
    y_test, y_pred = arrays("0/1")
    cm = confusion_matrix(y_test, y_pred)
    for text in (str(cm), repr(cm), str(cm.tolist()), f"Confusion matrix:\n{cm}\n"):
        [m] = find_matrices(text)
        assert m.counts == ((128, 15), (31, 26)) and m.total == 200 and m.correct == 154
        assert m.accuracy == Number(0.77, None) and m.positional and not m.oriented


def test_numpy_spec_example_and_float_counts():
    [m] = find_matrices("[[128  15]\n [ 31  26]]")
    assert m.predicted_counts() == {"0": 159, "1": 41}
    [f] = find_matrices("[[128.  15.]\n [ 31.  26.]]")
    assert f.counts == m.counts


@pytest.mark.parametrize(
    "text",
    ["[[0.5 -1.2]\n [0.3 0.1]]", "[[1 2 3]\n [4 5 6]]", "[[5]]", "[[0 0]\n [0 0]]", "[[-1  2]\n [ 3  4]]",
     "[1, 2, 3]", "[[1, 2], [3]]"],
)
def test_not_confusion_matrices(text):
    assert find_matrices(text) == []


def test_flipped_hint_transposes_unlabelled_matrix():
    [m] = find_matrices("[[128  31]\n [ 15  26]]", flipped_hint=True)
    assert m.counts == ((128, 15), (31, 26)) and m.oriented


def cms_from_text(text):
    return [cm for g in find_text_grids(text) if (cm := confusion_from_grid(g)) is not None]


@pytest.mark.parametrize("style", ["Good/Bad", "good/bad", "0/1", "0.0/1.0", "risk words"])
@pytest.mark.parametrize("margins", [False, True])
def test_crosstab_text_and_html(style, margins):
    y_test, y_pred = arrays(style)
    ct = pd.crosstab(pd.Series(y_test, name="Actual"), pd.Series(y_pred, name="Predicted"), margins=margins)
    good, bad = labels(style)
    for cms in (cms_from_text(repr(ct)), [confusion_from_grid(g) for g in find_html_grids(ct._repr_html_())]):
        [cm] = cms
        assert cm.total == 200 and cm.correct == 154 and cm.oriented
        assert cm.actual_counts()[norm_label(str(bad))] == 57
        assert cm.predicted_counts()[norm_label(str(bad))] == 41


def test_crosstab_without_names_and_of_arrays():
    y_test, y_pred = arrays("0/1")
    ct = pd.crosstab(y_test, y_pred)  # col_0 / row_0
    [cm] = cms_from_text(repr(ct))
    assert cm.counts == ((128, 15), (31, 26)) and not cm.oriented
    ct2 = pd.crosstab(pd.Series(y_test, name="Risk"), y_pred)
    [cm2] = cms_from_text(repr(ct2))
    assert cm2.correct == 154


def test_constant_model_crosstab_has_one_column():
    y_test, y_pred = arrays("Good/Bad", gg=143, gb=0, bg=57, bb=0)
    ct = pd.crosstab(pd.Series(y_test, name="Actual"), pd.Series(y_pred, name="Predicted"))
    [cm] = cms_from_text(repr(ct))
    assert cm.predicted == ("good",) and cm.actual == ("bad", "good")
    assert cm.predicted_counts() == {"bad": 0, "good": 200}
    assert cm.accuracy.value == pytest.approx(0.715)
    [cm_html] = [confusion_from_grid(g) for g in find_html_grids(ct._repr_html_())]
    assert cm_html.predicted_counts()["bad"] == 0


def test_dataframe_with_actual_predicted_labels_in_any_order():
    cm = np.array([[26, 31], [15, 128]])
    df = pd.DataFrame(cm, index=["Actual Bad", "Actual Good"], columns=["Predicted Bad", "Predicted Good"])
    [m] = cms_from_text(repr(df))
    assert m.oriented and m.correct == 154 and m.display["bad"] == "Bad"
    swapped = pd.DataFrame(cm.T, index=["Predicted Bad", "Predicted Good"], columns=["Actual Bad", "Actual Good"])
    [s] = cms_from_text(repr(swapped))
    assert s.actual_counts() == {"bad": 57, "good": 143} and s.predicted_counts() == {"bad": 41, "good": 159}
    reordered = pd.DataFrame([[128, 15], [31, 26]], index=["True good", "True bad"], columns=["Pred good", "Pred bad"])
    [r] = cms_from_text(repr(reordered))
    assert r.correct == 154 and r.actual_counts()["bad"] == 57


def test_grid_parser_reads_pandas_layouts():
    df = pd.DataFrame([[1, 2], [3, 4]])
    [g] = find_text_grids(repr(df))
    assert g.col_labels == ("0", "1") and g.rows == (("0", ("1", "2")), ("1", ("3", "4")))
    ct = pd.crosstab(pd.Series([0, 1, 1], name="Actual"), pd.Series([0, 1, 0], name="Predicted"))
    [g2] = find_text_grids("Confusion matrix:\n" + repr(ct))
    assert (g2.col_name, g2.row_name, g2.col_labels) == ("Predicted", "Actual", ("0", "1"))


def test_non_count_tables_are_not_confusion_matrices():
    frame = pd.DataFrame({"Age": [67, 22], "Credit amount": [1169, 5951]})
    assert cms_from_text(repr(frame)) == []  # labels share nothing and the index is not a class axis
    rates = pd.DataFrame([[0.64, 0.07], [0.16, 0.13]], index=["bad", "good"], columns=["bad", "good"])
    assert cms_from_text(repr(rates)) == []


def test_relabel_positional_matrix():
    [m] = find_matrices("[[26 31]\n [15 128]]")
    named = relabel(m, ["Bad", "Good"])
    assert named.actual == ("bad", "good") and named.display == {"bad": "Bad", "good": "Good"}
    assert relabel(m, ["a"]) is m


@pytest.mark.parametrize(
    ("label", "key"),
    [("Actual 0", "0"), ("0.0", "0"), ("1.0", "1"), ("Predicted Bad", "bad"), ("bad risk", "bad"),
     ("'good'", "good"), ("Actual", "actual"), ("True", "true")],
)
def test_norm_label(label, key):
    assert norm_label(label) == key


# -- regression metrics --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "value"),
    [("RMSE: 0.362", 0.362), ("rmse = 0.4201194", 0.4201194), ("Root Mean Squared Error: 0.4154", 0.4154),
     ("Root mean square error (RMSE): 0.41", 0.41), ("The RMSE is 0.419 and the R\u00b2 is -0.004", 0.419),
     ("test rmse 0.36", 0.36), ("RMSE: nan", math.nan)],
)
def test_rmse_phrasings(text, value):
    [found] = find_rmse(text)
    assert (math.isnan(found.value) and math.isnan(value)) or found.value == pytest.approx(value)


@pytest.mark.parametrize(
    ("text", "value"),
    [("R2 score: -0.092", -0.092), ("R2: 0.1", 0.1), ("r2_score = -0.0102", -0.0102), ("R^2 = 0.002", 0.002),
     ("R\u00b2: -0.09", -0.09), ("R-squared: 0.0021", 0.0021), ("R squared = 0.3", 0.3),
     ("Coefficient of determination: 0.25", 0.25), ("The RMSE is 0.419 and the R\u00b2 is -0.004", -0.004),
     ("R2 score: \u22120.09", -0.09), ("r2 0.5", 0.5)],
)
def test_r2_phrasings(text, value):
    [found] = find_r2(text)
    assert found.value == pytest.approx(value)


@pytest.mark.parametrize("text", ["MSE: 0.17", "Mean Squared Error: 0.17", "R2D2 is a droid", "year 2020: 0.5",
                                  "[03/12/2020 17:39:50 INFO 1] #quality_metric: host=algo-1, test rmse <loss>=0.41"])
def test_not_rmse_nor_r2(text):
    assert find_rmse(text) == [] and find_r2(text) == []


def test_one_line_with_both_metrics():
    text = "RMSE: 0.36 R2: -0.09"
    assert [f.value for f in find_rmse(text)] == [0.36]
    assert [f.value for f in find_r2(text)] == [-0.09]


# -- bare values -----------------------------------------------------------------------------------
def test_bare_numbers_and_tuples():
    assert bare_number("0.77") == Number(0.77, 2)
    assert bare_number("np.float64(0.765)") == Number(0.765, 3)
    assert bare_number("0.77 is good") is None and bare_number("'0.77'") is None
    assert bare_tuple("(0.36, -0.09)") == [Number(0.36, 2), Number(-0.09, 2)]
    assert bare_tuple("(np.float64(0.36), np.float64(-0.09))") == [Number(0.36, 2), Number(-0.09, 2)]
    assert bare_tuple("(1, 'a')") is None and bare_tuple("()") is None


@pytest.mark.parametrize(
    "text",
    ["True Negatives: 128\nFalse Positives: 15\nFalse Negatives: 31\nTrue Positives: 26",
     "TN=128, FP=15, FN=31, TP=26", "{'tn': 128, 'fp': 15, 'fn': 31, 'tp': 26}",
     "true negative (TN): 128  false positive (FP): 15  false negative (FN): 31  true positive (TP): 26"],
)
def test_four_counts_of_a_binary_matrix(text):
    [cm] = find_tfpn(text)
    assert cm.counts == ((128, 15), (31, 26)) and cm.oriented and cm.accuracy == Number(0.77, None)


def test_four_counts_need_all_four():
    assert find_tfpn("TN: 128 FP: 15") == [] and find_tfpn("positive news, negative views") == []
