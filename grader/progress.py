"""Progress of a batch on stderr: a rich bar on a terminal, else one line per student
(`[3/30] s03 graded 85.0%`), so logs of cron jobs and CI stay readable."""

from __future__ import annotations

from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    from grader.batch import Outcome


class Progress:
    """Progress of a batch: plain lines (`[3/30] s03 graded 85.0%`) when not on a terminal."""

    def __init__(self, stream: IO[str]):
        self.stream = stream
        self.total = 0
        self.count = 0

    @staticmethod
    def for_stream(stream: IO[str]) -> Progress:
        isatty = getattr(stream, "isatty", None)
        return RichProgress(stream) if isatty and isatty() else Progress(stream)

    def note(self, text: str) -> None:
        print(text, file=self.stream, flush=True)

    def start(self, total: int, *, resumed: int = 0) -> None:
        self.total = total
        if resumed:
            self.note(f"resuming: {resumed} of {total} students already graded")

    @staticmethod
    def describe(outcome: Outcome) -> str:
        if outcome.resumed:
            return f"{outcome.student_id} already graded {outcome.percent:.1f}% (resumed)"
        if outcome.graded:
            return f"{outcome.student_id} graded {outcome.percent:.1f}%"
        return f"{outcome.student_id} error: {outcome.message}"

    def advance(self, outcome: Outcome) -> None:
        self.count += 1
        self.note(f"[{self.count}/{self.total}] {self.describe(outcome)}")

    def stop(self) -> None:
        pass


class RichProgress(Progress):
    """A rich progress bar on a terminal; students who could not be graded are printed above it."""

    def start(self, total: int, *, resumed: int = 0) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
        from rich.progress import Progress as Bar

        self.total = total
        self.console = Console(file=self.stream, highlight=False)
        self.bar = Bar(TextColumn("grading"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                       TextColumn("{task.description}"), console=self.console, transient=False)
        self.task = self.bar.add_task("", total=total)
        self.bar.start()
        if resumed:
            self.console.print(f"resuming: {resumed} of {total} students already graded")

    def note(self, text: str) -> None:
        con = getattr(self, "console", None)
        if con is None:
            super().note(text)
        else:
            con.print(text, markup=False)

    def advance(self, outcome: Outcome) -> None:
        self.count += 1
        if not outcome.graded:
            self.console.print(f"[magenta]ERROR[/] {outcome.student_id}: {outcome.message}", highlight=False)
        last = f"{outcome.student_id} " + (f"{outcome.percent:.1f}%" if outcome.graded else "error")
        self.bar.update(self.task, advance=1, description=f"last: {last[:40]}")

    def stop(self) -> None:
        bar = getattr(self, "bar", None)
        if bar is not None:
            bar.update(self.task, description="")
            bar.stop()
