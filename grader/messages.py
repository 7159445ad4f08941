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
}


def not_graded(missing: list[str]) -> str:
    return "Not graded: " + "; ".join(NOT_GIVEN[m] for m in missing) + "."
