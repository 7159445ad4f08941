"""Imported by the worker processes' fork server (`grader.workers.PRELOAD`): the student page's
templates compiled once, so that every worker forked from the server renders its first student
without compiling them (about 70 ms of CPU a worker)."""

from __future__ import annotations

from reports import html_report


def compile_templates() -> None:
    html_report.student_templates()


compile_templates()
