"""The read-only proof, end to end: a whole class graded by `grader batch` (every item, notebooks
included, several mistakes, one student scanned in every region) and one `grader check`, with
every request recorded twice: by the grader (AwsAccess.operations, in each report's stats) and by
the server (moto's recorder). Every operation, on both sides, is a read.

The classification here is the interface's promise restated independently of grader/aws/guard.py:
Get*, List*, Describe*, Head*, plus STS AssumeRole and GetCallerIdentity; on the server, a REST
(S3) request is a read only if its HTTP method is GET or HEAD.
(The guard refusing a write before it is sent: tests/aws/test_guard.py.)
"""

from __future__ import annotations

import json
from collections import Counter

READ_VERBS = ("Get", "List", "Describe", "Head")
ACCESS = {("sts", "AssumeRole"), ("sts", "GetCallerIdentity")}


def is_read(service: str, operation: str) -> bool:
    return operation.startswith(READ_VERBS) or (service.lower(), operation) in ACCESS


def client_side(run) -> Counter:
    """Operation -> count, summed over every report.json the commands wrote."""
    total: Counter = Counter()
    for path in [*sorted((run.out / "students").glob("*/report.json")), run.check_out / "report.json"]:
        stats = json.loads(path.read_text(encoding="utf-8"))["stats"]
        assert stats["api_calls"] == sum(stats["operations"].values()) > 0, path
        total.update(stats["operations"])
    return total


def test_every_operation_the_server_received_is_a_read(class_run):
    ops = class_run.operations
    assert len(ops) > 150
    writes = sorted({op for op in ops if not is_read(*op)})
    assert writes == []
    services = {s.lower() for s, _ in ops}
    assert {"iam", "s3", "sagemaker", "sts", "ec2"} <= services  # every service the grader reads
    names = {o for _, o in ops}
    assert {"DescribeRegions", "ListUsers", "ListEndpoints", "DescribeTrainingJob", "AssumeRole"} <= names


def test_every_operation_the_grader_counted_is_a_read(class_run):
    counted = client_side(class_run)
    writes = sorted(op for op in counted if not is_read(*op.split(":", 1)))
    assert writes == []
    # The server saw at least what the grader counted (plus the AssumeRole of each session,
    # which happens before counting starts, and retries).
    assert len(class_run.operations) >= sum(counted.values())
    server = Counter((s.lower(), o) for s, o in class_run.operations)
    for op, n in counted.items():
        service, name = op.split(":", 1)
        if service in ("iam", "sts", "sagemaker", "ec2"):  # named on the wire (S3's REST: by HTTP method)
            assert server[(service, name)] >= n, (op, server[(service, name)], n)


def test_the_runs_graded_every_item(class_run):
    assert class_run.codes == {"batch": 0, "check": 1, "report": 0}, class_run.console[-3000:]
    data = json.loads((class_run.out / "class.json").read_text(encoding="utf-8"))
    rubric_items = [i["id"] for i in data["rubric"]["items"]]
    assert len(rubric_items) == 24
    for student in data["students"]:
        assert student["status"] in ("pass", "fail"), student.get("message")
        assert [i["id"] for i in student["items"]] == rubric_items
        # every item is graded, except the two that re-execute the notebooks (only with --reproduce)
        statuses = {i["status"] for i in student["items"] if not i["id"].endswith("-reproduced")}
        assert "skip" not in statuses and "error" not in statuses, student["student"]["id"]
