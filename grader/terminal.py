"""Terminal output: a short table for a TA, a to-do list for a student (rich)."""

from __future__ import annotations

from pathlib import Path
from typing import IO, Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

MARK = {"pass": "PASS", "warn": "WARN", "partial": "PARTIAL", "fail": "FAIL", "error": "ERROR", "skip": "SKIP", "manual": "MANUAL"}
STYLE = {"pass": "green", "warn": "yellow", "partial": "yellow", "fail": "red", "error": "magenta", "skip": "dim", "manual": "cyan"}


def _console(stream: IO[str]) -> Console:
    return Console(file=stream, highlight=False, soft_wrap=False, width=None if stream.isatty() else 120)


def print_student_summary(report: dict[str, Any], written: list[Path], *, audience: str, stream: IO[str]) -> None:
    con = _console(stream)
    score = report["score"]
    student = report["student"]
    if audience == "student":
        _print_for_student(con, report)
    else:
        table = Table(title=f"{report['rubric']['id']}: {student['id']} (account {student.get('account_id') or '?'})")
        table.add_column("item")
        table.add_column("status")
        table.add_column("points", justify="right")
        table.add_column("message", overflow="fold")
        for item in report["items"]:
            st = item["status"]
            table.add_row(
                Text(item["id"]), Text(MARK[st], style=STYLE[st]),
                f"{item['points']['earned']:g}/{item['points']['possible']:g}", Text(item["message"]),
            )
        con.print(table)
    con.print(f"Score: {score['earned']:g}/{score['possible']:g} ({score['percent']:g}%)  status: {report['status']}")
    for path in written:
        con.print(f"wrote {path}")


def _print_for_student(con: Console, report: dict[str, Any]) -> None:
    todo = [i for i in report["items"] if i["status"] in ("fail", "partial", "error", "warn")]
    done = [i for i in report["items"] if i not in todo]
    todo.sort(key=lambda i: -(i["points"]["possible"] - i["points"]["earned"]))
    if todo:
        con.print(f"[bold]To fix ({len(todo)}), most points first:[/]")
    for item in todo:
        st = item["status"]
        lost = item["points"]["possible"] - item["points"]["earned"]
        con.print(f"\n[{STYLE[st]}]{MARK[st]}[/] [bold]{item['title']}[/] ({item['id']}, {lost:g} points at stake)")
        con.print(f"  Found: {item['message']}", markup=False)
        if item.get("remediation"):
            con.print(f"  Fix: {item['remediation']}", markup=False)
    if done:
        con.print("\n[bold]Done:[/] " + ", ".join(f"{i['id']} ({MARK[i['status']]})" for i in done), markup=True)
    con.print("")
