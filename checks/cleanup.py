"""Clean-up items (lesson step 10): no endpoints, no endpoint configurations, nothing left running.

Every scanned region is listed once per run (`ctx.account.endpoints()` and the other listings:
derived facts shared with the SageMaker items). A leftover found in a readable region is a verdict even when another region could
not be read (it is named in evidence); "nothing left" needs every region read, else `error`.

`cleanup-cost-leaks` is advisory (`warn`, full points). Studio apps are checked only where a Studio
domain exists; when the Studio APIs do not answer (ListApps is not implemented on every endpoint,
or access is denied), evidence says what was not checked and why, the rest still counts, and the
item is `warn`, not `error`. A Studio read that failed transiently (throttled past retries, timed
out, unreachable) is no such answer: the item is `error`, so a rerun decides it. Notebook instances and training jobs that could not be listed, with
nothing found running elsewhere, make it `error`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import Field

from checks._common import Params, because, cannot_tell, failed, passed, result, warned, when
from grader.aws.calls import is_transient
from grader.context import Context
from grader.facts.account import Account
from grader.models import CheckResult, Status
from grader.registry import check

STEP10 = "Lesson step 10 (Deleting AWS Resources)"
MAX_ENDPOINTS_DESCRIBED = 10  # instance types of leftover endpoints: 2 calls each, bounded
MAX_LISTED = 50  # entries listed in evidence

RUNNING_APP_EXCLUDED = ("JupyterServer", "default")  # (AppType, AppName) of Studio's default app


class EndpointParams(Params):
    hourly_usd: dict[str, float] = Field(
        default_factory=lambda: dict(HOURLY_USD),
        description="on-demand price per hour of an endpoint instance type (USD, us-east-1, real-time inference): "
        "the cost estimate shown for a live endpoint; a type not listed shows no estimate",
    )


# Published on-demand prices of SageMaker real-time inference instances (us-east-1, USD per hour),
# the types the lesson's notebooks deploy on. Other regions cost a little more or less: an estimate.
HOURLY_USD = {"ml.t2.medium": 0.056, "ml.t2.large": 0.111, "ml.t2.xlarge": 0.223, "ml.m4.xlarge": 0.24,
              "ml.m5.large": 0.115, "ml.m5.xlarge": 0.23, "ml.c5.large": 0.102, "ml.c5.xlarge": 0.204,
              "ml.c4.xlarge": 0.239, "ml.t3.medium": 0.05}


@check(
    "cleanup-endpoints",
    title="No SageMaker endpoint is left in any region",
    category="Clean-up",
    params=EndpointParams,
    permissions=["ec2:DescribeRegions", "sagemaker:ListEndpoints", "sagemaker:DescribeEndpoint",
                 "sagemaker:DescribeEndpointConfig"],
    remediation=f"{STEP10}: in the SageMaker console of each region listed, open Inference > Endpoints, select "
    "each endpoint and choose Actions > Delete (or run `sagemaker.Session().delete_endpoint(...)`).",
)
def cleanup_endpoints(ctx: Context, params: EndpointParams) -> CheckResult:
    """No endpoint exists in any scanned region; an endpoint that is `Deleting` counts as deleted.
    A live endpoint is the one mistake that costs money every hour: the message names its region,
    instance type and age with a cost estimate, and the remediation how to delete it there."""
    scan = ctx.account.endpoints()
    evidence = scan.evidence()
    left = [(r, e) for r, e in scan.items() if e.get("EndpointStatus") != "Deleting"]
    deleting = [f"{e['EndpointName']} ({r})" for r, e in scan.items() if e.get("EndpointStatus") == "Deleting"]
    if deleting:
        evidence["deleting_counted_as_deleted"] = deleting[:MAX_LISTED]
    if left:
        listed = _with_instance_types(ctx.account, left[:MAX_LISTED])
        for entry, (_, raw) in zip(listed, left, strict=False):
            _add_cost(entry, raw.get("CreationTime"), params.hourly_usd)
        names = ", ".join(_described(e) for e in listed[:5])
        more = f" and {len(left) - 5} more" if len(left) > 5 else ""
        hourly = sum(e.get("usd_per_hour") or 0.0 for e in listed)
        cost = f" About ${hourly:.2f} an hour in all (an estimate)." if hourly else ""
        first = listed[0]
        how = (f"{STEP10}: delete it now: in the SageMaker console of {first['region']} open Inference > Endpoints, "
               f"select {first['endpoint']} and choose Actions > Delete, or run `aws sagemaker delete-endpoint "
               f"--endpoint-name {first['endpoint']} --region {first['region']}`"
               + (" (and likewise for the others listed)" if len(left) > 1 else "") + "; then delete its endpoint "
               "configuration.")
        res = failed(f"{len(left)} SageMaker endpoint(s) still running and costing money: {names}{more}.{cost}",
                     endpoints=listed, endpoints_total=len(left), **evidence)
        return because(res, "live-endpoint", how)
    if scan.unreadable:
        return cannot_tell("endpoints", scan.unreadable_named(), evidence)
    return passed(f"No SageMaker endpoint exists in the {_regions(scan.regions)} scanned.", **evidence)


def _with_instance_types(account: Account, left: list[tuple[str, dict[str, Any]]]) -> list[dict[str, Any]]:
    """Each leftover endpoint with region, status, creation time and instance type(s); the instance
    type comes from its endpoint config's variants (DescribeEndpoint + DescribeEndpointConfig), for
    the first MAX_ENDPOINTS_DESCRIBED only. A failed lookup leaves the type unknown, with the reason."""
    keys = {f"{r}/{e['EndpointName']}": r for r, e in left[:MAX_ENDPOINTS_DESCRIBED]}

    def instance_types(key: str) -> list[str]:
        region, name = keys[key], key.split("/", 1)[1]
        config = account.sagemaker.endpoint(region, name)["EndpointConfigName"]
        variants = account.sagemaker.endpoint_config(region, config).get("ProductionVariants", [])
        return [v.get("InstanceType") or ("serverless" if v.get("ServerlessConfig") else "unknown")
                for v in variants]

    types, errors = account.across(list(keys), instance_types)
    out = []
    for region, e in left:
        key = f"{region}/{e['EndpointName']}"
        entry = {"endpoint": e["EndpointName"], "region": region, "status": e.get("EndpointStatus"),
                 "created": when(e.get("CreationTime")), "instance_types": types.get(key)}
        if key in errors:
            entry["instance_types_unknown"] = errors[key]
        elif key not in keys:
            entry["instance_types_unknown"] = f"not looked up (only the first {MAX_ENDPOINTS_DESCRIBED} endpoints)"
        out.append(entry)
    return out


def _regions(regions: list[str]) -> str:
    return "region" if len(regions) == 1 else f"{len(regions)} regions"


def _add_cost(entry: dict[str, Any], created: Any, prices: dict[str, float]) -> None:
    """The endpoint's age and, for instance types with a known price, its cost per hour and so far."""
    if isinstance(created, datetime):
        hours = max((datetime.now(UTC) - created.astimezone(UTC)).total_seconds() / 3600, 0.0)
        entry["hours_running"] = round(hours, 1)
    known = [prices[t] for t in entry.get("instance_types") or [] if t in prices]
    if known:
        entry["usd_per_hour"] = round(sum(known), 3)
        if "hours_running" in entry:
            entry["usd_so_far"] = round(entry["usd_per_hour"] * entry["hours_running"], 2)


def _described(e: dict[str, Any]) -> str:
    parts = [e["region"], *(e.get("instance_types") or [])]
    if "hours_running" in e:
        h = e["hours_running"]
        parts.append(f"running {h / 24:.0f} days" if h >= 48 else f"running {h:.0f} h")
    if "usd_per_hour" in e:
        parts.append(f"about ${e['usd_per_hour']:.2f}/hour" + (f", ${e['usd_so_far']:.0f} so far"
                                                             if e.get("usd_so_far", 0) >= 1 else ""))
    return f"{e['endpoint']} ({', '.join(parts)})"


@check(
    "cleanup-endpoint-configs",
    title="No SageMaker endpoint configuration is left in any region",
    category="Clean-up",
    permissions=["ec2:DescribeRegions", "sagemaker:ListEndpointConfigs"],
    remediation=f"{STEP10}: in the SageMaker console of each region listed, open Inference > Endpoint "
    "configurations and delete each one (Actions > Delete).",
)
def cleanup_endpoint_configs(ctx: Context, params: Params) -> CheckResult:
    """No endpoint configuration exists in any scanned region."""
    scan = ctx.account.endpoint_configs()
    evidence = scan.evidence()
    left = scan.items()
    if left:
        listed = [{"endpoint_config": c["EndpointConfigName"], "region": r, "created": when(c.get("CreationTime"))}
                  for r, c in left[:MAX_LISTED]]
        names = ", ".join(f"{c['endpoint_config']} ({c['region']})" for c in listed[:5])
        more = f" and {len(left) - 5} more" if len(left) > 5 else ""
        return failed(f"{len(left)} endpoint configuration(s) still exist: {names}{more}.",
                      endpoint_configs=listed, endpoint_configs_total=len(left), **evidence)
    if scan.unreadable:
        return cannot_tell("endpoint configurations", scan.unreadable_named(), evidence)
    return passed(f"No endpoint configuration exists in the {_regions(scan.regions)} scanned.", **evidence)


@check(
    "cleanup-cost-leaks",
    title="Nothing is left running: notebook instances, training jobs, Studio apps",
    category="Clean-up",
    permissions=["ec2:DescribeRegions", "sagemaker:ListNotebookInstances", "sagemaker:ListTrainingJobs",
                 "sagemaker:ListDomains", "sagemaker:ListApps"],
    remediation=f"{STEP10}: stop what is listed: notebook instances (SageMaker > Notebook instances > Stop), "
    "training jobs (Training jobs > Stop), and Studio apps other than the default JupyterServer (Studio > "
    "Running instances and kernels > Shut down).",
)
def cleanup_cost_leaks(ctx: Context, params: Params) -> CheckResult:
    """No notebook instance `InService`, no training job `InProgress`, no Studio app other than the
    default JupyterServer `InService`. Advisory: `warn` with full points lists what still runs."""
    account = ctx.account
    notebooks = account.notebook_instances()
    jobs = account.training_jobs()
    domains = account.domains()
    running = {
        "notebook_instances": [{"name": n["NotebookInstanceName"], "region": r, "instance_type": n.get("InstanceType"),
                                "status": n["NotebookInstanceStatus"], "created": when(n.get("CreationTime"))}
                               for r, n in notebooks.items() if n.get("NotebookInstanceStatus") == "InService"],
        "training_jobs": [{"name": j["TrainingJobName"], "region": r, "status": j["TrainingJobStatus"],
                           "created": when(j.get("CreationTime"))}
                          for r, j in jobs.items() if j.get("TrainingJobStatus") == "InProgress"],
    }
    studio_regions = sorted({r for r, _ in domains.items()})
    apps, app_errors = account.across(studio_regions, account.sagemaker.apps)
    running["studio_apps"] = [
        {"app": a.get("AppName"), "type": a.get("AppType"), "domain": a.get("DomainId"), "region": r,
         "user_profile": a.get("UserProfileName") or a.get("SpaceName"), "created": when(a.get("CreationTime"))}
        for r in studio_regions for a in apps.get(r, [])
        if a.get("Status") == "InService" and (a.get("AppType"), a.get("AppName")) != RUNNING_APP_EXCLUDED
    ]
    not_checked = {f"Studio domains in {r}": why for r, why in sorted(domains.unreadable.items())}
    not_checked.update({f"Studio apps in {r}": why for r, why in sorted(app_errors.items())})
    unreadable = {**notebooks.unreadable_named(), **jobs.unreadable_named()}
    evidence: dict[str, Any] = {**notebooks.evidence(), "studio_domain_regions": studio_regions,
                                **{k: v[:MAX_LISTED] for k, v in running.items()}}
    evidence.pop("regions_unreadable", None)
    if unreadable:
        evidence["could_not_read"] = unreadable
    if not_checked:
        evidence["not_checked"] = not_checked
    still = [f"{len(v)} {k.replace('_', ' ')}" for k, v in running.items() if v]
    if still:
        return because(warned(f"Still running and costing money: {', '.join(still)}.", **evidence), "cost-leak")
    if unreadable:
        return cannot_tell("notebook instances or training jobs", unreadable, evidence)
    failed_reads = {k: v for k, v in not_checked.items() if is_transient(v)}
    if failed_reads:  # the Studio APIs answered nothing this time: a rerun may well read them
        return cannot_tell("Studio domains or apps", failed_reads, evidence)
    if not_checked:
        where = "; ".join(f"{k}: {v}" for k, v in not_checked.items())
        return result(Status.WARN, f"No notebook instance or training job is running; Studio apps were not checked "
                      f"({where}).", remediation=f"{STEP10}: the grader could not see your Studio apps; in SageMaker "
                      "Studio, open Running instances and kernels and shut down every app except the default "
                      "JupyterServer.", **evidence)
    return passed("No notebook instance, training job or Studio app is left running.", **evidence)
