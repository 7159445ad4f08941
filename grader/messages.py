"""Standard messages, written once: what an item says when it could not be determined, when
the grader itself failed, when an input was not given. Checks and the engine use these; tests
assert them."""

from __future__ import annotations

GRADER_ACCESS = (
    "Not the student's fault as far as we know: check the grader's access (see `grader access-policy`) "
    "and grade again."
)
GRADER_BUG = "This is a grader bug, not the student's: report it with the log file."
PERSON_MUST_LOOK = "A person must look at this item."


def could_not_determine(what: str, reason: str) -> str:
    return f"Could not be determined: {what}: {reason}. {PERSON_MUST_LOOK}"


def internal_error(exc: BaseException) -> str:
    return f"Internal error in the grader while checking this item ({type(exc).__name__}). A person must look."


NOT_GIVEN = {
    "aws": "no AWS account was given",
    "notebooks": "no notebooks were given (--notebooks)",
    "reproduction": "not re-executed: run with --reproduce",
}


def not_graded(missing: list[str]) -> str:
    return "Not graded: " + "; ".join(NOT_GIVEN[m] for m in missing) + "."


# --- root causes -------------------------------------------------------------------------------
# A check sets `cause` on its result when what it found has a root cause that other items may
# share; the "what to fix first" list shows one entry per cause (covering its items) before the
# items ranked by points. Causes that cost the student money every hour come first of all.


class Cause:
    def __init__(self, title: str, advice: str, *, money: bool = False, rank: int = 50):
        self.title, self.advice, self.money, self.rank = title, advice, money, rank


CAUSES: dict[str, Cause] = {
    "live-endpoint": Cause(
        "Delete what is still running: it costs money every hour",
        "Lesson step 10: in the SageMaker console (in the region named), delete the endpoint, then its "
        "endpoint configuration; or run `predictor.delete_endpoint()` in the notebook that made it.",
        money=True, rank=0),
    "cost-leak": Cause(
        "Stop what is still running: it costs money every hour",
        "Lesson step 10: stop the notebook instance, training job or Studio app named below.",
        money=True, rank=1),
    "not-executed": Cause(
        "Run your notebooks",
        "Open each notebook, choose Kernel > Restart Kernel and Run All Cells, wait for the last cell to "
        "finish, save, and hand in that executed file. The items below depend on what it prints.",
        rank=10),
    "edited-output": Cause(
        "Re-run, don't edit",
        "The figures your notebook prints disagree with each other or with what its code produces, as an "
        "output edited by hand would. Re-run the notebook from the top and hand in exactly what it prints; "
        "if you believe the grader is wrong, say so to your TA.",
        rank=11),
    "no-code": Cause(
        "Hand in your own code with its outputs",
        "Some outputs sit under cells that hold no code (only comments or a placeholder), so no code of "
        "yours produced them. Fill in the cells, run the notebook from the top and hand it in.",
        rank=12),
}
