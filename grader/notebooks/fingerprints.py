"""What only one run of a notebook can print: its fingerprints, for the class-level shared-work
analysis (grader.integrity) and the known-solution flag (the course's published runs, rubric data).

- `figure`: a number printed to full precision (at least FULL_DECIMALS decimals, e.g. the RMSE
  `0.41836917395823714`): a trained model's metric to the last digit. Numbers printed with fewer
  decimals (`0.77`, a data frame's `61.325279`) are shared by chance or by every honest run.
- `job`: an SDK-generated training-job name (`linear-learner-2020-03-30-12-58-02-201`), stamped
  to the millisecond; names a student typed (`credit-job`) are not fingerprints.
- `timestamp`: a training log's time stamps (`2020-03-30 12:58:02 Starting ...`).
- `image`: the digest of an image output (a plot), as `image/png:<sha256>`.

Nothing here reads code: the starter code every student shares is never a fingerprint. Each
pattern is linear (bounded repeats) and at most MAX_PER_NOTEBOOK fingerprints are kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from grader.notebooks.mentions import NotebookMentions
from grader.notebooks.model import ERROR, STDERR, Notebook, Place

FULL_DECIMALS = 9
MAX_PER_NOTEBOOK = 500
_FIGURE = re.compile(r"(?<![\w.])-?\d{1,6}\.\d{" + str(FULL_DECIMALS) + r",20}(?:e-?\d{1,3})?(?![\w.])")
_STAMPED_JOB = re.compile(r"\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}-\d{3}$")
_LOG_TIME = re.compile(r"(?m)^[ \t]{0,9}(?:\[(\d{2}/\d{2}/\d{4} \d{2}:\d{2}:\d{2})|(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}) "
                       r"(?:Starting|Downloading|Training|Uploading|Completed))")


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


def fingerprints(nb: Notebook, mentions: NotebookMentions) -> tuple[Fingerprint, ...]:
    """The fingerprints of one notebook, each once (its first place), document order."""
    seen: dict[str, Fingerprint] = {}

    def add(kind: str, value: str, place: Place) -> None:
        if len(seen) < MAX_PER_NOTEBOOK:
            seen.setdefault(f"{kind}:{value}", Fingerprint(kind, value, place))

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
            for m in _FIGURE.finditer(text):
                add("figure", m.group(0), place)
            if "Starting" in text or "INFO" in text:
                for m in _LOG_TIME.finditer(text):
                    add("timestamp", m.group(1) or m.group(2), place)
    return tuple(seen.values())
