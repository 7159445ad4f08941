"""`grader report`: re-render saved results without touching AWS.

Accepts student ``report.json`` files (schema grader.student-report/1) and class
``class.json`` files (schema grader.class-report/1). Every file is read and checked before
anything is written; a missing, unreadable, corrupt or foreign file is an InputError naming
the file (the CLI prints it as one line and exits 2).

Where the files go:

- no ``--out``: next to each input file (so ``grader report out/students/*/report.json``
  refreshes every report in place); a file is never overwritten by its own re-rendering
  (re-rendering ``report.json`` as json in place is skipped);
- ``--out DIR`` with one input: into DIR;
- ``--out DIR`` with several inputs: each student report into ``DIR/<safe student id>/``
  (``-2``, ``-3``... when two ids give the same folder name), a class file into DIR itself
  (at most one class file then).

A class file is re-rendered from its students: the statistics are computed again (so a TA
may correct an entry in class.json and re-render), and the class files (index.html,
class.json, grades.csv) are always written. Its ``--format`` list is ignored apart from that.
"""

from __future__ import annotations

from pathlib import Path

from grader.errors import InputError
from grader.output import atomic_write, ensure_out_dir, safe_name
from grader.saved import Saved, load_saved
from reports import CLASS_FORMATS, CLASS_REQUIRED, STUDENT_FORMATS, parse_formats


def _targets(saved: list[Saved], out: Path | None) -> list[Path]:
    if out is None:
        return [s.path.parent for s in saved]
    if len(saved) == 1:
        return [out]
    if sum(s.kind == "class" for s in saved) > 1:
        raise InputError("--out with several files: give at most one class.json at a time")
    used: set[str] = set()
    targets = []
    for s in saved:
        if s.kind == "class":
            targets.append(out)
            continue
        base = safe_name(str(s.data["student"]["id"]))
        name, n = base, 1
        while name.lower() in used:
            n += 1
            name = f"{base}-{n}"
        used.add(name.lower())
        targets.append(out / name)
    return targets


def rerender(paths: list[Path], out: Path | None = None, formats: str | None = None) -> list[Path]:
    """Re-render saved report.json / class.json files (see the module doc); returns the paths written."""
    if not paths:
        raise InputError("give at least one report.json or class.json file")
    names = parse_formats(formats)
    saved = [load_saved(Path(p)) for p in paths]
    if out is not None:
        out = ensure_out_dir(out)
    written: list[Path] = []
    for item, folder in zip(saved, _targets(saved, out), strict=True):
        if item.kind == "student":
            renderers = [STUDENT_FORMATS[n] for n in names]
        else:
            renderers = [CLASS_FORMATS[n] for n in dict.fromkeys([*CLASS_REQUIRED, *names]) if n in CLASS_FORMATS]
        for renderer in renderers:
            target = folder / renderer.filename
            if target.resolve() == item.path.resolve():
                continue  # never overwrite the input with its own re-rendering
            atomic_write(target, renderer.render(item.data))
            written.append(target)
    return written
