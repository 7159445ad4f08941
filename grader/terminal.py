"""Terminal output: a short table for a TA, a to-do list for a student (rich).

Written for any terminal: a laptop, a SageMaker Studio or Jupyter terminal, a pipe or a CI log.
No TTY is assumed: the width is the terminal's when there is one, else `COLUMNS`, else 100;
colour only on a terminal. `--no-color` or `NO_COLOR` (any non-empty value) turn every style off,
bold and underline too; `--quiet` prints nothing but errors (`configure`). Every string that a student or an AWS
account controls (names, messages, evidence) is printed as plain `rich.text.Text`, never parsed
as markup or emoji, and cleaned by `reports.view.visible_text` so that control characters or
escape codes cannot hide text or drive the terminal.
"""

from __future__ import annotations

import os
import sys
import webbrowser
from pathlib import Path
from typing import IO, Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from grader.models import ReportStatus, Status

MARK = {str(s): s.look.label for s in Status}
STYLE = {"pass": "green", "warn": "yellow", "partial": "yellow", "fail": "red", "error": "magenta", "skip": "dim", "manual": "cyan"}
DEFAULT_WIDTH = 100
_SETTINGS = {"quiet": False, "verbose": False, "color": True}


def configure(*, quiet: bool = False, verbose: bool = False, color: bool = True) -> None:
    """The global options of the command line: -q/--quiet, -v/--verbose, --no-color."""
    _SETTINGS.update(quiet=quiet, verbose=verbose, color=color)


def quiet() -> bool:
    return bool(_SETTINGS["quiet"])


def styled() -> bool:
    """False under --no-color or NO_COLOR: then no colour, bold or underline at all."""
    return bool(_SETTINGS["color"]) and not os.environ.get("NO_COLOR")


def echo(text: str, stream: IO[str] | None = None) -> None:
    """Print a line of normal output, unless --quiet."""
    if not quiet():
        print(text, file=stream or sys.stdout)


def open_in_browser(path: Path, stream: IO[str] | None = None) -> bool:
    """Open `path` in the default web browser. When there is none (a server, a container, a
    Studio terminal), say so on `stream` (stderr) and name the file: never an error."""
    uri = Path(path).resolve().as_uri()
    try:
        opened = bool(webbrowser.open(uri))
    except Exception:  # noqa: BLE001 - no browser is not a failure
        opened = False
    if not opened:
        print(f"grader: no web browser found to open {Path(path).resolve()}; open it yourself "
              "(or copy it to a machine with one)", file=stream or sys.stderr)
    return opened


def _clean(value: Any) -> str:
    from reports.view import visible_text

    return visible_text(value)


def _width(stream: IO[str]) -> int | None:
    columns = os.environ.get("COLUMNS", "").strip()
    if columns.isdigit() and int(columns) >= 20:
        return int(columns)
    isatty = getattr(stream, "isatty", None)
    try:
        return None if isatty and isatty() else DEFAULT_WIDTH
    except (OSError, ValueError):
        return DEFAULT_WIDTH


def _console(stream: IO[str]) -> Console:
    extra = {} if styled() else {"color_system": None, "no_color": True}
    return Console(file=stream, highlight=False, markup=False, emoji=False, soft_wrap=False,
                   width=_width(stream), force_jupyter=False, **extra)


def _fit(text: str, stream: IO[str]) -> str:
    """Text the stream can encode (a Windows code page, an ASCII pipe): others become '?'."""
    encoding = getattr(stream, "encoding", None) or "utf-8"
    try:
        text.encode(encoding)
        return text
    except (UnicodeEncodeError, LookupError):
        try:
            return text.encode(encoding, "replace").decode(encoding)
        except LookupError:
            return text.encode("ascii", "replace").decode("ascii")


def _text(value: Any, stream: IO[str], style: str = "") -> Text:
    return Text(_fit(_clean(value), stream), style=style, overflow="fold")


def _points(value: float) -> str:
    return f"{value:g}"


def _score(score: dict[str, Any]) -> str:
    """"75.4/100 (75.4%)": points rounded like the percent (one decimal), so the two agree."""
    from reports.present import score_points

    return f"{score_points(score.get('earned'))}/{score_points(score.get('possible'))} ({score['percent']:g}%)"


def _verdict(report: dict[str, Any]) -> str:
    """The report's state in the words of every other view (PASSING, NOT YET PASSING, ...)."""
    from reports.view import report_state

    try:
        ReportStatus(report.get("status"))
    except ValueError:
        return str(report.get("status"))
    return report_state(report)[0].label


def _print_chosen(con: Console, report: dict[str, Any], stream: IO[str]) -> None:
    """Which file was graded when several matched one lesson notebook; the others were ignored."""
    from reports.present import notebook_choices

    for choice in notebook_choices(report):
        _indented(con, _text(f"{choice['notebook']}: graded {choice['file']}; ignored (also matching): "
                             + ", ".join(choice["ignored"]), stream, "yellow"), 0)


def print_student_summary(report: dict[str, Any], written: list[Path], *, audience: str, stream: IO[str],
                          notebooks: Path | None = None) -> None:
    """Print a finished report's summary: `audience` "student" (self-check) or "ta" (check).
    Nothing under --quiet."""
    if quiet():
        return
    con = _console(stream)
    if audience == "student":
        _print_for_student(con, report, written, notebooks, stream)
        return
    student = report["student"]
    title = f"{report['rubric']['id']}: {student['id']} (account {student.get('account_id') or '?'})"
    table = Table(title=_text(title, stream))
    table.add_column("item")
    table.add_column("status")
    table.add_column("points", justify="right")
    table.add_column("message", overflow="fold")
    for item in report["items"]:
        st = item["status"]
        table.add_row(
            _text(item["id"], stream), Text(MARK.get(st, st.upper()), style=STYLE.get(st, "")),
            f"{item['points']['earned']:g}/{item['points']['possible']:g}", _text(item["message"], stream),
        )
    if report.get("message"):
        con.print(_text(report["message"], stream))
    con.print(table)
    score = report["score"]
    con.print(Text(f"Score: {_score(score)}  {_verdict(report)}"))
    _print_chosen(con, report, stream)
    _print_flags(con, report, stream)
    for path in written:
        con.print(_text(f"wrote {path}", stream))


# -- the student's view (self-check) -------------------------------------------------------------

def _lost(item: dict[str, Any]) -> float:
    return item["points"]["possible"] - item["points"]["earned"]


def _indented(con: Console, text: Text, indent: int = 2) -> None:
    """Print `text` wrapped to the console width, every line indented (no trailing padding)."""
    width = max(10, con.width - indent)
    for line in text.wrap(con, width, overflow="fold"):
        line.rstrip()
        con.print(Text(" " * indent) + line)


def _labelled(label: str, value: Any, stream: IO[str], style: str = "bold") -> Text:
    return Text.assemble((f"{label} ", style), _text(value, stream))


def _print_item(con: Console, item: dict[str, Any], stream: IO[str]) -> None:
    st = item["status"]
    head = Text.assemble(
        (MARK.get(st, st.upper()), f"bold {STYLE.get(st, '')}".strip()), "  ",
        _text(item.get("title") or item["id"], stream, "bold"), " ",
        _text(f"({item['id']})", stream, "dim"),
    )
    pts = item["points"]
    if st in ("fail", "partial", "error"):
        head.append(f"  {_points(pts['earned'])}/{_points(pts['possible'])} points")
    _indented(con, head, 0)
    _indented(con, _labelled("Found:", item.get("message") or "-", stream))
    if item.get("remediation"):
        label = {"warn": "Advice:", "error": "What to do:"}.get(st, "Fix:")
        _indented(con, _labelled(label, item["remediation"], stream))


def _section(con: Console, title: str, items: list[dict[str, Any]], stream: IO[str]) -> None:
    if not items:
        return
    con.print()
    _indented(con, Text(title, style="bold underline"), 0)
    for item in items:
        con.print()
        _print_item(con, item, stream)


def _compact(con: Console, title: str, items: list[dict[str, Any]], stream: IO[str], detail: bool) -> None:
    if not items:
        return
    con.print()
    _indented(con, Text(f"{title} ({len(items)}):", style="bold"), 0)
    if detail:
        for item in items:
            _indented(con, Text.assemble(_text(item["id"], stream, "dim"), ": ", _text(item.get("message"), stream)))
        return
    names = ", ".join(
        f"{item['id']}" + (f" {_points(item['points']['earned'])}/{_points(item['points']['possible'])}"
                           if item["points"]["possible"] else "")
        for item in items
    )
    _indented(con, _text(names, stream))


def _print_for_student(con: Console, report: dict[str, Any], written: list[Path], notebooks: Path | None,
                       stream: IO[str]) -> None:
    """The score; each item not passing with what was found and the lesson step to redo; the
    passing items in one block; where the full report is."""
    items = report.get("items", [])
    by = {st: [i for i in items if i["status"] == st] for st in MARK}
    to_fix = sorted(by["fail"] + by["partial"], key=lambda i: -_lost(i))  # stable: rubric order on ties
    score = report["score"]
    rubric = report.get("rubric", {})
    account = report.get("student", {}).get("account_id")

    _indented(con, _text(f"grader self-check: {rubric.get('title') or rubric.get('id', '')}", stream, "bold"), 0)
    _indented(con, Text.assemble(
        (f"Score: {_score(score)} {_verdict(report)}", "bold"),
        _summary_words(by),
    ), 0)
    if report.get("message"):  # could not be graded at all
        _indented(con, _labelled("Why:", report["message"], stream))
    where = [f"AWS account {account}"] if account else []
    if notebooks is not None:
        where.append(f"notebooks from {Path(notebooks).resolve()}")
    if where:
        _indented(con, _text("Graded: " + "; ".join(where), stream, "dim"), 0)
    _print_chosen(con, report, stream)

    _print_flags(con, report, stream)
    _section(con, "To fix, most points first", to_fix, stream)
    _section(con, "Could not be checked (no points until a person looks)", by["error"], stream)
    if any(_denied(i) for i in by["error"]):
        con.print()
        _indented(con, Text(
            "Access was denied: run self-check with the credentials of your `administrator` user "
            "(aws configure, or AWS_PROFILE), or give the role you use the policy that "
            "`grader access-policy` prints. Then run self-check again."), 0)
    _section(con, "Advice (full points already)", by["warn"], stream)
    _compact(con, "A person will check", by["manual"], stream, detail=True)
    _compact(con, "Not graded here", by["skip"], stream, detail=True)
    _compact(con, "Passing", by["pass"], stream, detail=False)

    con.print()
    html = next((p for p in written if Path(p).name == "report.html"), None)
    if html is not None:
        _indented(con, Text.assemble(("Full report: ", "bold"), _text(Path(html).resolve(), stream)), 0)
        _indented(con, Text("Open it in a browser (in SageMaker Studio or Jupyter: from the file browser).",
                            style="dim"))
    others = [p for p in written if p != html]
    if others:
        _indented(con, _text("Also wrote: " + ", ".join(str(Path(p).resolve()) for p in others), stream, "dim"), 0)
    if notebooks is not None:
        _indented(con, Text("Notebooks in another folder? Add --notebooks FOLDER.", style="dim"), 0)


def _print_flags(con: Console, report: dict[str, Any], stream: IO[str]) -> None:
    """The review flags a person must look at (and the TA decisions already taken)."""
    from reports.view import item_notes, open_flags, review_words

    flags = open_flags(report)
    if flags:
        con.print()
        _indented(con, Text(f"Needs a person ({len(flags)}): a TA looks at these before the grade is final",
                            style="bold magenta"), 0)
        for f in flags:
            where = f" [{f['item']}]" if f.get("item") else ""
            _indented(con, Text.assemble(("! ", "bold magenta"), _text(f"{review_words(f.get('kind'))}{where}: ", stream),
                                         _text(f.get("reason"), stream)))
    for item in report.get("items", []):
        if item.get("override"):
            _indented(con, _text(f"{item['id']}: " + item_notes(item)[0], stream, "cyan"), 0)


def _denied(item: dict[str, Any]) -> bool:
    evidence = item.get("evidence") or {}
    said = f"{evidence.get('code', '')} {evidence.get('reason', '')}".lower()
    return "denied" in said or "unauthorized" in said


def _summary_words(by: dict[str, list[dict[str, Any]]]) -> str:
    counts = [
        (len(by["fail"]) + len(by["partial"]), "to fix"),
        (len(by["error"]), "could not be checked"),
        (len(by["warn"]), "with advice"),
        (len(by["pass"]), "passing"),
    ]
    words = ", ".join(f"{n} {what}" for n, what in counts if n)
    if not (by["fail"] or by["partial"] or by["error"]):
        return f": everything graded passes ({words})" if words else ""
    return f": {words}"
