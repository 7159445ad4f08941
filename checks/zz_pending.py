"""TEMPORARY (removed before landing): registers rubric items whose checks are not built yet."""

from grader.models import CheckResult, Status
from grader.registry import REGISTRY, check

for _id, _cat in [
    ("s3-private-bucket", "S3"), ("s3-private-object", "S3"), ("s3-public-bucket", "S3"), ("s3-public-object", "S3"),
    ("sagemaker-rainfall-training", "SageMaker"), ("sagemaker-rainfall-data", "SageMaker"),
    ("sagemaker-credit-training", "SageMaker"), ("cleanup-endpoints", "Clean-up"),
    ("cleanup-endpoint-configs", "Clean-up"), ("cleanup-cost-leaks", "Clean-up"),
    ("nb-rainfall-executed", "Notebooks"), ("nb-rainfall-metrics", "Notebooks"), ("nb-credit-executed", "Notebooks"),
    ("nb-credit-accuracy", "Notebooks"), ("nb-credit-workflow", "Notebooks"), ("nb-evidence-link", "Notebooks"),
]:
    if _id not in REGISTRY:
        check(_id, title=_id, category=_cat, remediation="-")(
            lambda ctx, params: CheckResult(status=Status.SKIP, message="pending")
        )
