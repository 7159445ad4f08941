"""HTML: report.html (one student) and index.html (the class). Jinja2 with autoescape on.

Both pages are single self-contained files: inline CSS, no scripts, fonts or remote resources
(a Content-Security-Policy meta tag forbids them too, as a second line of defence), so they
work offline and as e-mail attachments, and print cleanly.

Every value printed goes through `view.visible_text` (the environment's `finalize`) and then
HTML escaping. The only computation here is layout: order, widths and chart coordinates.
"""

from __future__ import annotations

import re
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from grader.output import safe_name
from reports import CLASS_FORMATS, STUDENT_FORMATS, present, register, view
from reports.evidence_html import evidence_html, finalize


def _pct(value: Any) -> float:
    """A percentage for a CSS width: a number clamped to 0..100, whatever the input."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return 0.0
    return min(max(number, 0.0), 100.0) if number == number else 0.0


_env = Environment(
    loader=PackageLoader("reports", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    finalize=finalize,
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.filters["short"] = lambda value, limit=80: view.one_line(value, limit)
_env.globals.update(
    look=view.look,
    report_look=view.report_look,
    status_class=view.status_class,
    num=view.num,
    pct=_pct,
    evidence_tree=view.evidence_tree,
    evidence_html=evidence_html,
    is_inline_list=view.is_inline_list,
    at_stake=view.at_stake,
    STATUS=view.STATUS,
    STATUS_ORDER=view.STATUS_ORDER,
    review_words=view.review_words,
    score_points=present.score_points,
    counted=present.counted,
    display_evidence=present.display_evidence,
)
_env.filters["code"] = present.inline_code
CLASS_LINK = "../../index.html"  # the only link a student report may carry back to its class
STUDENT_TEMPLATE = "student.html.j2"


def student_templates() -> None:
    """Compile the student page and the templates it imports (jinja2 caches them in `_env`)."""
    _env.get_template(STUDENT_TEMPLATE)
    _env.get_template("macros.html.j2")


# --- student ---------------------------------------------------------------------------------


@register(STUDENT_FORMATS, "html", "report.html")
def render(report: dict[str, Any]) -> str:
    items = list(report.get("items") or [])
    todo = view.fix_entries(items)
    stats = report.get("stats") if isinstance(report.get("stats"), dict) else {}
    duration = stats.get("duration_ms")
    state, state_class = view.report_state(report)
    link = report.get("class_report")
    return _env.get_template(STUDENT_TEMPLATE).render(
        r=report,
        student=report.get("student") or {},
        rubric=report.get("rubric") or {},
        score=report.get("score") or {},
        items=items,
        categories=view.by_category(items),
        todo=todo,
        n_fix=sum(1 for i in items if i.get("status") in view.TO_FIX),
        stake=sum(e.stake for e in todo),
        counts=view.status_counts(items),
        state=state,
        verdict_class=state_class,
        flags=view.open_flags(report),
        class_link=link if link == CLASS_LINK else None,
        api_calls=stats.get("api_calls"),
        seconds=view.num(duration / 1000) if isinstance(duration, int | float) else None,
        choices=present.notebook_choices(report),
    )


# --- class -----------------------------------------------------------------------------------

_LINK = re.compile(r"^students/[A-Za-z0-9._-]+/report\.html$")

CHART_W, CHART_H, CHART_PAD_L, CHART_PAD_B, CHART_PAD_T = 640, 240, 40, 34, 22


def _student_href(entry: dict[str, Any]) -> str:
    link = entry.get("report")
    if isinstance(link, str) and _LINK.match(link) and ".." not in link:
        return link
    return f"students/{safe_name(str((entry.get('student') or {}).get('id') or ''))}/report.html"


def _chart(stats: dict[str, Any]) -> dict[str, Any]:
    """Coordinates of the score-distribution bars (an SVG drawn from stats["histogram"])."""
    bins = stats.get("histogram") or []
    top = max([int(b.get("count") or 0) for b in bins] + [1])
    step = 1 if top <= 10 else 2 if top <= 20 else 5 if top <= 50 else 10 if top <= 100 else 25 if top <= 250 else 50
    top = -(-top // step) * step
    plot_w, plot_h = CHART_W - CHART_PAD_L - 10, CHART_H - CHART_PAD_B - CHART_PAD_T
    slot = plot_w / max(len(bins), 1)
    bars = []
    for n, b in enumerate(bins):
        count = int(b.get("count") or 0)
        h = plot_h * count / top
        last = n == len(bins) - 1
        bars.append({
            "x": round(CHART_PAD_L + n * slot + 3, 1), "w": round(slot - 6, 1),
            "y": round(CHART_PAD_T + plot_h - h, 1), "h": round(h, 1), "count": count,
            "cx": round(CHART_PAD_L + n * slot + slot / 2, 1),
            "label": f"{view.num(b.get('from'))}\u2013{view.num(b.get('to')) if last else view.num((b.get('to') or 0) - 1)}",
        })
    ticks = [{"y": round(CHART_PAD_T + plot_h - plot_h * v / top, 1), "v": v} for v in range(0, top + 1, step)]
    if len(ticks) > 11:
        ticks = ticks[:: -(-len(ticks) // 6)]

    def marker(value: Any) -> float | None:
        return None if value is None else round(CHART_PAD_L + plot_w * _pct(value) / 100.0, 1)

    _place_counts(bars, [m for m in (marker(stats.get("mean")), marker(stats.get("median"))) if m is not None])
    return {
        "w": CHART_W, "h": CHART_H, "left": CHART_PAD_L, "right": CHART_W - 10, "top": CHART_PAD_T,
        "base": CHART_PAD_T + plot_h, "bars": bars, "ticks": ticks,
        "mean_x": marker(stats.get("mean")), "median_x": marker(stats.get("median")),
    }


def _place_counts(bars: list[dict[str, Any]], markers: list[float]) -> None:
    """Where each bar's count label goes: centred over the bar, unless the mean or median line
    would cross it; then beside the lines, on the bar's side (never under a line)."""
    for b in bars:
        half = 4.5 * len(str(b["count"])) + 3  # about half the label's width at the chart's font size
        near = [m for m in markers if abs(m - b["cx"]) < half + 2]
        if not near:
            b["count_x"], b["anchor"] = b["cx"], "middle"
        elif min(near) >= b["cx"]:
            b["count_x"], b["anchor"] = round(min(near) - 4, 1), "end"
        elif max(near) <= b["cx"]:
            b["count_x"], b["anchor"] = round(max(near) + 4, 1), "start"
        else:
            b["count_x"], b["anchor"] = round(min(near) - 4, 1), "end"


def _possible(students: list[dict[str, Any]]) -> dict[str, Any]:
    """The range of the graded students' possible points (totals differ without notebooks)."""
    totals = [float((s.get("score") or {}).get("possible") or 0) for s in students if s.get("status") != "error"]
    low, high = (min(totals), max(totals)) if totals else (0.0, 0.0)
    return {"low": low, "high": high, "same": low == high}


def _segments(stat: dict[str, Any]) -> list[dict[str, Any]]:
    """Widths of one item's stacked bar: each status's share of the students with the item."""
    counts = stat.get("counts") or {}
    total = sum(int(counts.get(s) or 0) for s in view.STATUS_ORDER)
    if not total:
        return []
    return [{"status": s, "n": int(counts.get(s) or 0), "w": round(100.0 * int(counts.get(s) or 0) / total, 2)}
            for s in view.STATUS_ORDER if counts.get(s)]


@register(CLASS_FORMATS, "html", "index.html")
def render_class(class_dict: dict[str, Any]) -> str:
    stats = class_dict.get("stats") or {}
    rubric = class_dict.get("rubric") or {}
    item_stats = sorted(stats.get("items") or [], key=lambda s: s.get("rank") or 10**9)
    students = class_dict.get("students") or []
    columns = [i.get("id") for i in rubric.get("items") or []]
    rows = []
    for s in students:
        by_id = {i.get("id"): i for i in s.get("items") or []}
        rows.append({"s": s, "href": _student_href(s), "cells": [by_id.get(c) for c in columns],
                     "state": view.report_state(s)})
    hrefs = {str((s.get("student") or {}).get("id")): _student_href(s) for s in students}
    needs_person = [{**p, "href": hrefs.get(str(p.get("student")), _student_href({"student": {"id": p.get("student")}}))}
                    for p in stats.get("needs_person") or []]
    return _env.get_template("class.html.j2").render(
        c=class_dict,
        rubric=rubric,
        stats=stats,
        chart=_chart(stats),
        item_stats=[{**st, "segments": _segments(st)} for st in item_stats],
        columns=columns,
        titles={i.get("id"): i.get("title") for i in rubric.get("items") or []},
        rows=rows,
        needs_person=needs_person,
        possible=_possible(students),
        synthetic=bool(class_dict.get("synthetic")) or any(s.get("synthetic") for s in students),
    )
