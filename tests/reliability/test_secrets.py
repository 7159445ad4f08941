"""Secrets never reach an output: every file written by a full run (`grader batch` and `grader check`
with every format, `grader report`, and `grader demo`) and everything printed is scanned for
the credentials actually used, taken from the sessions the grader made: access key ids, secret
keys and session tokens, verbatim and in the escaped forms HTML, JSON and URLs would give them.
Access key ids may only appear masked (last four characters); nothing shaped like one
(AKIA/ASIA + 16 characters, which moto's keys also are) may appear at all.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.reliability.conftest import BASE_KEY_ID, BASE_SECRET, BASE_TOKEN

KEY_ID = re.compile(rb"(?<![A-Z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Z0-9])")
MASKED = re.compile(r"\*{4,}([A-Z0-9]{4})\b")


def forms(secret: str) -> set[bytes]:
    """A secret as it would appear in an HTML, JSON or URL-encoded output."""
    return {f.encode("utf-8") for f in (secret, html.escape(secret), json.dumps(secret)[1:-1], quote(secret, safe=""))}


def scan(files: list[Path], texts: list[str], credentials: list[tuple[str, str, str | None]]) -> dict:
    needles = {}
    for key_id, secret, token in credentials:
        for value in (key_id, secret, token):
            if value and len(value) >= 16:
                for form in forms(value):
                    needles[form] = value[:8] + "..."
    found = {}
    blobs = [(str(p), p.read_bytes()) for p in files] + [(f"console {i}", t.encode("utf-8", "replace"))
                                                          for i, t in enumerate(texts)]
    for name, blob in blobs:
        for needle, label in needles.items():
            if needle in blob:
                found.setdefault(name, []).append(label)
        for match in KEY_ID.findall(blob):
            found.setdefault(name, []).append(match.decode())
    return found


def test_no_secret_in_any_output_of_a_full_run(class_run):
    files = class_run.all_files()
    assert len(files) > 40
    credentials = class_run.credentials + [(BASE_KEY_ID, BASE_SECRET, BASE_TOKEN)]
    assert len(class_run.credentials) >= 5  # one assumed-role session per student, and the check
    assert all(k.startswith(("ASIA", "AKIA")) and len(k) == 20 and s and t for k, s, t in class_run.credentials)
    assert scan(files, [class_run.console], credentials) == {}


def test_access_key_ids_appear_masked(class_run):
    """The administrator's access keys are listed in evidence with their last four characters."""
    from moto.iam.models import iam_backends

    built = class_run.built["admin-via-user"]  # two active keys
    keys = [k.access_key_id for k in iam_backends[built.account_id]["aws"].users["administrator"].access_keys]
    assert len(keys) == 2
    folder = class_run.out / "students" / "_CON"
    for name in ("report.json", "report.html", "report.md", "report.junit.xml", "results.json", "report.csv"):
        text = (folder / name).read_text(encoding="utf-8")
        for key in keys:
            assert key not in text, name
        if name in ("report.json", "report.html"):  # the formats that show evidence
            assert {k[-4:] for k in keys} <= set(MASKED.findall(text)), name


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    """`grader demo` with three students (its own moto server), with the credentials captured."""
    import contextlib
    import io

    from grader.demo.run import run_demo
    from tests.reliability.helpers import capture_credentials


    out = tmp_path_factory.mktemp("demo")
    console = io.StringIO()
    with pytest.MonkeyPatch.context() as mp:
        credentials = capture_credentials(mp)
        mp.setattr("botocore.retries.standard.ExponentialBackoff.delay_amount", lambda self, ctx: 0)
        with contextlib.redirect_stdout(console), contextlib.redirect_stderr(console):
            code = run_demo(out=out, students=3, jobs=2, stream=console)
    return out, code, console.getvalue(), credentials


def test_no_secret_in_the_demo_output(demo_run):
    out, code, console, credentials = demo_run
    assert code == 0, console[-2000:]
    files = [p for p in sorted(out.rglob("*")) if p.is_file()]
    assert len(files) > 10 and len(credentials) >= 3
    assert scan(files, [console], credentials) == {}
