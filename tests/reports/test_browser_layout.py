"""Layout in a real headless Chromium (issue 16): the histogram's count labels are never under
the mean or median line, and a failing student's report prints in a few pages."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

from grader.classreport import build_class_report
from reports import CLASS_FORMATS, STUDENT_FORMATS
from tests.reports.conftest import RUBRIC, sample_report
from tests.reports.test_browser import browse, chromium, screenshot, write  # noqa: F401 - fixture

FAILING = Path(__file__).parents[1] / "data" / "reports" / "failing-demo-student.json"
MAX_PAGES = 6

GEOMETRY = """<!doctype html><html><head><title>wrapper</title></head><body>
<iframe id="f" src="{src}" style="width:1280px;height:2400px"></iframe><pre id="out">pending</pre>
<script>
document.getElementById('f').addEventListener('load', function () {{
  var d = document.getElementById('f').contentDocument;
  var box = function (e) {{ var r = e.getBoundingClientRect();
    return {{left: r.left, right: r.right, top: r.top, bottom: r.bottom, text: e.textContent}}; }};
  document.getElementById('out').textContent = JSON.stringify({{
    labels: Array.from(d.querySelectorAll('svg.chart text')).filter(function (e) {{
      return /^[0-9]+$/.test(e.textContent) && parseFloat(e.getAttribute('x')) > 40; }}).map(box),
    lines: Array.from(d.querySelectorAll('svg.chart line.mean, svg.chart line.median')).map(box)
  }});
}});
</script></body></html>"""


def _class_with_median_on_a_bar() -> dict:
    """(Count labels: the numeric <text>s right of the y axis, whose tick labels end at x=34.)
    Five students at 55% (the middle of the 50-59 band, where its count label sits) and one at
    95%: the median line runs through the label "5" unless the label moves."""
    reports = []
    for n, earned in enumerate([47.3] * 5 + [81.7]):
        r = sample_report()
        r["student"] = {**r["student"], "id": f"s{n}", "name": f"Student {n}"}
        r["score"] = {"earned": earned, "possible": 86.0, "percent": round(100 * earned / 86.0, 1)}
        reports.append(r)
    return build_class_report(RUBRIC, reports)


def test_histogram_labels_are_not_under_the_mean_or_median_line(chromium, tmp_path):  # noqa: F811
    data = _class_with_median_on_a_bar()
    assert data["stats"]["median"] == 55.0
    page = write(tmp_path, "index.html", CLASS_FORMATS["html"].render(data))
    screenshot(chromium, tmp_path, page, "histogram", height=1200)
    wrapper = page.parent / "_geometry.html"
    wrapper.write_text(GEOMETRY.format(src=page.name), encoding="utf-8")
    dom = browse(chromium, tmp_path, wrapper.as_uri(), "--allow-file-access-from-files",
                 "--virtual-time-budget=3000", "--dump-dom")
    found = re.search(r'<pre id="out">(.*?)</pre>', dom, re.S)
    assert found and found.group(1) != "pending", dom[-2000:]
    geo = json.loads(html.unescape(found.group(1)))
    assert [lab["text"] for lab in geo["labels"]] == ["5", "1"] and len(geo["lines"]) == 2
    for lab in geo["labels"]:
        for line in geo["lines"]:
            x = (line["left"] + line["right"]) / 2
            assert not (lab["left"] - 1 <= x <= lab["right"] + 1), (lab, line)


def _pdf_pages(chromium_exe: str, tmp_path: Path, page: Path) -> int:  # noqa: F811
    pdf = tmp_path / f"{page.stem}.pdf"
    browse(chromium_exe, tmp_path, page.as_uri(), f"--print-to-pdf={pdf}", "--no-pdf-header-footer")
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf.read_bytes()))


def test_a_failing_report_prints_in_a_few_pages(chromium, tmp_path):  # noqa: F811
    report = json.loads(FAILING.read_text(encoding="utf-8"))
    assert report["status"] == "fail" and report["score"]["percent"] < 80
    page = write(tmp_path, "report.html", STUDENT_FORMATS["html"].render(report))
    pages = _pdf_pages(chromium, tmp_path, page)
    assert 1 <= pages <= MAX_PAGES, pages
