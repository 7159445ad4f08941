"""The HTML of a report's evidence tree (`view.evidence_tree`): what the `node` macro of
macros.html.j2 printed, written by a Python function.

A report has a few hundred evidence nodes; as a recursive Jinja macro they were half of the
time a student's page took to render (each call a macro frame, each attribute an environment
lookup). The markup is the macro's, character for character (tests/reports/test_evidence_html.py
renders the macro's text next to this function on generated evidence), and every printed value
goes the way a `{{ }}` of the page goes: `finalize` (`view.visible_text`), then HTML escaping.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from markupsafe import Markup, escape

from reports import view


def finalize(value: Any) -> Any:
    """Every value a page prints, before HTML escaping (the pages' Jinja `finalize`)."""
    if value is None:
        return ""
    if isinstance(value, str) and not isinstance(value, Markup):
        return view.visible_text(value)
    return value


def _text(value: Any) -> str:
    """What `{{ value }}` prints on the page: `finalize`, then autoescape."""
    return str(escape(finalize(value)))


def _span(n: view.Node) -> str:
    return f'<span class="ev-{_text(n.type)}{" ev-long" if n.long else ""}">{_text(n.value)}</span>'


def evidence_html(n: view.Node) -> Markup:
    out: list[str] = []
    _node(n, out.append)
    return Markup("".join(out))


def _node(n: view.Node, w: Callable[[str], Any]) -> None:  # noqa: C901 - one branch per kind, as the macro
    kind = n.kind
    if kind == "text":
        if n.block:
            w(f'<pre class="ev-text">{_text(n.value)}')
            if n.more:
                w(f'<span class="more"> … {_text(n.more)} more characters not shown</span>')
            w("</pre>\n")
        else:
            w(_span(n))
            if n.more:
                w(f'<span class="more"> … {_text(n.more)} more characters</span>')
    elif kind == "empty":
        w('<span class="ev-empty">none</span>\n')
    elif kind == "map":
        w('<dl class="ev-map">\n')
        for key, value in n.entries:
            w(f'<dt class="user">{_text(key)}</dt><dd>')
            _node(value, w)
            w("</dd>\n")
        w("</dl>\n")
        if n.more:
            w(f'<div class="more">… and {_text(n.more)} more entries</div>')
    elif kind == "table":
        w('<table class="ev-table"><thead><tr>')
        for col in n.columns:
            w(f'<th class="user">{_text(col)}</th>')
        w("</tr></thead>\n<tbody>\n")
        for row in n.rows:
            w("<tr>")
            for cell in row:
                w("<td>")
                _node(cell, w)
                w("</td>")
            w("</tr>\n")
        w("</tbody></table>\n")
        if n.more:
            w(f'<div class="more">… and {_text(n.more)} more rows</div>')
    elif kind == "list":
        if view.is_inline_list(n):
            w(", ".join(_span(child) for child in n.children))
            if n.more:
                w(f'<span class="more"> … and {_text(n.more)} more</span>')
        else:
            w('<ul class="ev-list">\n')
            for child in n.children:
                w("<li>")
                _node(child, w)
                w("</li>\n")
            w("</ul>\n")
            if n.more:
                w(f'<div class="more">… and {_text(n.more)} more</div>')
