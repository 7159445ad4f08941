"""Reproduction items (`--reproduce`): the notebooks re-executed offline in the sandbox, against a
fake AWS whose linear-learner really trains, and what they printed held against what their code
produces (../shared/spec/rubric-sagemaker-13.2.md, "Reproduction").

The collect stage (grader.engine, with grader.reproduce) runs the notebooks once per student;
these checks only judge the runs with the rubric's tolerances (grader.reproduce.judge has the
rules, in order). Without `--reproduce` they are `skip`. A verdict that the printed figures are
not what the code produces is flagged `not-reproduced` for a person; the sandbox's own failures
(a time or memory limit, data the grader lacks) are `error`, naming the limit or the file.
"""

from __future__ import annotations

from pydantic import Field

from checks._common import Params, because, result
from grader.context import Context
from grader.models import CheckResult, Status
from grader.registry import check

STEP = "Re-run your notebook from the top (Kernel > Restart Kernel and Run All Cells) and hand in exactly what it prints"


class ReproducedParams(Params):
    accuracy_abs: float = Field(0.05, ge=0, le=1, description="credit: |printed - re-executed| accuracy allowed")
    rmse_rel: float = Field(0.10, ge=0, description="rainfall: relative RMSE difference allowed")
    r2_abs: float = Field(0.05, ge=0, description="rainfall: |printed - re-executed| R² allowed")
    sigmas: float = Field(3.0, ge=0, description="unseeded split: plausible within mean ± sigmas·std of the seeds")
    min_accuracy: float = Field(0.65, ge=0, le=1, description="credit: the re-executed model's least accuracy")
    min_minority_share: float = Field(0.05, ge=0, le=1, description="credit: least share predicted as each class")


def _judged(ctx: Context, role: str, params: ReproducedParams) -> CheckResult:
    from grader.reproduce.command import verdict_for
    from grader.reproduce.judge import Tolerances

    assert ctx.reproduction is not None
    run = ctx.reproduction.notebooks.get(role)
    if run is None:
        return result(Status.FAIL, f"The {role} notebook was not found, so there is nothing to re-execute.")
    verdict = verdict_for(run, Tolerances(**params.model_dump()))
    res = result(Status(verdict.status), verdict.message, **verdict.evidence)
    if verdict.review is not None and verdict.status == "fail":
        res = res.model_copy(update={"review": verdict.review})
    if res.review is not None:
        res = because(res, "edited-output",
                      f"{STEP}; never edit an output by hand. If you believe the grader is wrong, say so to your TA.")
    return res


@check(
    "nb-credit-reproduced",
    title="The credit-risk notebook's code produces the accuracy it printed",
    category="Reproduction",
    params=ReproducedParams,
    needs=("notebooks", "reproduction"),
    remediation=f"{STEP}.",
)
def nb_credit_reproduced(ctx: Context, params: ReproducedParams) -> CheckResult:
    """Re-executed to the end without an error of its own making, the printed accuracy one its code
    can produce (within accuracy_abs; for an unseeded split, plausible over the seeds), and the
    re-executed model meets min_accuracy and min_minority_share."""
    return _judged(ctx, "credit", params)


@check(
    "nb-rainfall-reproduced",
    title="The rainfall notebook's code produces the RMSE and R² it printed",
    category="Reproduction",
    params=ReproducedParams,
    needs=("notebooks", "reproduction"),
    remediation=f"{STEP}.",
)
def nb_rainfall_reproduced(ctx: Context, params: ReproducedParams) -> CheckResult:
    """Re-executed to the end; RMSE within rmse_rel and R² within r2_abs of the printed ones. On the
    grader's synthetic Austin stand-in the metrics are not compared (evidence says so)."""
    return _judged(ctx, "rainfall", params)
