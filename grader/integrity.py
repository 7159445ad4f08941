"""Class-level integrity (batch): students whose executed notebooks share what only one run can
produce are flagged `shared-work`, each naming the other student and the evidence.

What only one run produces is a notebook's fingerprints (grader.notebooks.fingerprints): figures
printed to full precision, SDK-generated training-job names, training-log time stamps, image
outputs. Two students' notebooks sharing at least `shared_work_min_evidence` of them (a rubric
param) are one run handed in twice, whoever ran it. What the whole class shares never counts: a
fingerprint held by more than max(2, `shared_work_max_share` x class size) students (a plot of
the data every honest run draws, say), one in the shipped starter templates, or one of the
course's published runs (`known_solutions`: flagged `known-solution` by the items instead).
Code is never compared: every student starts from the same starter code.

The pass only computes; `grader.resume.build_class` reads the notebooks, writes the flags into
each student's report files and lists the pairs in the class report.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from grader.models import ReviewFlag, ReviewKind
from grader.notebooks import Notebook, Submission, read_submission
from grader.notebooks.fingerprints import Fingerprint, printed_figures, split_log
from grader.notebooks.model import ERROR, STDERR

EVIDENCE_SHOWN = 5  # fingerprints quoted per pair


@dataclass(frozen=True)
class SharedPair:
    """Two students whose notebooks share `count` fingerprints (the first few as evidence)."""

    a: str
    b: str
    count: int
    evidence: tuple[str, ...]  # e.g. "job linear-learner-2020-... (rainfall_forecast.ipynb cell 17 (In [13]) output)"

    def to_dict(self) -> dict[str, Any]:
        return {"students": [self.a, self.b], "shared": self.count, "evidence": list(self.evidence)}


def student_prints(sub: Submission) -> dict[str, Fingerprint]:
    """A student's fingerprints by key, both notebooks."""
    out: dict[str, Fingerprint] = {}
    for facts in (sub.rainfall, sub.credit):
        for f in facts.fingerprints:
            out.setdefault(f.key, f)
    return out


def template_keys() -> set[str]:
    """The fingerprints of the shipped starter notebooks (normally none: they are not executed)."""
    try:
        root = Path(str(resources.files("student_templates")))
    except (ModuleNotFoundError, TypeError):
        return set()
    return set(student_prints(read_submission(root)))


def find_shared(prints: dict[str, dict[str, Fingerprint]], *, min_evidence: int, max_share: float,
                exclude: set[str] = frozenset()) -> list[SharedPair]:  # type: ignore[assignment]
    """The pairs of students (ids in `prints` order) sharing at least `min_evidence` fingerprints
    that are not common to the class and not in `exclude`."""
    holders: dict[str, list[str]] = {}
    for student, keys in prints.items():
        for key in keys:
            if key not in exclude:
                holders.setdefault(key, []).append(student)
    common_above = max(2, int(max_share * len(prints)))
    shared: dict[tuple[str, str], list[str]] = {}
    for key, who in holders.items():
        if 2 <= len(who) <= common_above:
            for i, a in enumerate(who):
                for b in who[i + 1:]:
                    shared.setdefault((a, b), []).append(key)
    pairs = []
    for (a, b), keys in shared.items():
        if len(keys) >= min_evidence:
            shown = tuple(prints[a][k].evidence() for k in keys[:EVIDENCE_SHOWN])
            pairs.append(SharedPair(a, b, len(keys), shown))
    return pairs


def shared_flags(pairs: list[SharedPair], names: dict[str, str | None]) -> dict[str, list[ReviewFlag]]:
    """Each flagged student's student-level `shared-work` flags (item None), one per other student."""
    flags: dict[str, list[ReviewFlag]] = {}
    for pair in pairs:
        for me, other in ((pair.a, pair.b), (pair.b, pair.a)):
            who = f"{other} ({names[other]})" if names.get(other) else other
            reason = (f"The notebooks share {pair.count} things only one run can print with student {who}'s: "
                      f"{'; '.join(pair.evidence[:3])}.")
            flags.setdefault(me, []).append(ReviewFlag(kind=ReviewKind.SHARED_WORK, reason=reason, item=None))
    return flags


def is_class_flag(flag: dict[str, Any]) -> bool:
    """A flag this pass wrote (replaced each time the class is built)."""
    return flag.get("kind") == ReviewKind.SHARED_WORK.value and flag.get("item") is None


LOG_FIGURES_KEPT = 3  # a published run's first training-log figures kept (besides its test scores)


def published_run(nb: Notebook, fingerprints: tuple[Fingerprint, ...], name: str, role: str) -> dict[str, Any]:
    """A `known_solutions` entry (grader.facts.params.KnownSolution) for a run the course
    published: the figures it printed outside its training logs (the metrics, line by line, so
    a `print(rmse)` after `fit()` in the same stream counts), the first few and the test scores
    of its logs, its SDK job names, its logs' time stamps and the plots drawn after training (a
    plot of the data, drawn before, is every run's alike). A few of each, not all of them: any
    one flags a notebook, and a short entry stays readable."""
    by_kind: dict[str, list[Fingerprint]] = {}
    for f in fingerprints:
        by_kind.setdefault(f.kind, []).append(f)
    figures: list[str] = []
    log_figures: list[str] = []
    scores: list[str] = []
    for cell in nb.cells:
        for out in cell.outputs:
            if out.kind in (ERROR, STDERR) or not out.text:
                continue
            own, log = split_log(out.text)
            figures += printed_figures(own)
            log_figures += printed_figures(log)
            scores += [f for line in log.split("\n") if "#test_score" in line or "quality_metric: host=algo-1, test " in line
                       for f in printed_figures(line)]
    entry: dict[str, Any] = {"name": name, "notebook": role,
                             "figures": list(dict.fromkeys(figures + log_figures[:LOG_FIGURES_KEPT] + scores))}
    for kind, key in (("job", "jobs"), ("timestamp", "timestamps")):
        entry[key] = [f.value for f in by_kind.get(kind, [])]
    trained_at = min((f.place.cell for f in by_kind.get("timestamp", [])), default=None)
    entry["images"] = [f.value for f in by_kind.get("image", []) if trained_at is not None and f.place.cell > trained_at]
    return {k: v for k, v in entry.items() if v}
