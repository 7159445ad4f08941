"""Markdown: report.md, a short summary for a pull-request comment or an LMS message.

Score and status, what to fix first (most points at stake first, with the fix), and a table
of every item. Evidence stays in report.html. Every value from the report goes through
`view.md_text`: one line, HTML entities for ``< > &``, backslash escapes for Markdown syntax
(``| * _ [ ] ` # @`` ...), so a student's text can neither break the table nor add links,
images, mentions or HTML.
"""

from __future__ import annotations

from typing import Any

from reports import STUDENT_FORMATS, register
from reports.present import counted, md_inline, notebook_choices, score_points
from reports.view import (
    fix_entries,
    item_notes,
    look,
    md_text,
    num,
    open_flags,
    points,
    report_state,
    review_words,
)

MESSAGE_LIMIT = 400


@register(STUDENT_FORMATS, "md", "report.md")
def render(report: dict[str, Any]) -> str:
    student = report.get("student") or {}
    rubric = report.get("rubric") or {}
    score = report.get("score") or {}
    items = report.get("items") or []
    verdict, _ = report_state(report)
    who = md_text(student.get("name") or student.get("id"), 200)
    if student.get("name"):
        who += f" ({md_text(student.get('id'), 200)})"
    out = []
    if report.get("synthetic"):
        out += ["> **SYNTHETIC REPORT:** made-up demo data, not a real student's grade.", ""]
    out += [
        f"## {verdict.symbol} {md_text(rubric.get('title') or rubric.get('id'), 200)}: {who}",
        "",
    ]
    if report.get("status") == "error":
        out += [
            f"**{verdict.symbol} {verdict.label}:** {md_text(report.get('message') or 'no reason recorded')}",
            "",
            "Nothing was checked, so there is no score yet. Once the problem above is fixed, the grader "
            "can run again.",
        ]
    else:
        out += [
            f"**Score: {score_points(score.get('earned'))} / {score_points(score.get('possible'))} points "
            f"({num(score.get('percent'))}%)**: {verdict.symbol} {verdict.label}",
            "",
        ]
        for choice in notebook_choices(report):
            out += [f"*{md_text(choice['notebook'], 200)}: graded {md_text(choice['file'], 300)}; ignored (also "
                    f"matching): {md_text(', '.join(choice['ignored']), 600)}.*", ""]
        flags = open_flags(report)
        if flags:
            out += ["### Needs a person", ""]
            for f in flags:
                where = f" ({md_text(f.get('item'), 100)})" if f.get("item") else ""
                out.append(f"- **{md_text(review_words(f.get('kind')), 100)}**{where}: {md_inline(f.get('reason'), MESSAGE_LIMIT)}")
            out.append("")
        todo = fix_entries(items)
        if todo:
            out += ["### What to fix first", ""]
            for n, entry in enumerate(todo, 1):
                st = look(entry.status)
                gain = "advice, no points lost" if entry.advice_only else f"{counted(entry.stake, 'point')} at stake"
                if entry.money:
                    gain = "costs money every hour; " + gain
                ids = ", ".join(md_text(i.get("id"), 100) for i in entry.items)
                out.append(f"{n}. {st.symbol} **{st.label}** {md_text(entry.title, 200)} "
                           f"({ids}, {gain}): {md_inline(entry.message, MESSAGE_LIMIT)}")
                if entry.remediation:
                    out.append(f"   *Fix:* {md_inline(entry.remediation, MESSAGE_LIMIT)}")
            out.append("")
        else:
            out += ["Every item that could be checked passed.", ""]
        out += ["### All items", "", "| | Item | Points | Result |", "|---|---|---:|---|"]
        for item in items:
            st = look(item.get("status"))
            earned, possible = points(item)
            pts = "not counted" if item.get("status") in ("skip", "manual") else f"{num(earned)} / {num(possible)}"
            notes = "".join(f" {md_text(n, MESSAGE_LIMIT)}" for n in item_notes(item))
            out.append(f"| {st.symbol} {st.label} | {md_text(item.get('title') or item.get('id'), 200)} "
                       f"| {pts} | {md_inline(item.get('message'), MESSAGE_LIMIT)}{notes} |")
        out.append("")
    out += [
        "",
        f"*Rubric {md_text(rubric.get('id'))} version {md_text(rubric.get('version'))} · account "
        f"{md_text(student.get('account_id') or 'unknown')} · generated {md_text(report.get('generated_at'))} "
        f"by grader {md_text(report.get('grader_version'))}. Details and evidence: report.html.*",
    ]
    return "\n".join(out) + "\n"
