"""Rubric loading and validation: errors name the file and the item, before any AWS call."""

from __future__ import annotations

import pytest
import yaml

from checks import load_checks
from grader.errors import InputError
from grader.facts.params import RunParams
from grader.rubric import load_rubric, shipped_rubrics, validate_rubric

SPEC_ITEMS = {
    "iam-admin-user": 5, "iam-admin-group-policy": 5, "iam-admin-console-access": 4,
    "iam-admin-programmatic-access": 4, "iam-root-hygiene": 2, "iam-billing-access": 0,
    "s3-private-bucket": 8, "s3-private-object": 5, "s3-public-bucket": 8, "s3-public-object": 9,
    "sagemaker-rainfall-training": 5, "sagemaker-rainfall-data": 5, "sagemaker-credit-training": 5,
    "cleanup-endpoints": 8, "cleanup-endpoint-configs": 5, "cleanup-cost-leaks": 2,
    "nb-rainfall-executed": 3, "nb-rainfall-metrics": 3, "nb-credit-executed": 3, "nb-credit-accuracy": 6,
    "nb-credit-workflow": 5, "nb-evidence-link": 0,
    "nb-credit-reproduced": 0, "nb-rainfall-reproduced": 0,  # the spec's "Reproduction" items
}


def test_shipped_rubric_has_every_spec_item_with_its_points():
    rubric = load_rubric()
    assert rubric.id == "sagemaker-13.2"
    assert {i.id: i.points for i in rubric.items} == SPEC_ITEMS
    assert rubric.possible == 100
    assert "sagemaker-13.2" in shipped_rubrics()


def write(tmp_path, data, name="r.yaml"):
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data), encoding="utf-8")
    return path


def base():
    return {"id": "mini", "title": "Mini", "version": 1, "items": [{"id": "iam-admin-user", "points": 5}]}


def test_a_copy_with_changed_params_loads(tmp_path):
    data = base()
    data["items"][0]["params"] = {"admin_user": "admin"}
    rubric = load_rubric(str(write(tmp_path, data)))
    assert rubric.params_for("iam-admin-user").admin_user == "admin"
    assert rubric.version == "1"


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d["items"][0].update(points=-1), "item iam-admin-user: points: Input should be greater than or equal to 0"),
        (lambda d: d["items"][0].update(id="nope"), "item nope: unknown check 'nope'"),
        (lambda d: d["items"].append({"id": "iam-admin-user", "points": 1}), "item iam-admin-user: duplicate item id"),
        (lambda d: d["items"][0].update(params={"colour": "red"}), "item iam-admin-user: unknown param 'colour'"),
        (lambda d: d["items"][0].update(params={"admin_user": 5}), "item iam-admin-user: param admin_user"),
        (lambda d: d.update(params={"nobody_uses": 1}), "shared param 'nobody_uses' is not used"),
        (lambda d: d.pop("title"), "title: Field required"),
        (lambda d: d.update(items=[]), "items: List should have at least 1 item"),
        (lambda d: d["items"][0].update(bogus=1), "item iam-admin-user: bogus: Extra inputs are not permitted"),
        (lambda d: d.update(colour=1), "colour: Extra inputs are not permitted"),
    ],
)
def test_invalid_rubrics_name_file_and_item(tmp_path, mutate, message):
    data = base()
    mutate(data)
    path = write(tmp_path, data)
    with pytest.raises(InputError) as info:
        load_rubric(str(path))
    assert str(path) in str(info.value)
    assert message in str(info.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("id: [unclosed", "not valid YAML"),
        ("- a\n- b\n", "expected a mapping"),
        ("", "expected a mapping"),
    ],
)
def test_malformed_files(tmp_path, text, message):
    with pytest.raises(InputError, match=message):
        load_rubric(str(write(tmp_path, text)))


def test_missing_rubric_is_an_input_error():
    with pytest.raises(InputError, match="no such shipped rubric"):
        load_rubric("does-not-exist.yaml")


def test_binary_file_is_an_input_error(tmp_path):
    path = tmp_path / "r.yaml"
    path.write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(InputError, match="not UTF-8"):
        load_rubric(str(path))


def test_every_registered_check_has_metadata():
    """Meta-test: every check has a title, category, remediation, params schema and docs."""
    registry = load_checks()
    assert set(SPEC_ITEMS) <= set(registry)
    for spec in registry.values():
        assert spec.title and spec.remediation and spec.category, spec.id
        assert spec.params.model_json_schema()["type"] == "object", spec.id
        if "aws" in spec.needs and spec.id != "iam-billing-access":
            assert spec.permissions, f"{spec.id} declares no IAM permissions"


def two_items(**params):
    data = {"id": "mini", "title": "Mini", "version": 1, "items": [
        {"id": "s3-private-bucket", "points": 1}, {"id": "sagemaker-rainfall-data", "points": 1}]}
    for item_id, value in params.items():
        target = data if item_id == "shared" else next(i for i in data["items"] if i["id"] == item_id.replace("_", "-"))
        target["params"] = value
    return data


def test_a_rubric_level_param_on_one_item_applies_to_the_run():
    rubric = validate_rubric(two_items(s3_private_bucket={"private_bucket_patterns": ["course-*"]}), "r.yaml")
    assert rubric.run_params.private_bucket_patterns == ["course-*"]
    assert rubric.params_for("s3-private-bucket").model_dump() == {"sagemaker_region": "us-east-2"}


@pytest.mark.parametrize(
    ("params", "names"),
    [
        ({"s3_private_bucket": {"lesson_prefix": "a/"}, "sagemaker_rainfall_data": {"lesson_prefix": "b/"}},
         ["item s3-private-bucket ('a/')", "item sagemaker-rainfall-data ('b/')"]),
        ({"shared": {"lesson_prefix": "a/"}, "sagemaker_rainfall_data": {"lesson_prefix": "b/"}},
         ["the shared params ('a/')", "item sagemaker-rainfall-data ('b/')"]),
    ],
)
def test_two_values_of_a_rubric_level_param_are_an_error_naming_both(params, names):
    with pytest.raises(InputError) as info:
        validate_rubric(two_items(**params), "r.yaml")
    assert "rubric r.yaml: rubric-level param lesson_prefix" in str(info.value)
    assert all(n in str(info.value) for n in names), str(info.value)


def test_the_same_value_twice_is_not_a_conflict():
    same = {"regions": ["us-east-2"]}
    rubric = validate_rubric(two_items(shared=same, s3_private_bucket=same), "r.yaml")
    assert rubric.run_params.scan_regions.names == ("us-east-2",)


def test_regions_any_case_once_and_unknown_names_are_an_error(tmp_path):
    rubric = validate_rubric(two_items(shared={"regions": "US-EAST-2, us-east-2;CA-CENTRAL-1"}), "r.yaml")
    assert rubric.run_params.regions == ["us-east-2", "ca-central-1"]
    assert validate_rubric(two_items(shared={"regions": "ALL"}), "r.yaml").run_params.scan_regions.all
    with pytest.raises(InputError, match="rubric r.yaml: param regions: unknown region 'mars-1'"):
        validate_rubric(two_items(shared={"regions": ["mars-1"]}), "r.yaml")


def test_items_are_bound_once_with_spec_and_typed_params():
    rubric = load_rubric()
    assert [b.id for b in rubric.bound] == [i.id for i in rubric.items]
    for bound in rubric.bound:
        assert bound.spec is load_checks()[bound.id]
        assert isinstance(bound.params, bound.spec.params)
        assert bound.params.model_dump(mode="json") == bound.to_json()["params"]
    assert rubric.item("s3-private-object").params.max_objects == 50
    # the shipped rubric writes out the defaults, and the course's published runs (data, not a threshold)
    assert rubric.run_params == RunParams(known_solutions=rubric.run_params.known_solutions)
    assert len(rubric.run_params.known_solutions) == 4


def test_every_threshold_of_the_aws_items_is_written_in_the_shipped_rubric():
    """Every param of every non-notebook item's check has a value in the shipped YAML (item or shared)."""
    import yaml

    from grader.rubric import resolve

    data = yaml.safe_load(resolve(None).read_text(encoding="utf-8"))
    assert set(RunParams.model_fields) <= set(data["params"])
    for entry in data["items"]:
        if entry["id"].startswith("nb-"):
            continue
        written = set(entry.get("params", {})) | set(data["params"])
        declared = set(load_checks()[entry["id"]].params.model_fields)
        assert declared <= written, (entry["id"], declared - written)


def test_the_digest_changes_with_an_effective_threshold_only(tmp_path):
    import yaml

    from grader.rubric import resolve

    data = yaml.safe_load(resolve(None).read_text(encoding="utf-8"))
    shipped = validate_rubric(data, "a.yaml")
    assert len(shipped.digest) == 64 and shipped.digest == validate_rubric(data, "b.yaml").digest  # not the path
    data["description"] = "another text"
    assert validate_rubric(data, "a.yaml").digest == shipped.digest
    data["items"][7].setdefault("params", {})["max_objects"] = 49
    assert data["items"][7]["id"] == "s3-private-object"
    assert validate_rubric(data, "a.yaml").digest != shipped.digest
    data["items"][7]["params"]["max_objects"] = 50
    data["params"]["lesson_prefix"] = "other/"
    assert validate_rubric(data, "a.yaml").digest != shipped.digest
