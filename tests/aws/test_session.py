"""grader.aws.session: what clients share across students (the loader's models, client classes,
endpoint rule sets) and what each client keeps its own (credentials, region, endpoint, guard)."""

from __future__ import annotations

import threading

import botocore.regions

from grader.aws.session import AwsAccess, AwsTarget


def _provider(client):
    return client._ruleset_resolver._provider


def test_endpoint_rule_sets_are_parsed_once_and_still_resolve_each_clients_region(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    a, b = AwsAccess(AwsTarget()), AwsAccess(AwsTarget())
    east, west, other = a.client("sagemaker", "us-east-2"), b.client("sagemaker", "us-west-2"), a.client("iam")
    assert _provider(east) is _provider(west)  # one parsed rule set for SageMaker
    assert _provider(other) is not _provider(east)
    assert east.meta.endpoint_url == "https://api.sagemaker.us-east-2.amazonaws.com"
    assert west.meta.endpoint_url == "https://api.sagemaker.us-west-2.amazonaws.com"
    assert east.meta.events is not west.meta.events  # handlers (the guard, the counter) stay per client
    # a provider resolves per call: what one client resolved is not another's
    params = {"Region": "ca-central-1", "UseFIPS": False, "UseDualStack": False}
    assert _provider(east).resolve_endpoint(**params).url == "https://api.sagemaker.ca-central-1.amazonaws.com"


def test_clients_made_at_once_on_many_threads_share_one_provider(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    made, barrier = [], threading.Barrier(8)

    def make(i):
        barrier.wait()
        made.append(AwsAccess(AwsTarget()).client("s3", ["us-east-2", "ca-central-1"][i % 2]))

    threads = [threading.Thread(target=make, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(_provider(c)) for c in made}) == 1
    assert {c.meta.region_name for c in made} == {"us-east-2", "ca-central-1"}


def test_rule_set_data_of_another_loader_gets_its_own_provider():
    """Data made anew (not the shared loader's) never reuses a cached provider by id."""
    data = {"version": "1.0", "parameters": {}, "rules": []}
    partitions = {"partitions": [], "version": "1.1"}
    one = botocore.regions.EndpointProvider(ruleset_data=data, partition_data=partitions)
    again = botocore.regions.EndpointProvider(ruleset_data=data, partition_data=partitions)
    other = botocore.regions.EndpointProvider(ruleset_data=dict(data), partition_data=partitions)
    assert one is again and other is not one
