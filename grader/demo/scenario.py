"""Build one synthetic student account in moto, complete or with the lesson's typical mistakes.

`Scenario()` is the lesson done right, in a modern (post-April-2023) account: an
`administrator` user in `Administrators` with AdministratorAccess, console password without a
reset, one active key; a private bucket `sm-models-*` in us-east-2 with all Block Public Access
flags on and `BucketOwnerEnforced`, holding a private object, the rainfall training/test data as
RecordIO-protobuf and both model artifacts; a public bucket `public-share-*` in ca-central-1 with
Block Public Access off, ACLs enabled and a public-read object; two Completed linear-learner jobs
(regressor, binary_classifier) in us-east-2; endpoints and their configs deleted. Each field
below switches one mistake on.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urlparse

import boto3
from botocore.config import Config

ADMIN_POLICY = "arn:aws:iam::aws:policy/AdministratorAccess"
LL_IMAGE = "{acct}.dkr.ecr.{region}.amazonaws.com/linear-learner:1"
LL_ACCOUNTS = {"us-east-2": "404615174143", "us-east-1": "382416733822", "us-west-2": "174872318107",
               "ca-central-1": "469771592824", "eu-west-1": "438346466558"}
ROLE = "arn:aws:iam::{account}:role/service-role/AmazonSageMaker-ExecutionRole-20200312T173600"
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000") + b"\x00" * 16


@dataclass
class Scenario:
    """One student's account. Defaults: the lesson done right."""

    label: str = "complete"
    stamp: str = "20261128-1000"
    sagemaker_region: str = "us-east-2"
    # IAM
    admin_user: bool = True
    admin_user_name: str = "administrator"
    admin_via: str = "group"  # group | user (policy attached to the user) | other-group | none
    console_password: bool = True
    password_reset_required: bool = False
    access_keys: tuple[str, ...] = ("Active",)
    root_mfa: bool = True
    root_access_keys: bool = False
    # S3: private bucket
    private_bucket: bool = True
    private_bucket_name: str | None = None  # default sm-models-<stamp>
    private_blocked: bool = True  # all four BPA flags on
    private_object_public: bool = False  # a public-read object (ACLs enabled, ACL flags off)
    private_region: str | None = None  # default: sagemaker_region
    # S3: public bucket
    public_bucket: bool = True
    public_bucket_name: str | None = None  # default public-share-<stamp>
    public_region: str = "ca-central-1"
    public_blocked: bool = False  # True: left with all four BPA flags on (the 2023 default)
    public_route: str = "acl"  # acl | policy | none (object never made public)
    public_policy: dict[str, Any] | None = None  # this bucket policy instead ("{bucket}" is replaced)
    public_flags_on: tuple[str, ...] = ()  # these Block Public Access flags left on (e.g. "IgnorePublicAcls")
    account_bpa: bool = False  # account-level Block Public Access (S3 Control), all four flags on
    private_extra_objects: int = 0  # that many more objects in the private bucket (put in moto directly)
    studio_bucket: bool = False  # SageMaker Studio's own sagemaker-<region>-<account> bucket
    # SageMaker
    rainfall_job: bool = True
    rainfall_output_bucket: str | None = None  # default: the private bucket
    rainfall_image: str | None = None  # a custom training image (default: the built-in linear-learner)
    credit_job: bool = True
    training_data: str = "recordio"  # recordio | csv | none
    test_data: bool = True
    artifact_deleted: bool = False
    endpoints_left: tuple[str, ...] = ()  # regions where an InService endpoint is left
    configs_left: tuple[str, ...] = ()  # regions where an endpoint config is left
    notebook_instance_running: str | None = None  # region
    studio_domain: str | None = None  # region with a Studio domain
    extra_buckets: tuple[str, ...] = ()
    # Names a student chose (hostile-string tests put markup, quotes and newlines in them)
    private_object_key: str = "private-wink-face.png"
    public_object_key: str = "public-happy-face.png"
    left_endpoint_names: tuple[str, ...] = ()  # names of the endpoints_left (default linear-learner-left-<i>-<stamp>)

    @property
    def private_name(self) -> str:
        return self.private_bucket_name or f"sm-models-{self.stamp}"

    @property
    def public_name(self) -> str:
        return self.public_bucket_name or f"public-share-{self.stamp}"

    def job_name(self, kind: str) -> str:
        return f"linear-learner-{kind}-{self.stamp}"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class BuiltStudent:
    account_id: str
    role_arn: str
    scenario: Scenario
    resources: dict[str, Any] = field(default_factory=dict)


def _strip_account_host(request, **_kwargs) -> None:
    request.url = re.sub(r"^(https?://)\d{12}\.", r"\1", request.url)


def _check_local(endpoint_url: str) -> None:
    host = urlparse(endpoint_url).hostname or ""
    if not (host in ("localhost", "::1") or host.startswith("127.")):
        raise ValueError(f"refusing to build a synthetic account at {endpoint_url}: not a local address")


def account_session(endpoint_url: str, account_id: str) -> boto3.Session:
    """A session whose calls land in `account_id` on the moto server (assume-role recipe)."""
    sts = boto3.client("sts", region_name="us-east-1", endpoint_url=endpoint_url,
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    creds = sts.assume_role(RoleArn=f"arn:aws:iam::{account_id}:role/grader-builder", RoleSessionName="build")[
        "Credentials"]
    return boto3.Session(aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                         aws_session_token=creds["SessionToken"])


def recordio(features, labels) -> bytes:
    """RecordIO-protobuf bytes as the lesson's notebook writes them (float32 rows and labels)."""
    from grader.recordio import write_dense_records

    return write_dense_records(features, labels)


class _Builder:
    def __init__(self, endpoint_url: str, account_id: str, sc: Scenario):
        self.url, self.account, self.sc = endpoint_url, account_id, sc
        self.session = account_session(endpoint_url, account_id)
        self.cfg = Config(s3={"addressing_style": "path"}, retries={"max_attempts": 2})
        self.made_buckets: set[str] = set()

    def c(self, service: str, region: str = "us-east-1"):
        return self.session.client(service, region_name=region, endpoint_url=self.url, config=self.cfg)

    # -- IAM ---------------------------------------------------------------------------------
    def iam(self) -> None:
        sc, iam = self.sc, self.c("iam")
        if sc.admin_user:
            user = sc.admin_user_name
            iam.create_user(UserName=user)
            if sc.admin_via in ("group", "other-group"):
                group = "Administrators" if sc.admin_via == "group" else "PowerUsers"
                iam.create_group(GroupName=group)
                iam.attach_group_policy(GroupName=group, PolicyArn=ADMIN_POLICY)
                iam.add_user_to_group(GroupName=group, UserName=user)
            elif sc.admin_via == "user":
                iam.create_group(GroupName="Administrators")
                iam.add_user_to_group(GroupName="Administrators", UserName=user)
                iam.attach_user_policy(UserName=user, PolicyArn=ADMIN_POLICY)
            if sc.console_password:
                iam.create_login_profile(UserName=user, Password="Lesson-13.2-pass!",
                                         PasswordResetRequired=sc.password_reset_required)
                if sc.password_reset_required:  # moto ignores the flag on create: set its state
                    from moto.iam.models import iam_backends

                    iam_backends[self.account]["aws"].users[user].password_reset_required = True
            for status in sc.access_keys:
                key = iam.create_access_key(UserName=user)["AccessKey"]["AccessKeyId"]
                if status != "Active":
                    iam.update_access_key(UserName=user, AccessKeyId=key, Status=status)
        iam.create_user(UserName="data-scientist")  # another user, as real accounts have
        self._root_summary()

    def _root_summary(self) -> None:
        """moto always reports root MFA off and no root keys; set the summary directly."""
        from moto.iam.models import iam_backends

        summary = iam_backends[self.account]["aws"].account_summary
        summary._account_mfa_enabled = 1 if self.sc.root_mfa else 0
        if self.sc.root_access_keys:
            summary._account_access_keys_present = 1

    # -- S3 ----------------------------------------------------------------------------------
    def bucket(self, name: str, region: str, *, blocked: dict[str, bool] | None, ownership: str):
        s3 = self.c("s3", region)
        kwargs = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
        s3.create_bucket(Bucket=name, **kwargs)
        self.made_buckets.add(name)
        s3.put_bucket_ownership_controls(Bucket=name, OwnershipControls={"Rules": [{"ObjectOwnership": ownership}]})
        if blocked is not None:
            s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=blocked)
        return s3

    @staticmethod
    def flags(on: bool, **over: bool) -> dict[str, bool]:
        keys = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")
        return {k: over.get(k, on) for k in keys}

    def private(self) -> None:
        sc = self.sc
        if not sc.private_bucket:
            return
        region = sc.private_region or sc.sagemaker_region
        if sc.private_object_public:
            s3 = self.bucket(sc.private_name, region, ownership="ObjectWriter",
                             blocked=self.flags(True, BlockPublicAcls=False, IgnorePublicAcls=False))
            s3.put_object(Bucket=sc.private_name, Key=sc.private_object_key, Body=PNG, ACL="public-read")
        else:
            s3 = self.bucket(sc.private_name, region, ownership="BucketOwnerEnforced",
                             blocked=self.flags(sc.private_blocked))
            s3.put_object(Bucket=sc.private_name, Key=sc.private_object_key, Body=PNG,
                          **({} if sc.private_blocked else {"ACL": "private"}))
        self.training_data(s3)
        if sc.private_extra_objects:
            from moto.s3.models import s3_backends

            backend = s3_backends[self.account]["aws"]
            for i in range(sc.private_extra_objects):
                backend.put_object(sc.private_name, f"archive/part-{i:05d}.csv", b"0.0,54\n")

    def training_data(self, s3) -> None:
        sc = self.sc
        prefix = "austin-rainfall-regression"
        if sc.training_data == "none":
            return
        if sc.training_data == "recordio":
            train = recordio([[54.0], [46.0], [61.0], [70.0]], [0.0, 0.14, 0.0, 0.31])
            test = recordio([[58.0], [49.0]], [0.0, 0.05])
        else:
            train, test = b"0.0,54\n0.14,46\n0.0,61\n", b"0.0,58\n0.05,49\n"
        s3.put_object(Bucket=sc.private_name, Key=f"{prefix}/train/linear_train.data", Body=train)
        if sc.test_data:
            s3.put_object(Bucket=sc.private_name, Key=f"{prefix}/test/linear_test.data", Body=test)

    def public(self) -> None:
        sc = self.sc
        if not sc.public_bucket:
            return
        name = sc.public_name
        if sc.public_blocked:
            s3 = self.bucket(name, sc.public_region, ownership="BucketOwnerEnforced", blocked=self.flags(True))
            s3.put_object(Bucket=name, Key=sc.public_object_key, Body=PNG)
            return
        ownership = "BucketOwnerEnforced" if sc.public_route == "policy" else "ObjectWriter"
        s3 = self.bucket(name, sc.public_region, ownership=ownership,
                         blocked=self.flags(False, **dict.fromkeys(sc.public_flags_on, True)))
        acl = {"ACL": "public-read"} if sc.public_route == "acl" else {}
        if sc.public_route == "none" and ownership == "ObjectWriter":
            acl = {"ACL": "private"}
        s3.put_object(Bucket=name, Key=sc.public_object_key, Body=PNG, **acl)
        policy = sc.public_policy
        if policy is None and sc.public_route == "policy":
            policy = {"Version": "2012-10-17", "Statement": [{
                "Sid": "PublicRead", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::{bucket}/*"}]}
        if policy is not None:
            s3.put_bucket_policy(Bucket=name, Policy=json.dumps(policy).replace("{bucket}", name))

    def account_settings(self) -> None:
        if self.sc.account_bpa:
            ctl = self.c("s3control")
            # S3 Control prefixes the host with the account id, which a local endpoint cannot resolve
            ctl.meta.events.register("before-send.s3-control", _strip_account_host)
            ctl.put_public_access_block(AccountId=self.account, PublicAccessBlockConfiguration=self.flags(True))
        if self.sc.studio_bucket:
            region = self.sc.sagemaker_region
            self.bucket(f"sagemaker-{region}-{self.account}", region, blocked=self.flags(True),
                        ownership="BucketOwnerEnforced")

    # -- SageMaker ---------------------------------------------------------------------------
    def jobs(self) -> None:
        sc = self.sc
        region = sc.sagemaker_region
        sm = self.c("sagemaker", region)
        image = LL_IMAGE.format(acct=LL_ACCOUNTS.get(region, "404615174143"), region=region)
        out_bucket = sc.rainfall_output_bucket or sc.private_name
        specs = []
        if sc.rainfall_job:
            specs.append(("rainfall", "regressor", f"s3://{out_bucket}/austin-rainfall-regression/output", "1"))
        if sc.credit_job:
            specs.append(("credit", "binary_classifier", f"s3://{sc.private_name}/credit-risk/output", "37"))
        for kind, ptype, out, dim in specs:
            name = sc.job_name(kind)
            sm.create_training_job(
                TrainingJobName=name,
                AlgorithmSpecification={"TrainingImage": (sc.rainfall_image if kind == "rainfall" else None) or image,
                                        "TrainingInputMode": "File"},
                RoleArn=ROLE.format(account=self.account),
                HyperParameters={"feature_dim": dim, "predictor_type": ptype, "mini_batch_size": "100",
                                 "epochs": "10"},
                InputDataConfig=[{"ChannelName": "train", "DataSource": {"S3DataSource": {
                    "S3DataType": "S3Prefix", "S3Uri": f"s3://{sc.private_name}/{kind}/train"}}}],
                OutputDataConfig={"S3OutputPath": out},
                ResourceConfig={"InstanceType": "ml.m4.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 10},
                StoppingCondition={"MaxRuntimeInSeconds": 3600},
            )
            if not (kind == "rainfall" and sc.artifact_deleted):
                bucket, _, key = out.removeprefix("s3://").partition("/")
                if bucket in self.made_buckets:
                    self.c("s3", "us-east-1").put_object(Bucket=bucket, Key=f"{key}/{name}/output/model.tar.gz",
                                                         Body=b"\x1f\x8b model")
        # The lesson deploys each model and then deletes endpoint and config.
        for kind, *_ in specs:
            self.endpoint(region, sc.job_name(kind), keep_endpoint=False, keep_config=False)
        for i, r in enumerate(sc.endpoints_left):
            name = sc.left_endpoint_names[i] if i < len(sc.left_endpoint_names) else f"linear-learner-left-{i}-{sc.stamp}"
            self.endpoint(r, name, keep_endpoint=True, keep_config=True)
        for i, r in enumerate(sc.configs_left):
            self.endpoint(r, f"linear-learner-cfg-{i}-{sc.stamp}", keep_endpoint=False, keep_config=True)
        if sc.notebook_instance_running:
            self.c("sagemaker", sc.notebook_instance_running).create_notebook_instance(
                NotebookInstanceName=f"lesson-13-2-{sc.stamp}", InstanceType="ml.t2.medium",
                RoleArn=ROLE.format(account=self.account))
        if sc.studio_domain:
            self.c("sagemaker", sc.studio_domain).create_domain(
                DomainName="studio", AuthMode="IAM", DefaultUserSettings={"ExecutionRole": ROLE.format(
                    account=self.account)}, SubnetIds=["subnet-1"], VpcId="vpc-1")

    def endpoint(self, region: str, name: str, *, keep_endpoint: bool, keep_config: bool) -> None:
        sm = self.c("sagemaker", region)
        image = LL_IMAGE.format(acct=LL_ACCOUNTS.get(region, "404615174143"), region=region)
        sm.create_model(ModelName=name, ExecutionRoleArn=ROLE.format(account=self.account),
                        PrimaryContainer={"Image": image})
        sm.create_endpoint_config(EndpointConfigName=name, ProductionVariants=[{
            "VariantName": "AllTraffic", "ModelName": name, "InitialInstanceCount": 1,
            "InstanceType": "ml.t2.medium"}])
        sm.create_endpoint(EndpointName=name, EndpointConfigName=name)
        if not keep_endpoint:
            sm.delete_endpoint(EndpointName=name)
        if not keep_config:
            sm.delete_endpoint_config(EndpointConfigName=name)

    def extras(self) -> None:
        for name in self.sc.extra_buckets:
            self.bucket(name, "us-east-1", blocked=self.flags(True), ownership="BucketOwnerEnforced")


def build_student(endpoint_url: str, account_id: str, scenario: Scenario | None = None) -> BuiltStudent:
    """Create `scenario` in `account_id` on a local moto server; return how to reach it."""
    _check_local(endpoint_url)
    sc = scenario or Scenario()
    b = _Builder(endpoint_url, account_id, sc)
    b.iam()
    b.extras()
    b.account_settings()
    b.private()
    b.public()
    b.jobs()
    return BuiltStudent(
        account_id=account_id,
        role_arn=f"arn:aws:iam::{account_id}:role/GraderReadOnly",
        scenario=sc,
        resources={"private_bucket": sc.private_name if sc.private_bucket else None,
                   "public_bucket": sc.public_name if sc.public_bucket else None,
                   "training_jobs": [sc.job_name(k) for k, on in (("rainfall", sc.rainfall_job),
                                                                  ("credit", sc.credit_job)) if on]},
    )
