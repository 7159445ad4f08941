"""The small exception tree. The CLI turns each into one message and an exit code (grader/cli.py).

- InputError: bad options, rubric, roster, notebook folder, saved report... -> exit 2.
- AccessError: could not grade at all (credentials rejected, endpoint unreachable) -> exit 3.
- ReadOnlyViolation: the AWS layer refused a non-read operation before sending it.
- FactError: one AWS fact could not be determined (access denied, throttled past retries,
  unimplemented API). The engine turns it into an item status `error`; it never escapes a run.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """The exit codes of every command (../shared/spec/interface.md, "Exit codes")."""

    OK = 0  # graded; nothing to fix (check) / every student graded (batch)
    FINDINGS = 1  # something to fix or look at (check) / some student could not be graded (batch)
    INPUT = 2  # usage, configuration or input error before grading
    FAULT = 3  # could not grade at all, or an internal fault
    INTERRUPTED = 130  # Ctrl-C


class GraderError(Exception):
    """Base of every error the grader raises on purpose."""

    exit_code = ExitCode.FAULT


class InputError(GraderError):
    """Usage, configuration or input error found before grading."""

    exit_code = ExitCode.INPUT


class AccessError(GraderError):
    """The student's AWS account could not be reached at all."""

    exit_code = ExitCode.FAULT


class ReadOnlyViolation(GraderError):
    """A non-read AWS operation was attempted; it was refused before it was sent."""

    exit_code = ExitCode.FAULT


class FactError(GraderError):
    """One fact could not be determined; `reason` is shown to the TA in the item's evidence."""

    def __init__(self, what: str, reason: str, code: str | None = None):
        super().__init__(f"{what}: {reason}")
        self.what = what
        self.reason = reason
        self.code = code
