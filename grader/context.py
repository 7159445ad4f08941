"""What a check sees: the student, the account's facts (raw and derived), the submission.

The engine builds it with `make_context` once per student, after the collect stage is set up:
the derived facts are lazy (computed on first ask, once per run) and use the rubric-level
params, so every item agrees on which bucket is the private one and which regions are scanned.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from grader.aws.facts import AccountFacts
from grader.aws.regions import Regions
from grader.facts.account import Account
from grader.facts.buckets import BucketMention
from grader.facts.params import RunSettings
from grader.models import StudentInfo

if TYPE_CHECKING:
    from grader.notebooks import Submission
    from grader.reproduce.results import SubmissionRun
    from grader.rubric import Rubric

# The inputs a check may declare it needs (grader.registry.check). "reproduction": the notebooks
# re-executed in the sandbox (--reproduce), a choice of the grader's, not an input of the student's.
NEEDS = ("aws", "notebooks", "reproduction")


@dataclass(frozen=True)
class Context:
    student: StudentInfo
    account: Account | None = None  # None: no AWS account was given
    submission: Submission | None = None  # None: no notebooks were given
    reproduction: SubmissionRun | None = None  # None: not re-executed (no --reproduce)

    def given(self, need: str) -> bool:
        """Whether the input a check needs ("aws" or "notebooks") was given."""
        if need == "aws":
            return self.account is not None
        if need == "notebooks":
            return self.submission is not None
        if need == "reproduction":
            return self.reproduction is not None
        raise ValueError(f"unknown input {need!r} (known: {', '.join(NEEDS)})")


def mentioned_buckets(submission: Submission | None) -> tuple[BucketMention, ...]:
    """(name, where) of the buckets the notebooks name, first seen first (private-bucket route 1)."""
    if submission is None:
        return ()
    return tuple((m.name, m.where) for m in submission.bucket_mentions)


def make_context(student: StudentInfo, facts: AccountFacts | None, submission: Submission | None, rubric: Rubric,
                 regions_override: Regions | None = None, reproduction: SubmissionRun | None = None) -> Context:
    """The context of one student's run: `facts` (the raw collectors, None without an account)
    get their derived facts with the rubric-level params; `regions_override` (the command's or
    the roster's regions) wins over the rubric's `regions`."""
    account = None
    if facts is not None:
        settings = RunSettings.make(rubric.run_params, regions_override)
        account = Account(facts, settings, mentioned_buckets(submission))
    return Context(student=student, account=account, submission=submission, reproduction=reproduction)
