"""What the checks read about one student's account: the raw collectors (grader.aws.facts) and
the facts derived from them, each computed lazily, once per run, and shared by every item.

Derived facts are cached like the raw ones (grader.aws.calls.cached): thread-safe, and a
FactError ("could not determine") is cached and raised again for every asker, never turned into
an empty answer.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from grader.aws.calls import CachedFacts, cached
from grader.aws.facts import AccountFacts, IamFacts, S3Facts, SageMakerFacts
from grader.aws.session import AwsAccess
from grader.facts import buckets
from grader.facts.buckets import LISTING_PAGE, BlockPublicAccess, BucketMention, Identified
from grader.facts.jobs import JobAnalysis, analyse_jobs
from grader.facts.params import RunSettings
from grader.facts.regions import RegionChoice, RegionScan, choose_regions


class Account(CachedFacts):
    def __init__(self, raw: AccountFacts, settings: RunSettings | None = None,
                 mentioned_buckets: Sequence[BucketMention] = ()):
        super().__init__()
        self.raw = raw
        self.settings = settings or RunSettings()
        self.mentioned_buckets = tuple(mentioned_buckets)  # from the notebooks: private-bucket route (1)

    # -- the raw collectors ----------------------------------------------------------------------
    @property
    def access(self) -> AwsAccess:
        return self.raw.access

    @property
    def account_id(self) -> str | None:
        return self.raw.account_id

    @property
    def iam(self) -> IamFacts:
        return self.raw.iam

    @property
    def s3(self) -> S3Facts:
        return self.raw.s3

    @property
    def sagemaker(self) -> SageMakerFacts:
        return self.raw.sagemaker

    def across(self, regions: list[str], fetch: Callable[[str], Any]) -> tuple[dict[str, Any], dict[str, str]]:
        """`fetch(region)` over regions with bounded concurrency: (values, errors by region)."""
        return self.raw.across(regions, fetch)

    # -- regions and the SageMaker listings ------------------------------------------------------
    @cached
    def regions(self) -> RegionChoice:
        """The regions scanned this run, the ones skipped, and how the list was made."""
        return choose_regions(self.settings.regions, self.raw.ec2)

    def _scan(self, what: str, fetch: Callable[[str], list[dict[str, Any]]]) -> RegionScan:
        choice = self.regions()
        values, errors = self.across(list(choice.scan), fetch)
        return RegionScan(what, list(choice.scan), list(choice.skipped), choice.how, values, errors)

    @cached
    def training_jobs(self) -> RegionScan:
        return self._scan("training jobs", self.sagemaker.training_jobs)

    @cached
    def endpoints(self) -> RegionScan:
        return self._scan("endpoints", self.sagemaker.endpoints)

    @cached
    def endpoint_configs(self) -> RegionScan:
        return self._scan("endpoint configs", self.sagemaker.endpoint_configs)

    @cached
    def notebook_instances(self) -> RegionScan:
        return self._scan("notebook instances", self.sagemaker.notebook_instances)

    @cached
    def domains(self) -> RegionScan:
        return self._scan("domains", self.sagemaker.domains)

    @cached
    def job_analysis(self) -> JobAnalysis:
        """The training jobs of every scanned region, the Completed ones described (bounded)."""
        return analyse_jobs(self.training_jobs(), self.sagemaker, self.across, self.account_id)

    # -- buckets -----------------------------------------------------------------------------------
    @cached
    def private_bucket(self) -> Identified | None:
        """The student's private bucket, or None; FactError when some bucket could not be read."""
        return buckets.find_private(self, self.mentioned_buckets)

    @cached
    def public_bucket(self) -> Identified | None:
        """The student's public bucket, or None; FactError when some bucket could not be read."""
        return buckets.find_public(self)

    @cached
    def block_public_access(self, bucket: str) -> BlockPublicAccess:
        return buckets.effective_bpa(self, bucket)

    def acls_enabled(self, bucket: str) -> tuple[bool, str]:
        """(whether ACLs take effect, the object ownership setting as text)."""
        ownership = self.s3.ownership(bucket)
        return ownership != "BucketOwnerEnforced", ownership or "not configured (ACLs enabled)"

    def keys(self, bucket: str, limit: int) -> tuple[list[str], int]:
        """(keys of the first `limit` objects, folder markers left out; how many objects were listed,
        at most `limit` + 1). The listing is one ListObjectsV2 page of up to LISTING_PAGE objects,
        shared by every item that lists the same bucket."""
        listed = self.s3.objects(bucket, "", max(limit + 1, LISTING_PAGE))
        keys = [o["Key"] for o in listed[:limit] if not (o["Key"].endswith("/") and not o.get("Size"))]
        return keys, min(len(listed), limit + 1)

    def bucket_list(self) -> dict[str, Any]:
        """The account's buckets with their regions, for evidence when none was identified."""
        return buckets.bucket_list(self)
