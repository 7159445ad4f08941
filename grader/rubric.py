"""Rubrics are validated data: they pick checks by id and give them points and params.

A rubric file (YAML)::

    id: sagemaker-13.2
    title: ...
    version: "1"
    params:            # shared: rubric-level params, and params for every item whose check declares them
      regions: all
    items:
      - id: iam-admin-user   # the item id (the contract); `check:` defaults to it
        points: 5
        params: {user_name: administrator}

Validation happens before anything touches AWS; every error names the file and the item.

Two kinds of params:

- Rubric-level params (`grader.facts.params.RunParams`: the bucket patterns, `lesson_prefix`,
  `public_region`, `regions`) are decided once per run for every item: the derived facts (which
  bucket is the private one, which regions are scanned) depend on them, and items must not
  disagree about those. They belong in the shared `params:` block. An item may also set one: it
  is accepted and promoted to the run level (it applies to every item). Two items giving
  different values, or an item giving another value than the shared block, is a validation error
  naming both. A check whose params model declares a rubric-level key receives the run's value.
- Item params: the shared block's other keys apply to every item whose check's params model
  declares them, and an item's own params override them. A shared key that is neither
  rubric-level nor declared by any item's check is an error, as is an item param its check does
  not declare.

Loading binds the rubric once: `rubric.bound` holds a `BoundItem` per item with its check spec
and typed, effective params; `rubric.run_params` the rubric-level ones; `rubric.digest` a
sha256 of the effective rubric (canonical JSON of id, version, rubric-level params and each
item's id, points, check and effective params), so a changed threshold changes the digest.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator

from checks import load_checks
from grader.errors import InputError
from grader.facts.params import RUN_KEYS, RunParams
from grader.registry import CheckSpec, Params

SHIPPED_DEFAULT = "sagemaker-13.2"


class RubricItem(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1)
    check: str | None = None
    points: float = Field(ge=0, allow_inf_nan=False)
    title: str | None = None
    params: dict[str, Any] = Field(default_factory=dict)

    @property
    def check_id(self) -> str:
        return self.check or self.id


@dataclass(frozen=True)
class BoundItem:
    """A rubric item bound to its check: points, title, the check's spec and its effective params."""

    id: str
    points: float
    title: str
    spec: CheckSpec
    params: Params

    @property
    def category(self) -> str:
        return self.spec.category

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "points": self.points, "check": self.spec.id,
                "params": self.params.model_dump(mode="json")}


class Rubric(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1)
    title: str
    version: str
    description: str = ""
    params: dict[str, Any] = Field(default_factory=dict)
    items: list[RubricItem] = Field(min_length=1)
    source: str = ""
    _bound: tuple[BoundItem, ...] = PrivateAttr(default=())
    _run_params: RunParams = PrivateAttr(default_factory=RunParams)

    @field_validator("version", mode="before")
    @classmethod
    def _version_str(cls, v: Any) -> Any:
        return str(v) if isinstance(v, int | float) else v

    @property
    def bound(self) -> tuple[BoundItem, ...]:
        """Every item bound to its check with its effective params, in rubric order."""
        return self._bound

    @property
    def run_params(self) -> RunParams:
        """The rubric-level params, decided once per run for every item."""
        return self._run_params

    def item(self, item_id: str) -> BoundItem:
        found = next((b for b in self._bound if b.id == item_id), None)
        if found is None:
            raise KeyError(item_id)
        return found

    def params_for(self, item_id: str) -> Params:
        """An item's effective params (the same as `rubric.item(item_id).params`)."""
        return self.item(item_id).params

    def spec_for(self, item: RubricItem) -> CheckSpec:
        """An item's check spec (the same as `rubric.item(item.id).spec`)."""
        return self.item(item.id).spec

    @property
    def digest(self) -> str:
        """sha256 (hex) of the canonical JSON of the effective rubric."""
        doc = {"id": self.id, "version": self.version, "params": self.run_params.model_dump(mode="json"),
               "items": [b.to_json() for b in self._bound]}
        text = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    @property
    def possible(self) -> float:
        return sum(i.points for i in self.items)

    def info(self) -> dict[str, str]:
        return {"id": self.id, "title": self.title, "version": self.version}


def _run_params(rubric: Rubric, source: str) -> RunParams:
    """The rubric-level params: the shared block's, with values items set promoted (see the module
    docstring); InputError naming both sides when two disagree."""
    values = {k: v for k, v in rubric.params.items() if k in RUN_KEYS}
    given_by = dict.fromkeys(values, "the shared params")
    for item in rubric.items:
        for key in sorted(RUN_KEYS & set(item.params)):
            value = item.params[key]
            if key in values and values[key] != value:
                raise InputError(f"rubric {source}: rubric-level param {key} is given different values by "
                                 f"{given_by[key]} ({values[key]!r}) and item {item.id} ({value!r}); it is decided "
                                 "once for every item: set it once in the shared params")
            values.setdefault(key, value)
            given_by.setdefault(key, f"item {item.id}")
    try:
        return RunParams(**values)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"]) or "params"
        by = given_by.get(str(err["loc"][0]) if err["loc"] else "", "the shared params")
        where = f", {by}" if by.startswith("item ") else ""
        raise InputError(f"rubric {source}{where}: param {loc}: {err['msg']}") from None


def _bind(rubric: Rubric, item: RubricItem, spec: CheckSpec, run: RunParams, source: str) -> BoundItem:
    fields = spec.params.model_fields
    merged = {k: v for k, v in rubric.params.items() if k in fields and k not in RUN_KEYS}
    merged.update({k: getattr(run, k) for k in fields if k in RUN_KEYS})
    merged.update({k: v for k, v in item.params.items() if k not in RUN_KEYS})
    try:
        params = spec.params(**merged)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"]) or "params"
        raise InputError(f"rubric {source}, item {item.id}: param {loc}: {err['msg']}") from None
    return BoundItem(id=item.id, points=item.points, title=item.title or spec.title, spec=spec, params=params)


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    loc = ".".join(str(p) for p in err["loc"])
    return f"{loc}: {err['msg']}" if loc else err["msg"]


def shipped_rubrics() -> dict[str, Path]:
    root = resources.files("rubrics")
    return {p.name.removesuffix(".yaml"): Path(str(p)) for p in root.iterdir() if p.name.endswith(".yaml")}


def resolve(ref: str | None) -> Path:
    ref = ref or SHIPPED_DEFAULT
    shipped = shipped_rubrics()
    if ref in shipped:
        return shipped[ref]
    path = Path(ref)
    if path.is_file():
        return path
    known = ", ".join(sorted(shipped))
    raise InputError(f"rubric {ref!r}: no such shipped rubric ({known}) and no such file")


def load_rubric(ref: str | None = None) -> Rubric:
    """Load and fully validate a rubric by shipped id or file path. Raises InputError."""
    path = resolve(ref)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise InputError(f"rubric {path}: not UTF-8 text") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark else ""
        raise InputError(f"rubric {path}: not valid YAML{where}") from None
    except OSError as exc:
        raise InputError(f"rubric {path}: cannot read ({exc.strerror})") from None
    except RecursionError:
        raise InputError(f"rubric {path}: nested too deeply to be a rubric") from None
    return validate_rubric(data, str(path))


def validate_rubric(data: Any, source: str) -> Rubric:
    if not isinstance(data, dict):
        raise InputError(f"rubric {source}: expected a mapping with id, title, version and items")
    items = data.get("items")
    try:
        rubric = Rubric(**{**data, "source": source})
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = err["loc"]
        if loc and loc[0] == "items" and len(loc) > 1 and isinstance(loc[1], int) and isinstance(items, list):
            item = items[loc[1]]
            name = item.get("id", f"#{loc[1] + 1}") if isinstance(item, dict) else f"#{loc[1] + 1}"
            field = ".".join(str(p) for p in loc[2:]) or "item"
            raise InputError(f"rubric {source}, item {name}: {field}: {err['msg']}") from None
        raise InputError(f"rubric {source}: {_first_error(exc)}") from None
    registry = load_checks()
    seen: set[str] = set()
    declared: set[str] = set()
    specs: list[CheckSpec] = []
    for item in rubric.items:
        if item.id in seen:
            raise InputError(f"rubric {source}, item {item.id}: duplicate item id")
        seen.add(item.id)
        spec = registry.get(item.check_id)
        if spec is None:
            raise InputError(f"rubric {source}, item {item.id}: unknown check {item.check_id!r}")
        specs.append(spec)
        fields = spec.params.model_fields
        declared.update(fields)
        for key in item.params:
            if key not in fields and key not in RUN_KEYS:
                known = ", ".join(sorted(fields)) or "none"
                raise InputError(f"rubric {source}, item {item.id}: unknown param {key!r} (known: {known}; "
                                 f"rubric-level: {', '.join(sorted(RUN_KEYS))})")
    for key in rubric.params:
        if key not in declared and key not in RUN_KEYS:
            raise InputError(f"rubric {source}: shared param {key!r} is not used by any item's check")
    run = _run_params(rubric, source)
    rubric._run_params = run
    rubric._bound = tuple(_bind(rubric, item, spec, run, source) for item, spec in zip(rubric.items, specs, strict=True))
    return rubric
