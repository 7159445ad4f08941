"""The property: under 20% random throttling, every verdict equals the fault-free run's.

A class of students (the lesson done right and its common mistakes, in the account and in the
notebooks; `helpers.CLASS`) is graded once without faults, then once per seed with a fifth of all
requests throttled at random, on every service and protocol (IAM and STS query, S3 REST with
SlowDown/503, SageMaker JSON, the anonymous S3 probe). Every item's (status, points) must be the
same as in the fault-free run.

`Faults.random_throttle` draws from a seeded hash of each request, so a seed throttles the same
requests whatever order threads send them in, and never throttles one call more than 3 times in
a row: the grader retries 5 times (AwsAccess's default), and the test is about transient faults
that retries must absorb (faults past retries are `error`s: test_faults.py).
"""

from __future__ import annotations

import pytest

from grader.aws.session import AwsAccess, AwsTarget
from grader.engine import GradeRequest, grade_student
from grader.models import StudentInfo
from grader.rubric import load_rubric
from tests.faults import Faults
from tests.reliability.helpers import CLASS, REGIONS, scenario, verdicts, write_notebooks

SEEDS = (11, 23, 37)
RATE = 0.2


@pytest.fixture(scope="module")
def klass(build_once, tmp_path_factory):
    """(label, BuiltStudent, notebooks folder) for every student of the class."""
    out = []
    for label, fields, knobs in CLASS:
        built = build_once(scenario(label, **fields))
        out.append((label, built, write_notebooks(tmp_path_factory.mktemp(label), built, knobs)))
    return out


@pytest.fixture(scope="module")
def baseline(klass, moto_url):
    """The fault-free verdicts of every student."""
    return {label: verdicts(grade(moto_url, built, nb)[0]) for label, built, nb in klass}


def grade(moto_url, built, notebooks, faults_seed=None, *, rate=RATE, max_attempts=5, max_in_row=3):
    access = AwsAccess(AwsTarget(role_arn=built.role_arn, external_id="ext-123", endpoint_url=moto_url),
                       max_attempts=max_attempts)
    faults = Faults(access)
    if faults_seed is not None:
        faults.random_throttle(rate, seed=faults_seed, max_in_row=max_in_row)
    request = GradeRequest(student=StudentInfo(id="s"), target=None, notebooks=notebooks, regions=list(REGIONS))
    return grade_student(request, load_rubric(), access=access), faults


def test_verdicts_identical_under_random_throttling(klass, baseline, moto_url):
    statuses = {v[0] for b in baseline.values() for v in b.values()}
    assert {"pass", "fail", "partial", "warn", "manual"} <= statuses  # the class exercises the statuses
    assert "error" not in statuses, {k: [i for i, v in b.items() if v[0] == "error"] for k, b in baseline.items()}
    right = {"complete", "policy-route"}  # a public object made public by a bucket policy is right too
    assert all(baseline[label] != baseline["complete"] for label in baseline if label not in right)
    assert baseline["policy-route"] == baseline["complete"]

    injected = attempts = 0
    differences = {}
    for seed in SEEDS:
        for label, built, nb in klass:
            report, faults = grade(moto_url, built, nb, faults_seed=seed)
            injected += faults.injected
            attempts += faults.attempts
            got = verdicts(report)
            if got != baseline[label]:
                differences[(seed, label)] = {i: (baseline[label][i], v) for i, v in got.items()
                                              if v != baseline[label][i]}
    print(f"\nrandom throttling: {len(klass)} students x {len(SEEDS)} seeds, {injected} of {attempts} requests "
          f"throttled ({injected / attempts:.1%}), {len(klass) * len(SEEDS) - len(differences)} of "
          f"{len(klass) * len(SEEDS)} runs with identical verdicts")
    assert differences == {}
    # The faults really happened, at roughly the rate asked. The window is wide on purpose: the draw
    # is a hash of the request, and requests identical across students (ListUsers, say) share it,
    # so the observed rate varies more than 20% of independent draws would (13.7%-25.8% seen).
    assert 0.10 < injected / attempts < 0.35


def test_faults_past_retries_are_only_ever_errors(klass, baseline, moto_url):
    """The converse: with half of all requests throttled and a single retry (AwsAccess
    max_attempts=1), many calls fail past retries. A verdict may then change only to `error`
    (or the whole student to "could not be graded"): never to another pass, warn, partial or fail."""
    wrong = {}
    errors = 0
    for label, built, nb in klass:
        report, _ = grade(moto_url, built, nb, faults_seed=5, rate=0.5, max_attempts=1, max_in_row=2)
        if report.status == "error" and not report.items:  # identity unreadable: not graded at all
            assert "throttled past retries" in report.message
            errors += 1
            continue
        for item_id, verdict in verdicts(report).items():
            if verdict == baseline[label][item_id]:
                continue
            if verdict[0] == "error":
                errors += 1
            else:
                wrong[(label, item_id)] = (baseline[label][item_id], verdict)
    assert wrong == {}
    assert errors >= len(klass)  # the faults did get past the retries
