"""Reproduction: re-execute a student's lesson notebooks offline, in a sandbox, against a fake
AWS whose linear-learner really trains, and judge the printed figures against re-executed ones.

    from grader.reproduce import run_execute, reproduce, execute_submission, verdicts_for
    sub, verdicts = reproduce(Path("submissions/s01"), Path("executed/s01"))
    verdicts["nb-credit-reproduced"].status     # "pass" | "fail" | "error", .message, .evidence, .review

Modules: `sandbox` (the boundary: environment, network namespace, limits, kernel spec),
`scratch` (the scratch folder and the lesson's data), `execute` (nbclient driver, seed runs),
`capped` (the client keeping a bounded amount of output), `names` (region, buckets, split read
from the notebook), `figures` (the one adapter to the notebook reader), `judge` (pure
verdicts), `results` (typed results), `command` (entry points), `kernel/` (code that runs
inside the kernel: prelude, linear-learner stand-in, formats).

Importing this package is light: nbclient, scikit-learn and moto are imported only when a
notebook is executed (and moto and scikit-learn only inside the kernel).
"""

from __future__ import annotations

from typing import Any

_API = {
    "run_execute": "command", "reproduce": "command", "verdicts_for": "command", "verdict_for": "command",
    "execute_submission": "execute", "execute_notebook": "execute", "DEFAULT_SEEDS": "execute",
    "Limits": "sandbox", "Isolation": "sandbox", "network_namespace": "sandbox",
    "Tolerances": "judge", "Verdict": "judge", "ITEMS": "judge", "judge": "judge",
    "NotebookRun": "results", "SubmissionRun": "results", "RunStatus": "results", "CellError": "results",
    "SeedRun": "results", "Split": "results", "Durations": "results",
}


def __getattr__(name: str) -> Any:
    if name in _API:
        import importlib

        return getattr(importlib.import_module(f"grader.reproduce.{_API[name]}"), name)
    raise AttributeError(f"module 'grader.reproduce' has no attribute {name!r}")


__all__ = sorted(_API)
