"""A check's Context over an account, for tests that call checks or facts directly."""

from __future__ import annotations

from grader.aws.facts import AccountFacts
from grader.aws.regions import Regions
from grader.aws.session import AwsAccess
from grader.context import Context
from grader.facts.account import Account
from grader.facts.params import RunParams, RunSettings
from grader.models import StudentInfo


def account_context(access: AwsAccess, regions=None, mentions=(), **run_params) -> Context:
    """A Context over `access` with rubric-level `run_params`; `regions` (names, or "all") overrides
    the rubric's like --regions; `mentions` are the (bucket, where) pairs the notebooks name."""
    override = None
    if regions is not None:
        override = Regions() if regions == "all" else Regions(tuple(regions))
    settings = RunSettings.make(RunParams(**run_params), override)
    return Context(student=StudentInfo(id="s1"), account=Account(AccountFacts(access), settings, mentions))
