"""Issue 14: role ARNs and external ids are validated as AWS's formats, before any call."""

from __future__ import annotations

import pytest

from grader.aws.session import AwsTarget, check_target
from grader.errors import InputError


@pytest.mark.parametrize("arn", [
    "arn:aws:iam::123456789012:role/grader",
    "arn:aws-cn:iam::123456789012:role/service-role/AmazonSageMaker-ExecutionRole-20200312T173600",
    "arn:aws-us-gov:iam::123456789012:role/a/b/c+=,.@-_",
])
def test_good_role_arns(arn):
    check_target(AwsTarget(role_arn=arn, external_id="ext-123"), None)


@pytest.mark.parametrize("arn", [
    "arn:awsfoo:iam::123456789012:role/grader",  # not a partition
    "arn:aws-iso:iam::123456789012:role/grader",
    "arn:aws:iam::123456789012:role/grader\n",  # trailing newline
    "arn:aws:iam::12345678901:role/grader",  # 11 digits
    "arn:aws:iam::123456789012:role/gr\u00e4der",  # a Unicode letter
    "arn:aws:iam::123456789012:role/" + "r" * 65,  # a name over 64
    "arn:aws:iam::123456789012:role/path/",  # no name
    "arn:aws:iam::123456789012:user/grader",
])
def test_bad_role_arns(arn):
    with pytest.raises(InputError):
        check_target(AwsTarget(role_arn=arn, external_id="ext-123"), None)


@pytest.mark.parametrize("ext", ["ab", "x" * 1224, "a+=,.@:/-_9"])
def test_good_external_ids(ext):
    check_target(AwsTarget(role_arn="arn:aws:iam::123456789012:role/g", external_id=ext), None)


@pytest.mark.parametrize("ext", ["a", "x" * 1225, "abc\n", "caf\u00e9-id", "\u0661\u0662\u0663", "a b"])
def test_bad_external_ids(ext):
    with pytest.raises(InputError):
        check_target(AwsTarget(role_arn="arn:aws:iam::123456789012:role/g", external_id=ext), None)
