"""What only one run of a notebook can print: its fingerprints, for the class-level shared-work
analysis (grader.integrity) and the known-solution flag (the course's published runs, rubric data).

- `figure`: a number printed to full precision (at least FULL_DECIMALS decimals, e.g. the RMSE
  `0.41836917395823714`): a trained model's metric to the last digit. Numbers printed with fewer
  decimals (`0.77`, a data frame's `61.325279`) are shared by chance or by every honest run, and
  so is a count over a count printed in full (`0.6363636363636364` = 7/11: a precision, a recall,
  an F1 on a test set of 200): a ratio of integers up to RATIO_DENOMINATOR is never a figure.
- `job`: an SDK-generated training-job name (`linear-learner-2020-03-30-12-58-02-201`), stamped
  to the millisecond; names a student typed (`credit-job`) are not fingerprints.
- `timestamp`: a training log's time stamps (`2020-03-30 12:58:02 Starting ...`).
- `image`: the digest of an image output (a plot), as `image/png:<sha256>`.

Nothing here reads code: the starter code every student shares is never a fingerprint. Each
pattern is linear (bounded repeats) and at most MAX_PER_NOTEBOOK fingerprints are kept.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from fractions import Fraction

from grader.notebooks.mentions import NotebookMentions
from grader.notebooks.model import ERROR, STDERR, Notebook, Place

FULL_DECIMALS = 9
MAX_PER_NOTEBOOK = 1000
PER_KIND = {"job": 100, "timestamp": 200, "image": 100}  # at most, each; figures take the rest
RATIO_DENOMINATOR = 1000  # a figure within its rounding of p/q, q <= this, is a ratio of counts
_FIGURE = re.compile(r"(?<![\w.])-?\d{1,6}\.\d{" + str(FULL_DECIMALS) + r",20}(?:e-?\d{1,3})?(?![\w.])")
_STAMPED_JOB = re.compile(r"\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}-\d{3}$")
_LOG_LINE = re.compile(r"^[ \t]{0,9}(?:\[\d{2}/\d{2}/\d{4} \d{2}:\d{2}:\d{2}|\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} )"
                       r"|#(?:quality_metric|test_score|metrics|progress_metric)")
_LOG_TIME = re.compile(r"(?m)^[ \t]{0,9}(?:\[(\d{2}/\d{2}/\d{4} \d{2}:\d{2}:\d{2})|(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}) "
                       r"(?:Starting|Downloading|Training|Uploading|Completed))")


def is_ratio_of_counts(figure: str) -> bool:
    """Whether a printed figure is p/q with q <= RATIO_DENOMINATOR, to its printed precision or
    to a few units of float rounding (what many honest runs print alike: 29/53 as an F1,
    `0.5471698113207547`; an accuracy summed in floats, `0.7150000000000001`)."""
    text = figure.lower()
    mantissa, _, exponent = text.partition("e")
    decimals = len(mantissa.partition(".")[2]) - (int(exponent) if exponent else 0)
    value = Fraction(text)
    near = value.limit_denominator(RATIO_DENOMINATOR)
    rounding = Fraction(1, 2 * 10 ** decimals) if decimals >= 0 else Fraction(10 ** -decimals, 2)
    return abs(value - near) <= max(rounding, Fraction(4 * math.ulp(float(value))))


def printed_figures(text: str) -> list[str]:
    """The figures in a text (full precision, not a ratio of counts), in order."""
    return [m.group(0) for m in _FIGURE.finditer(text) if not is_ratio_of_counts(m.group(0))]


@dataclass(frozen=True, slots=True)
class Fingerprint:
    kind: str  # figure | job | timestamp | image
    value: str
    place: Place

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.value}"

    def evidence(self) -> str:
        shown = self.value if len(self.value) <= 40 else self.value[:24] + "\u2026"
        return f"{self.kind} {shown} ({self.place})"


def split_log(text: str) -> tuple[str, str]:
    """(what was printed, the training log's lines) of one output's text. A log line starts with
    a log time stamp or carries the algorithm's metric records (`#quality_metric`, ...); the
    notebook's own prints (`RMSE: ...`) that follow `fit()` in the same stream are the rest."""
    if "Starting" not in text and "INFO" not in text and "#" not in text:
        return text, ""
    printed, log = [], []
    for line in text.split("\n"):
        (log if _LOG_LINE.search(line) else printed).append(line)
    return "\n".join(printed), "\n".join(log)


def fingerprints(nb: Notebook, mentions: NotebookMentions) -> tuple[Fingerprint, ...]:
    """The fingerprints of one notebook, each once (its first place): job names, then log time
    stamps and plots, then the figures printed outside training logs (the metrics), then the
    training logs' figures. Each kind but figures has a cap of its own (PER_KIND), so a long log
    (hundreds of per-batch losses, thousands of time stamps) never crowds out a run's clock or
    its metrics when MAX_PER_NOTEBOOK is reached."""
    seen: dict[str, Fingerprint] = {}
    counts: dict[str, int] = {}
    later: list[tuple[str, Place]] = []  # training logs' lines, for their figures last
    printed: list[tuple[str, Place]] = []

    def add(kind: str, value: str, place: Place) -> None:
        key = f"{kind}:{value}"
        if len(seen) >= MAX_PER_NOTEBOOK or key in seen or counts.get(kind, 0) >= PER_KIND.get(kind, MAX_PER_NOTEBOOK):
            return
        counts[kind] = counts.get(kind, 0) + 1
        seen[key] = Fingerprint(kind, value, place)

    for name, places in mentions.jobs.items():
        if _STAMPED_JOB.search(name):
            add("job", name, places[0])
    for cell in nb.cells:
        for out in cell.outputs:
            if out.kind in (ERROR, STDERR) and not out.blobs:
                continue
            place = nb.place(cell)
            for blob in out.blobs:
                add("image", blob, place)
            text = out.text
            if not text:
                continue
            if "Starting" in text or "INFO" in text:
                for m in _LOG_TIME.finditer(text):
                    add("timestamp", m.group(1) or m.group(2), place)
            own, log = split_log(text)
            printed.append((own, place))
            later.append((log, place))
    for text, place in printed + later:
        for figure in printed_figures(text):
            if len(seen) >= MAX_PER_NOTEBOOK:
                return tuple(seen.values())
            add("figure", figure, place)
    return tuple(seen.values())
