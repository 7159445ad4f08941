"""What a notebook names, read from its source and outputs before it runs: the region it worked
in, the buckets it uses (the fake account must have them, as the student's had), and whether its
train/test split is fixed. Pure functions over cell texts.
"""

from __future__ import annotations

import re
from collections import Counter

from grader.reproduce.results import Split

DEFAULT_REGION = "us-east-2"
_REGION = re.compile(r"\b((?:us|eu|ap|ca|sa|me|af|il|mx)-(?:gov-)?(?:north|south|east|west|central|northeast|"
                     r"southeast|northwest|southwest)-\d)\b")
_BUCKET_ASSIGN = re.compile(r"""^\s*\w*bucket\w*\s*=\s*(?:[rfbu]{0,2})['"]([a-z0-9][a-z0-9.\-]{1,61}[a-z0-9])['"]""",
                            re.IGNORECASE | re.MULTILINE)
_S3_URI = re.compile(r"s3://([a-z0-9][a-z0-9.\-]{1,61}[a-z0-9])(?=/|\b)")
_BUCKET_CALL = re.compile(r"""Bucket\s*(?:=|\()\s*['"]([a-z0-9][a-z0-9.\-]{1,61}[a-z0-9])['"]""")
_SPLIT = re.compile(r"train_test_split\s*\(")


def region_of(texts: list[str]) -> str:
    """The region named most often (image URIs, endpoints, printed regions); default us-east-2."""
    counts = Counter(m.group(1) for t in texts for m in _REGION.finditer(t))
    return counts.most_common(1)[0][0] if counts else DEFAULT_REGION


def buckets_of(texts: list[str]) -> list[str]:
    """Bucket names the notebook assigns, calls or shows in s3:// URIs (first seen first);
    placeholders and the SDK's default bucket (it creates that one itself) are left out."""
    seen: list[str] = []
    for t in texts:
        for rx in (_BUCKET_ASSIGN, _BUCKET_CALL, _S3_URI):
            for m in rx.finditer(t):
                name = m.group(1).lower()
                if "{" in name or name.startswith("sagemaker-us-") or ".." in name:
                    continue
                if name not in seen:
                    seen.append(name)
    return seen[:20]


def _call_args(source: str, start: int) -> str:
    """The text between the parentheses of the call starting at `start` (balanced)."""
    depth, i = 0, source.index("(", start)
    for j in range(i, len(source)):
        if source[j] == "(":
            depth += 1
        elif source[j] == ")":
            depth -= 1
            if depth == 0:
                return source[i + 1 : j]
    return source[i + 1 :]


def split_of(cells: list[tuple[int, str]]) -> Split:
    """The first train_test_split call in the code cells [(index, source)]; seeded when it passes a
    fixed `random_state` (not None) or `shuffle=False`."""
    for index, source in cells:
        code = "\n".join(line.split("#", 1)[0] for line in source.splitlines())
        m = _SPLIT.search(code)
        if not m:
            continue
        args = _call_args(code, m.start())
        state = re.search(r"random_state\s*=\s*([^,)\s]+)", args)
        seeded = bool(state and state.group(1) != "None") or bool(re.search(r"shuffle\s*=\s*False", args))
        return Split(cell=index, call=f"train_test_split({' '.join(args.split())[:160]})", seeded=seeded)
    return Split()
