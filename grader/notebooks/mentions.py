"""S3 bucket names and SageMaker training-job names that a notebook mentions, with where.

Buckets are read from code (`bucket = "..."`, any variable whose name contains "bucket",
`Bucket="..."`, `.Bucket("...")`, `s3://<name>/` literals) and from outputs (`s3://<name>/...`
such as "Training data uploaded to: s3://...", S3 HTTPS URLs, a printed `default_bucket()`).
Placeholders (`sagemaker-bucket-name-here`, `your-bucket-name`...) and AWS's public sample
buckets are not the student's and are left out. Commented-out code is ignored.

Training jobs are read from explicit contexts ("Creating training-job with name: X",
`TrainingJobName`, "training job name: X", `job_name = "X"`, `Estimator.attach("X")`, training-job
ARNs) and, inside a training log (the output that has "Starting - Starting the training job" or
"Training job completed" lines), from SDK-default names such as
`linear-learner-2020-03-12-17-36-08-123`; lines about models and endpoints (which get names in
the same style) are skipped. Of an output longer than 256 K characters (a training log that is
most of the notebook's bytes) the first and last 128 K are read: the job's name and the S3 paths
come before and after the algorithm's own log lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from grader.notebooks.model import RESULT, Notebook, Output, Place
from grader.notebooks.text import find_all, lines_with, lowered

_BUCKET = r"[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]"
_END = r"(?=[/\s'\"),\]}>:;\x1b]|$)"
_S3_URI = re.compile(r"(?i:s3a?)://(" + _BUCKET + ")" + _END)
_S3_HOST = re.compile(r"https?://(" + _BUCKET + r")\.s3[.-](?:[a-z0-9-]+\.)?amazonaws\.com")
_S3_PATH = re.compile(r"https?://s3[.-](?:[a-z0-9-]+\.)?amazonaws\.com/(" + _BUCKET + ")" + _END)
# Every pattern here is linear in the text: bounded repeats, one start per word (the lookbehind),
# no nested or adjacent unbounded `\w*` (issue 14: `\w*bucket\w*` took minutes on a long word).
_NAME = r"(?<![\w.])(\w{1,200})"
_CODE_BUCKET = re.compile(
    r"(?:" + _NAME + r"\s{0,50}=\s{0,50}|\.Bucket\s{0,50}\(\s{0,50}|(?<![\w.])bucket_name\s{0,50}:\s{0,50})(['\"])("
    + _BUCKET + r")\2",
    re.IGNORECASE,
)
_QUOTED_ONLY = re.compile(r"\s*(['\"])(" + _BUCKET + r")\1\s*")
_PLACEHOLDER = re.compile(r"bucket-name|bucketname|your-|-here|example|xxx|<|my-bucket$|name-of|replace")
# Public AWS sample/data buckets a notebook may read from: never the student's own.
_PUBLIC = re.compile(r"^(?:sagemaker-sample-(?:data|files)(?:-[a-z0-9-]+)?|jumpstart-cache-prod-[a-z0-9-]+"
                     r"|sagemaker-example-files-prod-[a-z0-9-]+|aws-ml-blog(?:-[a-z0-9-]+)?|amazon-reviews-pds)$")

_JOB = r"[A-Za-z0-9](?:-*[A-Za-z0-9]){0,62}"
_JOB_OUTPUT = re.compile(
    r"(?:training[-_ ]?job(?:[-_ ]?name)?|trainingjobname|job[-_ ]?name)(?:\s+with\s+name)?['\"]?\s*[:=]\s*['\"]?("
    + _JOB + r")(?![\w-])",
    re.IGNORECASE,
)
_JOB_CODE = re.compile(
    r"(?:" + _NAME + r"\s{0,50}=\s{0,50}|['\"]TrainingJobName['\"]\s{0,50}:\s{0,50}|\.attach\s{0,50}\(\s{0,50}"
    r"(?:training_job_name\s{0,50}=\s{0,50})?)(['\"])(" + _JOB + r")\2",
    re.IGNORECASE,
)
_JOB_VARIABLE = re.compile(r"job_?name|^TrainingJobName$", re.IGNORECASE)
_JOB_ARN = re.compile(r"arn:aws[\w-]*:sagemaker:[a-z0-9-]+:\d{12}:training-job/(" + _JOB + ")", re.IGNORECASE)
_DEFAULT_NAME = re.compile(r"(?<![\w-])([a-z][a-z0-9-]{0,40}-\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}-\d{3})(?![\w-])")
_TRAINING_LOG_MARKERS = ("Starting the training job", "Training job completed", "Creating training-job",
                         "Training seconds:", "Billable seconds:")
_EDGE = 128 * 1024  # characters read at each end of a huge output
_NOT_JOB_LINE = re.compile(r"model|endpoint", re.IGNORECASE)


@dataclass(frozen=True)
class Mention:
    """A name the notebooks mention and every place it appears (document order)."""

    name: str
    places: tuple[Place, ...]

    @property
    def where(self) -> str:
        """The first place, as text (e.g. "rainfall_forecast.ipynb cell 9 (In [7]) code")."""
        return str(self.places[0])

    def evidence(self) -> dict[str, Any]:
        return {"name": self.name, "where": [str(p) for p in self.places[:5]],
                **({"more_places": len(self.places) - 5} if len(self.places) > 5 else {})}


@dataclass(frozen=True)
class NotebookMentions:
    """The names one notebook mentions, each with its places (document order, first seen first)."""

    buckets: dict[str, list[Place]]
    jobs: dict[str, list[Place]]


_BUCKET_FULL = re.compile(_BUCKET)


def _is_bucket(name: str) -> bool:
    return (3 <= len(name) <= 63 and _BUCKET_FULL.fullmatch(name) is not None and ".." not in name and not _PLACEHOLDER.search(name)
            and not _PUBLIC.match(name) and not re.fullmatch(r"\d+\.\d+\.\d+\.\d+", name))


def _add(table: dict[str, list[Place]], name: str, place: Place) -> None:
    places = table.setdefault(name, [])
    if place not in places:
        places.append(place)


def notebook_mentions(nb: Notebook) -> NotebookMentions:
    """Bucket and training-job names in the code (comments ignored) and outputs of `nb`."""
    buckets: dict[str, list[Place]] = {}
    jobs: dict[str, list[Place]] = {}
    for cell in nb.cells:
        code = cell.code
        if code:
            here = nb.place(cell, "code")
            if "bucket" in code.lower() or "s3" in code.lower():
                for m in _CODE_BUCKET.finditer(code):
                    if (m.group(1) is None or "bucket" in m.group(1).lower()) and _is_bucket(m.group(3)):
                        _add(buckets, m.group(3), here)
                for m in _S3_URI.finditer(code):
                    if _is_bucket(m.group(1)):
                        _add(buckets, m.group(1), here)
            if "job" in code.lower() or "attach" in code:
                for m in _JOB_CODE.finditer(code):
                    if m.group(1) is None or _JOB_VARIABLE.search(m.group(1)):
                        _add(jobs, m.group(3), here)
        for out in cell.outputs:
            if out.raw:
                _output_mentions(out, code, nb.place(cell, "output"), buckets, jobs)
    return NotebookMentions(buckets, jobs)


def _output_mentions(out: Output, code: str, here: Place, buckets: dict[str, list[Place]],
                     jobs: dict[str, list[Place]]) -> None:
    """Names in one output. Anchored on substrings (`str.find`), then a regex on a line or a
    small window: a regex scan of a megabyte-long training log would cost more than reading the
    whole notebook. Long outputs are scanned as stored (ANSI escapes do not split names)."""
    text = out.raw if len(out.raw) > 20000 else out.text
    if len(text) > 2 * _EDGE:  # a huge output (a training log): its first and last part say who ran it
        text = text[:_EDGE] + "\n" + text[-_EDGE:]
    is_result = out.kind == RESULT
    for i in find_all(text, "://"):
        start = i - 3 if text[i - 3:i].lower() == "s3a" else i - 2
        m = _S3_URI.match(text, start) if text[start:i].lower() in ("s3", "s3a") else None
        if m is None and text[max(0, i - 5):i].lower() in ("https", "http") and "amazonaws" in text[i:i + 140]:
            at = i - 5 if text[i - 5:i].lower() == "https" else i - 4
            m = _S3_HOST.match(text, at) or _S3_PATH.match(text, at)
        if m and _is_bucket(m.group(1)):
            _add(buckets, m.group(1), here)
    if is_result and len(text) < 100 and "bucket" in code.lower():
        m = _QUOTED_ONLY.fullmatch(text)
        if m and _is_bucket(m.group(2)):
            _add(buckets, m.group(2), here)
    low = lowered(text)
    for line in lines_with(text, ("job",), low) if "job" in low else ():
        for m in _JOB_OUTPUT.finditer(line):
            if any(ch.isdigit() for ch in m.group(1)) or "-" in m.group(1):
                _add(jobs, m.group(1), here)
        for m in _JOB_ARN.finditer(line):
            _add(jobs, m.group(1), here)
    if is_result and len(text) < 200 and ("training_job" in code or "job_name" in code):
        m = _QUOTED_ONLY.fullmatch(text)
        if m:
            _add(jobs, m.group(2), here)
    if "raining" in text and any(marker in text for marker in _TRAINING_LOG_MARKERS):
        for i in find_all(text, "-20"):
            m = _DEFAULT_NAME.search(text, max(0, i - 45), i + 30)
            if not m or not (m.start() <= i < m.end()):
                continue
            line_start = text.rfind("\n", 0, m.start()) + 1
            line_end = text.find("\n", m.end())
            if not _NOT_JOB_LINE.search(text[line_start: line_end if line_end != -1 else len(text)]):
                _add(jobs, m.group(1), here)


def merge(mentions: list[NotebookMentions], kind: str) -> tuple[Mention, ...]:
    """The `kind` ("buckets" or "jobs") mentions of several notebooks, by name, in the order first seen."""
    table: dict[str, list[Place]] = {}
    for m in mentions:
        for name, places in (m.buckets if kind == "buckets" else m.jobs).items():
            for p in places:
                _add(table, name, p)
    return tuple(Mention(name, tuple(places)) for name, places in table.items())
