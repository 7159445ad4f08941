"""Judging a reproduction: the figures a notebook printed held against the figures its code
prints when re-executed. Pure functions over data (a `NotebookRun` and figure dicts from
`figures.py`); the verdicts become the rubric items `nb-credit-reproduced` and
`nb-rainfall-reproduced`.

Rules, in order (the first that applies decides):
1. no notebook, or not readable: `fail` (nothing of the student's to re-execute);
2. stopped by the sandbox (time or memory limit, kernel died, the grader's own failure): `error`,
   naming the limit; data the notebook reads that neither the submission nor the grader has:
   `error`, naming the file;
3. a cell errors where the original printed results (an error the original shows in the same cell
   is not held against it): `fail`, flagged `not-reproduced`;
4. nothing printed to compare (the original or the re-execution prints no figure): `fail`;
5. the figures: with a fixed split (`random_state`, `shuffle=False`) the printed figure must be
   within the tolerance of the re-executed one (accuracy absolute, RMSE relative, R² absolute).
   With an unseeded split no single re-execution can match; the code is re-executed under K seeds
   and the printed figure is plausible when it lies within the seeds' range widened by the
   tolerance, or within mean ± 3 standard deviations of the seeds' values; otherwise `fail`,
   flagged `not-reproduced` (honest pipelines on the credit data score 0.685-0.80 over random
   splits; an edited 0.895 lies far outside);
6. credit: the re-executed model must itself meet `nb-credit-accuracy`'s threshold (0.65) and
   predict the minority class for >= 5% of test rows (for an unseeded split, the mean over seeds);
7. rainfall on the grader's SYNTHETIC Austin stand-in (the submission holds no data files): the
   metrics are not compared (the data differ from the student's); it passes when it ran to the
   end without an error of its own, and evidence says so.
"""

from __future__ import annotations

import statistics
from typing import Any, Literal

from pydantic import BaseModel, Field

from grader.models import Review, ReviewKind
from grader.reproduce.results import NotebookRun, RunStatus

ITEMS = {"credit": "nb-credit-reproduced", "rainfall": "nb-rainfall-reproduced"}


class Tolerances(BaseModel):
    accuracy_abs: float = Field(0.05, ge=0, le=1)
    rmse_rel: float = Field(0.10, ge=0)
    r2_abs: float = Field(0.05, ge=0)
    sigmas: float = Field(3.0, ge=0)
    min_accuracy: float = Field(0.65, ge=0, le=1)
    min_minority_share: float = Field(0.05, ge=0, le=1)


class Verdict(BaseModel):
    item: str
    status: Literal["pass", "fail", "error"]
    message: str
    evidence: dict[str, Any] = Field(default_factory=dict)
    review: Review | None = None


def _evidence(run: NotebookRun) -> dict[str, Any]:
    return {"notebook": run.source, "executed_copy": run.executed_path, "run_status": run.status.value,
            "run_message": run.message, "limit": run.limit,
            "isolation": run.isolation.get("statement"),
            "cell_errors": [e.model_dump() for e in run.cell_errors[:10]],
            "split": {**run.split.model_dump(), "cell": None if run.split.cell is None else run.split.cell + 1},
            "data_files": run.data_files, "durations_s": {k: round(v, 3) for k, v in run.durations.model_dump().items()
                                                         if isinstance(v, float)}}


def _verdict(run: NotebookRun, status: str, message: str, evidence: dict, flag: bool = False) -> Verdict:
    review = Review(kind=ReviewKind.NOT_REPRODUCED, reason=message) if flag else None
    return Verdict(item=ITEMS[run.role], status=status, message=message, evidence=evidence,  # type: ignore[arg-type]
                   review=review)


def _gate(run: NotebookRun, evidence: dict) -> Verdict | None:
    """Rules 1-3: the run itself."""
    name = run.source.rsplit("/", 1)[-1] if run.source else f"the {run.role} notebook"
    if run.status in (RunStatus.NOT_FOUND, RunStatus.UNREADABLE):
        return _verdict(run, "fail", f"Could not re-execute {name}: {run.message}.", evidence)
    if run.stopped_by_sandbox:
        what = f" ({run.limit})" if run.limit else ""
        return _verdict(run, "error", f"{name} could not be re-executed to the end: {run.message}{what}.", evidence)
    if run.status is RunStatus.MISSING_DATA:
        return _verdict(run, "error", f"{name} could not be re-executed: {run.message} (data the grader lacks).",
                        evidence)
    if run.new_errors:
        first = run.new_errors[0]
        return _verdict(run, "fail", f"Re-executed, {name} errors where the original printed results: "
                        f"{first.describe()}" + (f" (and {len(run.new_errors) - 1} more)" if len(run.new_errors) > 1
                                                  else "") + ".", evidence, flag=True)
    return None


def _plausible(printed: float, values: list[float], low_tol: float, high_tol: float, sigmas: float) -> tuple[bool, dict]:
    lo, hi = min(values) - low_tol, max(values) + high_tol
    info: dict[str, Any] = {"range": [round(min(values), 6), round(max(values), 6)], "accepted": [round(lo, 6), round(hi, 6)]}
    ok = lo <= printed <= hi
    if len(values) >= 2:
        mean, sd = statistics.fmean(values), statistics.stdev(values)
        info.update(mean=round(mean, 6), std=round(sd, 6))
        ok = ok or abs(printed - mean) <= sigmas * sd
    return ok, info


def _values(run: NotebookRun, rerun: dict, key: str) -> tuple[list[float], list[dict]]:
    values = [rerun[key]] if rerun.get(key) is not None else []
    seeds = [{"seed": run.seed, key: rerun.get(key)}]
    for s in run.seed_runs:
        seeds.append({"seed": s.seed, key: s.figures.get(key), **({"error": s.error} if s.error else {})})
        if s.figures.get(key) is not None and not s.error:
            values.append(s.figures[key])
    return values, seeds


def _compare(run: NotebookRun, evidence: dict, key: str, label: str, printed: dict, rerun: dict,
             tol_low: float, tol_high: float, tol: Tolerances) -> Verdict | None:
    """Rule 5 for one figure; None when it reproduces."""
    p = printed.get(key)
    values, seeds = _values(run, rerun, key)
    evidence.setdefault("seeds", {})[key] = seeds
    if run.split.seeded:
        r = values[0]
        ok = r - tol_low <= p <= r + tol_high
        evidence.setdefault("compared", {})[key] = {"printed": p, "reexecuted": r, "accepted": [r - tol_low, r + tol_high]}
        if not ok:
            return _verdict(run, "fail", f"The {label} printed ({p:.4g}) is not what the code produces when re-executed "
                            f"({r:.4g}, fixed split): possibly an edited output.", evidence, flag=True)
        return None
    ok, info = _plausible(p, values, tol_low, tol_high, tol.sigmas)
    evidence.setdefault("compared", {})[key] = {"printed": p, "reexecuted": values, **info}
    if not ok:
        return _verdict(run, "fail", f"The {label} printed ({p:.4g}) is not one this code produces: re-executed under "
                        f"{len(values)} random splits it gives {min(values):.4g}-{max(values):.4g} (the split has no "
                        "fixed random_state); possibly an edited output.", evidence, flag=True)
    return None


def judge_credit(run: NotebookRun, printed: dict, rerun: dict, tol: Tolerances | None = None) -> Verdict:
    tol = tol or Tolerances()
    evidence = {**_evidence(run), "printed": printed, "reexecuted": rerun}
    gated = _gate(run, evidence)
    if gated:
        return gated
    if printed.get("accuracy") is None:
        return _verdict(run, "fail", "The original notebook prints no test accuracy to reproduce.", evidence)
    if rerun.get("accuracy") is None:
        return _verdict(run, "fail", "Re-executed, the notebook prints no test accuracy (the original printed "
                        f"{printed['accuracy']:.4g}).", evidence, flag=True)
    failed = _compare(run, evidence, "accuracy", "test accuracy", printed, rerun, tol.accuracy_abs, tol.accuracy_abs, tol)
    if failed:
        return failed
    accs, _ = _values(run, rerun, "accuracy")
    shares = [s for s in [rerun.get("minority_share")] + [r.figures.get("minority_share") for r in run.seed_runs
                                                          if not r.error] if s is not None]
    acc = statistics.fmean(accs)
    over = "" if run.split.seeded else f" (mean over {len(accs)} splits)"
    evidence["thresholds"] = tol.model_dump()
    if acc + 1e-9 < tol.min_accuracy:
        return _verdict(run, "fail", f"Re-executed, the model's test accuracy is {acc:.3f}{over}, below the required "
                        f"{tol.min_accuracy:.2f}.", evidence)
    if not shares:
        return _verdict(run, "fail", "Re-executed, the notebook prints no confusion matrix or classification report, so "
                        "the model cannot be told from a constant one.", evidence)
    share = statistics.fmean(shares)
    if share + 1e-9 < tol.min_minority_share:
        return _verdict(run, "fail", f"Re-executed, the model predicts the minority class for only {share:.1%} of test "
                        f"rows{over}: a model that (almost) always answers 'good'.", evidence)
    how = "with a fixed split" if run.split.seeded else f"plausible over {len(accs)} random splits"
    return _verdict(run, "pass", f"Re-executed offline, the credit notebook reproduces its printed accuracy "
                    f"{printed['accuracy']:.3f} ({how}; re-executed {acc:.3f}{over}).", evidence)


def judge_rainfall(run: NotebookRun, printed: dict, rerun: dict, tol: Tolerances | None = None) -> Verdict:
    tol = tol or Tolerances()
    evidence = {**_evidence(run), "printed": printed, "reexecuted": rerun}
    gated = _gate(run, evidence)
    if gated:
        return gated
    if run.synthetic_data:
        evidence["metrics_compared"] = False
        evidence["why_not_compared"] = ("the submission holds no Austin weather files; the notebook was re-executed on "
                                        "the grader's SYNTHETIC stand-in, whose metrics differ from the real data's")
        return _verdict(run, "pass", "The rainfall notebook re-executes to the end on the grader's synthetic Austin "
                        "stand-in (its metrics are not compared: the submission holds no data files).", evidence)
    evidence["metrics_compared"] = True
    for key, label in (("rmse", "RMSE"), ("r2", "R²")):
        if printed.get(key) is None:
            return _verdict(run, "fail", f"The original notebook prints no {label} to reproduce.", evidence)
        if rerun.get(key) is None:
            return _verdict(run, "fail", f"Re-executed, the notebook prints no {label}.", evidence, flag=True)
    r = rerun["rmse"]
    failed = _compare(run, evidence, "rmse", "RMSE", printed, rerun, tol.rmse_rel * r, tol.rmse_rel * r, tol)
    failed = failed or _compare(run, evidence, "r2", "R²", printed, rerun, tol.r2_abs, tol.r2_abs, tol)
    if failed:
        return failed
    return _verdict(run, "pass", f"Re-executed offline, the rainfall notebook reproduces its printed RMSE "
                    f"{printed['rmse']:.4g} and R² {printed['r2']:.4g}.", evidence)


def judge(run: NotebookRun, printed: dict, rerun: dict, tol: Tolerances | None = None) -> Verdict:
    return (judge_credit if run.role == "credit" else judge_rainfall)(run, printed, rerun, tol)
