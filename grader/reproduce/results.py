"""What a re-execution yields (typed hand-offs between execute, judge and the rubric)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field


class RunStatus(StrEnum):
    COMPLETED = "completed"  # every cell ran, no error output
    CELL_ERROR = "cell-error"  # ran to the end; some cells ended in an error
    TIMEOUT = "timeout"  # a cell or the whole notebook passed its time limit
    MEMORY_LIMIT = "memory-limit"  # a cell hit the memory limit (MemoryError, or the kernel died under it)
    KERNEL_DIED = "kernel-died"
    OUTPUT_LIMIT = "output-limit"  # the cells printed more than the sandbox keeps
    MISSING_DATA = "missing-data"  # a cell read a file neither the submission nor the grader has
    NOT_FOUND = "not-found"  # no such notebook in the submission
    UNREADABLE = "unreadable"  # not a notebook nbformat can read
    SANDBOX_ERROR = "sandbox-error"  # the grader's own part failed (kernel start, prelude)


#: Statuses where the sandbox, not the student's code, stopped the run (graded `error`).
LIMITS = frozenset({RunStatus.TIMEOUT, RunStatus.MEMORY_LIMIT, RunStatus.KERNEL_DIED, RunStatus.OUTPUT_LIMIT,
                    RunStatus.SANDBOX_ERROR})


class CellError(BaseModel):
    cell: int  # 0-based index among all cells
    ename: str
    evalue: str
    in_original: bool = False  # the original notebook shows an error in this cell too

    @property
    def number(self) -> int:
        return self.cell + 1

    def describe(self) -> str:
        seen = " (the original shows an error here too)" if self.in_original else ""
        return f"cell {self.number}: {self.ename}: {self.evalue[:200]}{seen}"


class Split(BaseModel):
    """The notebook's train/test split: is it fixed (random_state, shuffle=False)?"""

    cell: int | None = None  # 0-based index of the cell that splits
    call: str = ""
    seeded: bool = True  # no split found counts as deterministic


class SeedRun(BaseModel):
    seed: int
    figures: dict[str, Any] = Field(default_factory=dict)  # e.g. {"accuracy": 0.74}
    error: str | None = None


class Durations(BaseModel):
    kernel_start_s: float = 0.0
    prelude_s: float = 0.0  # moto, fake account, SDK import ("imports")
    cells_s: float = 0.0
    training_s: float = 0.0  # the stand-in's fits (inside cells_s)
    seeds_s: float = 0.0
    total_s: float = 0.0
    waited_s: float = 0.0  # for a kernel slot of the grader's process, before the kernel started (not in total_s)
    prelude_parts: dict[str, float] = Field(default_factory=dict)


class NotebookRun(BaseModel):
    role: str  # "credit" | "rainfall"
    source: str | None = None  # the original notebook
    executed_path: str | None = None  # the executed copy
    status: RunStatus
    message: str
    limit: str | None = None  # the limit that stopped it, named ("per-cell time limit of 2 s", ...)
    cell_errors: list[CellError] = Field(default_factory=list)
    cells_run: int = 0
    code_cells: int = 0
    isolation: dict[str, Any] = Field(default_factory=dict)  # Isolation.as_dict()
    durations: Durations = Field(default_factory=Durations)
    data_files: dict[str, str] = Field(default_factory=dict)  # path as named -> where it came from
    synthetic_data: bool = False
    region: str = "us-east-2"
    buckets: list[str] = Field(default_factory=list)
    split: Split = Field(default_factory=Split)
    seed: int = 0  # the seed of the main run
    seed_runs: list[SeedRun] = Field(default_factory=list)
    training_jobs: list[dict[str, Any]] = Field(default_factory=list)
    kernel_peak_rss_mb: float | None = None

    @property
    def new_errors(self) -> list[CellError]:
        """Errors the original run does not show: the code's own, now."""
        return [e for e in self.cell_errors if not e.in_original]

    @property
    def stopped_by_sandbox(self) -> bool:
        return self.status in LIMITS


class SubmissionRun(BaseModel):
    folder: str
    out_dir: str
    notebooks: dict[str, NotebookRun]  # role -> run

    def summary(self) -> dict[str, Any]:
        return {role: {"status": r.status.value, "message": r.message, "executed": r.executed_path,
                       "seconds": round(r.durations.total_s, 2)} for role, r in self.notebooks.items()}
