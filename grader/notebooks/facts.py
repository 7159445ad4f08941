"""Every derived fact of one submission's notebooks, computed once, when the submission is read.

    sub = read_submission(Path("submissions/s01"))
    sub.credit.notebook.ok, sub.credit.notebook.problem   # found and readable? else the reason
    sub.credit.execution.unexecuted                       # code cells without an execution count
    sub.credit.figures                                    # every accuracy figure, with its cell
    sub.rainfall.rmse, sub.rainfall.r2                    # the regression metrics, with their cells
    sub.mentioned_buckets                                 # ("sm-models-1", ...): names, first seen first
    sub.bucket_mentions                                   # the same, each with every place it appears

The stages: `reader` turns files into plain `Notebook`s; this module runs every analysis
(`execution`, `metrics`, `steps`, `mentions`) over them once and keeps the answers in frozen
records; checks only read those records. A missing or unreadable notebook has no cells, so
all of its facts are empty and its `notebook.problem` says why.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.notebooks.execution import Execution, execution_of
from grader.notebooks.fingerprints import Fingerprint, fingerprints
from grader.notebooks.mentions import Mention, NotebookMentions, merge, notebook_mentions
from grader.notebooks.metrics import (
    Figure,
    classification_metrics,
    predictor_types,
    regression_metrics,
)
from grader.notebooks.model import Notebook, Place
from grader.notebooks.parsers.base import Found
from grader.notebooks.parsers.classification_report import ClassificationReport
from grader.notebooks.parsers.confusion import Confusion
from grader.notebooks.reader import read_lesson_notebooks
from grader.notebooks.steps import Steps, workflow_steps


@dataclass(frozen=True)
class RainfallFacts:
    """rainfall_forecast.ipynb: how it was run and the regression metrics it reports."""

    notebook: Notebook
    execution: Execution
    predictor_types: tuple[tuple[str, Place], ...]
    rmse: tuple[tuple[Found, Place], ...]
    r2: tuple[tuple[Found, Place], ...]
    mentions: NotebookMentions
    fingerprints: tuple[Fingerprint, ...] = ()  # what only this run can print (grader.notebooks.fingerprints)


@dataclass(frozen=True)
class CreditFacts:
    """credit-risk-classification.ipynb: how it was run, its accuracy figures, its workflow."""

    notebook: Notebook
    execution: Execution
    predictor_types: tuple[tuple[str, Place], ...]
    figures: tuple[Figure, ...]
    matrices: tuple[tuple[Confusion, Place], ...]
    reports: tuple[tuple[ClassificationReport, Place], ...]
    steps: Steps
    mentions: NotebookMentions
    fingerprints: tuple[Fingerprint, ...] = ()


@dataclass(frozen=True)
class Submission:
    """The lesson's two notebooks as found in one student's folder, with their facts."""

    folder: Path
    rainfall: RainfallFacts
    credit: CreditFacts
    bucket_mentions: tuple[Mention, ...]  # S3 bucket names in either notebook, with where, first seen first
    job_mentions: tuple[Mention, ...]  # SageMaker training-job names, likewise

    @property
    def mentioned_buckets(self) -> tuple[str, ...]:
        """The bucket names the notebooks mention (private-bucket route (1) of the rubric)."""
        return tuple(m.name for m in self.bucket_mentions)

    @property
    def mentioned_jobs(self) -> tuple[str, ...]:
        """The training-job names the notebooks mention."""
        return tuple(m.name for m in self.job_mentions)

    def describe(self) -> dict[str, Any]:
        """What was read, for evidence."""
        return {"rainfall": self.rainfall.notebook.describe(), "credit": self.credit.notebook.describe()}


def rainfall_facts(nb: Notebook) -> RainfallFacts:
    metrics = regression_metrics(nb)
    mentions = notebook_mentions(nb)
    return RainfallFacts(nb, execution_of(nb), predictor_types(nb), metrics.rmse, metrics.r2, mentions,
                         fingerprints(nb, mentions))


def credit_facts(nb: Notebook) -> CreditFacts:
    types = predictor_types(nb)
    metrics = classification_metrics(nb)
    mentions = notebook_mentions(nb)
    return CreditFacts(nb, execution_of(nb), types, metrics.figures, metrics.matrices, metrics.reports,
                       workflow_steps(nb, types, metrics), mentions, fingerprints(nb, mentions))


def collect(folder: Path, rainfall: Notebook, credit: Notebook) -> Submission:
    """The facts of two notebooks already read."""
    rain, cred = rainfall_facts(rainfall), credit_facts(credit)
    mentions = [rain.mentions, cred.mentions]
    return Submission(Path(folder), rain, cred, merge(mentions, "buckets"), merge(mentions, "jobs"))


def read_submission(folder: Path) -> Submission:
    """Find and read the lesson's notebooks in `folder`, and compute their facts (never raises for
    the files' content)."""
    found = read_lesson_notebooks(folder)
    return collect(folder, found["rainfall"], found["credit"])
