"""reports.evidence_html: the evidence tree's HTML is, character for character, what the
`node` macro it replaced printed (the macro's text is kept here as the reference), on generated
evidence: nested maps, tables, lists, long and hostile text, and the truncations."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st
from jinja2 import Environment, select_autoescape

from reports import view
from reports.evidence_html import evidence_html, finalize

# The macro as it was in reports/templates/macros.html.j2, rendered with the page's settings.
NODE_MACRO = """{% macro node(n) -%}
{% if n.kind == "text" %}
{% if n.block %}<pre class="ev-text">{{ n.value }}{% if n.more %}<span class="more"> … {{ n.more }} more characters not shown</span>{% endif %}</pre>
{% else %}<span class="ev-{{ n.type }}{% if n.long %} ev-long{% endif %}">{{ n.value }}</span>{% if n.more %}<span class="more"> … {{ n.more }} more characters</span>{% endif %}
{% endif %}
{% elif n.kind == "empty" %}<span class="ev-empty">none</span>
{% elif n.kind == "map" %}
<dl class="ev-map">
{% for key, value in n.entries %}
<dt class="user">{{ key }}</dt><dd>{{ node(value) }}</dd>
{% endfor %}
</dl>
{% if n.more %}<div class="more">… and {{ n.more }} more entries</div>{% endif %}
{% elif n.kind == "table" %}
<table class="ev-table"><thead><tr>{% for col in n.columns %}<th class="user">{{ col }}</th>{% endfor %}</tr></thead>
<tbody>
{% for row in n.rows %}
<tr>{% for cell in row %}<td>{{ node(cell) }}</td>{% endfor %}</tr>
{% endfor %}
</tbody></table>
{% if n.more %}<div class="more">… and {{ n.more }} more rows</div>{% endif %}
{% elif n.kind == "list" %}
{% if is_inline_list(n) %}
{% for child in n.children %}<span class="ev-{{ child.type }}{% if child.long %} ev-long{% endif %}">{{ child.value }}</span>{% if not loop.last %}, {% endif %}{% endfor %}{% if n.more %}<span class="more"> … and {{ n.more }} more</span>{% endif %}
{% else %}
<ul class="ev-list">
{% for child in n.children %}<li>{{ node(child) }}</li>
{% endfor %}
</ul>
{% if n.more %}<div class="more">… and {{ n.more }} more</div>{% endif %}
{% endif %}
{% endif %}
{%- endmacro %}"""

_env = Environment(autoescape=select_autoescape(default=True, default_for_string=True),
                   finalize=finalize, trim_blocks=True, lstrip_blocks=True)
_env.globals["is_inline_list"] = view.is_inline_list
_macro = _env.from_string(NODE_MACRO + "\n{{ node(tree) }}")

_text = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["<script>alert(1)</script>", "a & b \"q\" 'x'", "line\nbreak", "\u202eevil\u2028x",
                     "\x1b[31mred", "x" * 170, "word " * 40, "arn:aws:iam::123456789012:user/" + "a" * 40]))
_scalar = st.one_of(_text, st.integers(), st.floats(allow_nan=True), st.booleans(), st.none())
_record = st.dictionaries(st.sampled_from(["name", "status", "Key", "a b", "<k>", "size"]), _scalar,
                          min_size=1, max_size=4)
_evidence = st.recursive(
    _scalar | st.lists(_record, min_size=1, max_size=3),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_text, inner, max_size=4),
    max_leaves=25)


def _both(value):
    tree = view.evidence_tree(value)
    return str(evidence_html(tree)), _macro.render(tree=tree)


@settings(max_examples=400, deadline=None)
@given(_evidence)
@example({"k": "x" * 5000})  # a text cut at view.MAX_TEXT
@example(list(range(250)))  # a list cut at view.MAX_ENTRIES
@example({str(i): i for i in range(230)})
@example([{"a": i, "b": "x"} for i in range(210)])  # a table cut
@example([{str(c): 1 for c in range(10)}])  # too many columns: a list of maps
@example({"a": {"b": {"c": {"d": {"e": {"f": {"g": 1}}}}}}})  # deeper than view.MAX_DEPTH
@example(["short", 1, True, None])  # an inline list
def test_the_evidence_html_is_the_macros(value):
    ours, macro = _both(value)
    assert ours == macro
