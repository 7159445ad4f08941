"""The one region-list parser: any case, each region once, `all` alone, names botocore knows."""

from __future__ import annotations

import pytest

from grader.aws.regions import EVERY_REGION, Regions, parse_regions
from grader.errors import InputError


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("all", EVERY_REGION),
        ("ALL", EVERY_REGION),
        (" All ", EVERY_REGION),
        (["all"], EVERY_REGION),
        ("us-east-2", Regions(("us-east-2",))),
        ("US-EAST-2", Regions(("us-east-2",))),
        ("us-east-2,ca-central-1", Regions(("us-east-2", "ca-central-1"))),
        ("us-east-2; ca-central-1  us-west-2", Regions(("us-east-2", "ca-central-1", "us-west-2"))),
        ("us-east-2,US-EAST-2,us-east-2", Regions(("us-east-2",))),  # named twice counts once
        (["ca-central-1", "us-east-2", "ca-central-1"], Regions(("ca-central-1", "us-east-2"))),
        ("cn-north-1", Regions(("cn-north-1",))),  # every partition
    ],
)
def test_region_lists(value, expected):
    assert parse_regions(value, "--regions") == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (",", "--regions: give 'all' or a comma-separated list of regions"),
        ("", "--regions: give 'all' or a comma-separated list of regions"),
        ("all,us-east-2", "--regions: give 'all' or a list of regions, not both"),
        ("us-east-2,mars-1", "--regions: unknown region 'mars-1'"),
        ("us east 1", "--regions: unknown region 'us'"),
        ([1, 2], "--regions: give 'all' or a list of region names"),
    ],
)
def test_bad_region_lists_name_what(value, message):
    with pytest.raises(InputError) as info:
        parse_regions(value, "--regions")
    assert str(info.value).startswith(message)


def test_names_unchecked_when_asked_and_forms():
    assert parse_regions("Mars-1", "x", known=False) == Regions(("mars-1",))
    assert EVERY_REGION.all and EVERY_REGION.as_list() == ["all"] and str(EVERY_REGION) == "all"
    two = Regions(("us-east-2", "ca-central-1"))
    assert not two.all and two.as_list() == ["us-east-2", "ca-central-1"] and str(two) == "us-east-2,ca-central-1"
