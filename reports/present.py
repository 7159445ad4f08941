"""More presentation helpers shared by the renderers and the terminal (see `reports.view`):
score points rounded like the percent, counted nouns, which notebook file was graded, evidence
without repeated tables, and inline code in messages.

Nothing here scores: the numbers come from the finished report.
"""

from __future__ import annotations

import re
from typing import Any

from markupsafe import Markup, escape

from reports.view import num, visible_text


def score_points(value: Any) -> str:
    """A score's points with at most one decimal, as its percent is shown (75.36 -> "75.4"), so
    that "75.4 / 100" stands next to "75.4%". Item points keep `num`'s two decimals."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return num(value)
    return num(round(float(value), 1))


def counted(n: Any, noun: str, plural: str | None = None) -> str:
    """ "1 student", "2 students", "1 region" (`plural` for irregular nouns)."""
    return f"{num(n)} {noun if n == 1 else (plural or noun + 's')}"


def notebook_choices(report: dict[str, Any]) -> list[dict[str, Any]]:
    """For each lesson notebook that several files matched: {"notebook", "file" (the one
    graded), "ignored" (the others)}, read from the items' evidence (`also_matching`)."""
    seen: dict[str, dict[str, Any]] = {}
    for item in report.get("items") or []:
        ev = item.get("evidence")
        if not isinstance(ev, dict):
            continue
        others = ev.get("also_matching")
        if ev.get("file") and isinstance(others, list) and others:
            key = str(ev.get("notebook") or ev.get("file"))
            seen.setdefault(key, {"notebook": key, "file": str(ev["file"]), "ignored": [str(o) for o in others]})
    return list(seen.values())


def display_evidence(evidence: Any) -> Any:
    """Evidence as shown to a reader. A `disagreeing` list whose rows all appear in `figures`
    would repeat that table: instead `figures` gets a "disagrees" column and `disagreeing` is
    left out (report.json keeps both)."""
    if not isinstance(evidence, dict):
        return evidence
    figures, wrong = evidence.get("figures"), evidence.get("disagreeing")
    if not (isinstance(figures, list) and isinstance(wrong, list) and wrong):
        return evidence
    if not all(isinstance(w, dict) and w in figures for w in wrong):
        return evidence
    shown = {k: v for k, v in evidence.items() if k != "disagreeing"}
    shown["figures"] = [{**f, "disagrees": f in wrong} if isinstance(f, dict) else f for f in figures]
    return shown


_CODE = re.compile(r"`([^`\n]{1,200})`")


def inline_code(value: Any) -> Markup:
    """Message text for HTML: escaped, with `backticked` spans as <code> (nothing else is
    interpreted). The text is cleaned by `visible_text` first."""
    text = visible_text(value)
    out, last = [], 0
    for m in _CODE.finditer(text):
        out.append(escape(text[last:m.start()]))
        out.append(Markup("<code>") + escape(m.group(1)) + Markup("</code>"))
        last = m.end()
    out.append(escape(text[last:]))
    return Markup("").join(out)


def md_inline(value: Any, limit: int | None = None) -> str:
    """`view.md_text`, except that `backticked` spans stay Markdown code spans (inert text), so
    report.md shows `administrator` as code rather than as escaped backticks. A span holding a
    `|` (it would split a table cell) is escaped like any other text."""
    from reports.view import md_text, one_line

    text = one_line(value, limit)
    out, last = [], 0
    for m in _CODE.finditer(text):
        if "|" in m.group(1):
            continue
        out.append(md_text(text[last:m.start()]))
        out.append(f"`{m.group(1)}`")
        last = m.end()
    out.append(md_text(text[last:]))
    return "".join(out)
