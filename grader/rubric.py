"""Rubrics are validated data: they pick checks by id and give them points and params.

A rubric file (YAML)::

    id: sagemaker-13.2
    title: ...
    version: "1"
    params:            # shared by every item whose check declares the parameter
      regions: all
    items:
      - id: iam-admin-user   # the item id (the contract); `check:` defaults to it
        points: 5
        params: {user_name: administrator}

Validation happens before anything touches AWS; every error names the file and the item.
Shared `params` apply to every check whose params model declares them; a shared key no check
declares is an error, as is an item param its check does not declare.
"""

from __future__ import annotations

from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from grader.aws.session import check_regions
from grader.errors import InputError
from grader.registry import CheckSpec, load_checks

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


class Rubric(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1)
    title: str
    version: str
    description: str = ""
    params: dict[str, Any] = Field(default_factory=dict)
    items: list[RubricItem] = Field(min_length=1)
    source: str = ""

    @field_validator("version", mode="before")
    @classmethod
    def _version_str(cls, v: Any) -> Any:
        return str(v) if isinstance(v, int | float) else v

    @cached_property
    def _params_by_item(self) -> dict[str, BaseModel]:
        return {item.id: _item_params(self, item, load_checks()[item.check_id]) for item in self.items}

    def params_for(self, item_id: str) -> BaseModel:
        return self._params_by_item[item_id]

    def spec_for(self, item: RubricItem) -> CheckSpec:
        return load_checks()[item.check_id]

    @property
    def possible(self) -> float:
        return sum(i.points for i in self.items)

    def info(self) -> dict[str, str]:
        return {"id": self.id, "title": self.title, "version": self.version}


def _item_params(rubric: Rubric, item: RubricItem, spec: CheckSpec) -> BaseModel:
    fields = spec.params.model_fields
    merged = {k: v for k, v in rubric.params.items() if k in fields}
    merged.update(item.params)
    try:
        return spec.params(**merged)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"]) or "params"
        raise InputError(f"rubric {rubric.source or rubric.id}, item {item.id}: param {loc}: {err['msg']}") from None


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
    for item in rubric.items:
        if item.id in seen:
            raise InputError(f"rubric {source}, item {item.id}: duplicate item id")
        seen.add(item.id)
        spec = registry.get(item.check_id)
        if spec is None:
            raise InputError(f"rubric {source}, item {item.id}: unknown check {item.check_id!r}")
        fields = spec.params.model_fields
        declared.update(fields)
        for key in item.params:
            if key not in fields:
                known = ", ".join(sorted(fields)) or "none"
                raise InputError(f"rubric {source}, item {item.id}: unknown param {key!r} (known: {known})")
    for key in rubric.params:
        if key not in declared:
            raise InputError(f"rubric {source}: shared param {key!r} is not used by any item's check")
    rubric._params_by_item  # noqa: B018 - validate every item's params now, before any AWS call
    for item in rubric.items:  # `regions` (every check that scans regions names it so): real region names
        regions = getattr(rubric.params_for(item.id), "regions", None)
        if isinstance(regions, str) and regions.strip() != "all":
            regions = [r.strip() for r in regions.split(",") if r.strip()]
        if isinstance(regions, list):
            check_regions(regions, f"rubric {source}, item {item.id}: param regions")
    return rubric
