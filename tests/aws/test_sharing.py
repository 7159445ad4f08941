"""grader.aws.sharing: what clients share across students (the loader's models, client classes,
service models, endpoint rule sets, the session's handlers copied on write) and what each
client keeps its own (credentials, region, endpoint, its handlers: the guard, the counter)."""

from __future__ import annotations

import sys
import threading

import botocore.hooks
import botocore.regions
import botocore.session
import pytest

from grader.aws.session import AwsAccess, AwsTarget, new_session
from grader.aws.sharing import MAX_HOSTS, SharedHTTPSession, SharedTrie
from grader.aws.transport import LeanHTTPSession
from grader.errors import ReadOnlyViolation


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


def _trie(*entries: tuple[str, str]) -> SharedTrie:
    trie = SharedTrie()
    for key, value in entries:
        trie.append_item(key, value)
    return trie


def _found(trie, key):
    return list(trie.prefix_search(key))


def test_a_copy_and_its_original_never_see_each_others_writes():
    original = _trie(("before-call", "all"), ("before-call.s3", "s3"), ("before-call.s3.ListBuckets", "lb"))
    twin = original.__copy__()
    twin.append_item("before-call.s3.ListBuckets", "twin-only")
    twin.append_item("after-call.iam", "new-branch")
    original.append_item("before-call.s3", "original-only", section=botocore.hooks._FIRST)
    assert _found(original, "before-call.s3.ListBuckets") == ["lb", "original-only", "s3", "all"]
    assert _found(twin, "before-call.s3.ListBuckets") == ["lb", "twin-only", "s3", "all"]
    assert _found(original, "after-call.iam") == [] and _found(twin, "after-call.iam") == ["new-branch"]
    twin.remove_item("before-call.s3", "s3")
    assert _found(twin, "before-call.s3.ListBuckets") == ["lb", "twin-only", "all"]
    assert "s3" in _found(original, "before-call.s3.ListBuckets")
    with pytest.raises(ValueError):
        twin.remove_item("no-such.event", "x")


def test_the_shared_trie_finds_what_botocores_finds():
    """Same entries, same sections, wildcards: the same handlers in the same order."""
    entries = [("before-call", "a"), ("before-call.*.ListBuckets", "w"), ("before-call.s3", "b"),
               ("before-call.s3.ListBuckets", "c"), ("needs-retry.s3", "d"), ("before-call.s3", "e")]
    ours, theirs = SharedTrie(), botocore.hooks._PrefixTrie()
    for i, (key, value) in enumerate(entries):
        section = [botocore.hooks._FIRST, botocore.hooks._MIDDLE, botocore.hooks._LAST][i % 3]
        ours.append_item(key, value, section=section)
        theirs.append_item(key, value, section=section)
    for key in ("before-call.s3.ListBuckets", "before-call.iam.ListBuckets", "needs-retry.s3.X", "other"):
        assert _found(ours, key) == _found(theirs, key), key


def test_a_handler_on_one_client_never_runs_on_another(monkeypatch):
    """The guard and the counter are each client's own, though the session's handlers are shared."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    session = new_session()
    one = session.create_client("s3", region_name="us-east-2")
    two = session.create_client("s3", region_name="us-east-2")
    seen = []
    one.meta.events.register("before-call.s3.ListBuckets", lambda **_: seen.append("one"))
    two.meta.events.register("before-send.s3.ListBuckets", lambda **_: seen.append("two") or _stop())
    with pytest.raises(_Stop):
        two.list_buckets()
    assert seen == ["two"]
    # the read-only guard of an AwsAccess client refuses a write before anything is sent
    access = AwsAccess(AwsTarget())
    guarded, plain = access.client("s3", "us-east-2"), session.create_client("s3", region_name="us-east-2")
    with pytest.raises(ReadOnlyViolation):
        guarded.create_bucket(Bucket="x")
    plain.meta.events.register("before-send.s3.CreateBucket", lambda **_: _stop())
    with pytest.raises(_Stop):  # no guard on a client of another session: the request went on to be sent
        plain.create_bucket(Bucket="x")


class _Stop(Exception):
    pass


def _stop():
    raise _Stop


def test_new_sessions_have_botocores_builtin_handlers_even_when_the_list_changes(monkeypatch):
    """Sessions start from one copy of the builtin handlers; a handler added to botocore's list
    later (in-process moto adds one when imported) reaches every session made after."""
    import botocore.handlers

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    seen = []

    def late(**_kwargs):
        seen.append("late")
        raise _Stop

    before = new_session().create_client("iam")
    monkeypatch.setattr(botocore.handlers, "BUILTIN_HANDLERS", [*botocore.handlers.BUILTIN_HANDLERS,
                                                                 ("before-send.iam", late)])
    after = new_session().create_client("iam")
    with pytest.raises(_Stop):
        after.list_users()
    assert seen == ["late"]
    before.meta.events.register("before-send.iam", lambda **_: _stop())
    with pytest.raises(_Stop):
        before.list_users()
    assert seen == ["late"]  # the session made before has botocore's list as it was
    # and every builtin handler is there: a session of ours emits what botocore's own emits
    ours = new_session().get_component("event_emitter")
    theirs = botocore.session.Session().get_component("event_emitter")
    for event in ("before-parameter-build.s3.ListObjectsV2", "needs-retry.sagemaker.ListTrainingJobs",
                  "choose-signer.sts.AssumeRole", "before-call.s3.GetBucketPolicy"):
        assert [h for h in ours._emitter._handlers.prefix_search(event) if h is not late] == \
            list(theirs._emitter._handlers.prefix_search(event)), event


def test_writes_to_one_trie_from_many_threads_keep_every_handler():
    """A write replaces the root: without the trie's lock, two at once lost one (682 of 1600)."""
    trie, barrier = SharedTrie(), threading.Barrier(8)

    def register(t):
        barrier.wait()
        for i in range(200):
            trie.append_item(f"before-call.s{t}.Op{i % 7}", (t, i))

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)  # threads switch often, as under load: unlocked, hundreds were lost
    try:
        threads = [threading.Thread(target=register, args=(t,)) for t in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(interval)
    kept = [h for t in range(8) for op in range(7) for h in trie.prefix_search(f"before-call.s{t}.Op{op}")]
    assert len(kept) == 1600


def test_every_client_shares_one_cache_of_aliased_event_names_and_aliases_as_botocore(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    a, b = AwsAccess(AwsTarget()), AwsAccess(AwsTarget())
    east, iam = a.client("sagemaker", "us-east-2"), b.client("iam")
    assert east.meta.events._alias_name_cache is iam.meta.events._alias_name_cache
    botocores = botocore.hooks.EventAliaser(botocore.hooks.HierarchicalEmitter())  # its own, empty cache
    names = [f"before-call.{old}.Op" for old in botocore.hooks.EVENT_ALIASES] + [
        "before-call.sagemaker.ListEndpoints", "provide-client-params.s3.ListObjectsV2", "needs-retry.iam"]
    for name in names:
        assert east.meta.events._alias_event_name(name) == botocores._alias_event_name(name), name
    # a session of plain botocore keeps its own cache
    plain = botocore.session.get_session().get_component("event_emitter")
    assert plain._alias_name_cache is not east.meta.events._alias_name_cache


def _proxies(client) -> dict:
    session = client._endpoint.http_session
    if isinstance(session, LeanHTTPSession):  # made only where botocore found no proxy for the endpoint
        return {}
    return session._proxy_config._proxies


def test_proxies_follow_the_environment_as_it_changes_and_no_proxy_still_bypasses(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    for name in ("HTTPS_PROXY", "https_proxy", "NO_PROXY", "no_proxy", "HTTP_PROXY", "http_proxy"):
        monkeypatch.delenv(name, raising=False)
    assert _proxies(AwsAccess(AwsTarget()).client("iam")).get("https") is None
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    assert _proxies(AwsAccess(AwsTarget()).client("iam"))["https"] == "http://proxy.example:3128"
    assert isinstance(AwsAccess(AwsTarget()).client("iam")._endpoint.http_session, SharedHTTPSession)
    monkeypatch.setenv("HTTPS_PROXY", "http://other.example:8080")
    assert _proxies(AwsAccess(AwsTarget()).client("iam"))["https"] == "http://other.example:8080"
    monkeypatch.setenv("NO_PROXY", "amazonaws.com")
    assert _proxies(AwsAccess(AwsTarget()).client("iam")) == {}
    plain = botocore.session.get_session().create_client("iam", region_name="us-east-1")
    assert _proxies(plain) == {}


def test_a_handler_without_kwargs_is_still_refused_as_botocore_refuses_it():
    import functools

    events = botocore.hooks.HierarchicalEmitter()

    def no_kwargs(a, b):
        return None

    class Holder:
        def method(self, **kwargs):
            return None

        def strict(self, x):
            return None

    for handler in (lambda **kw: None, Holder().method, functools.partial(lambda a, **kw: None, 1)):
        events.register("before-call.iam", handler)
    for handler in (no_kwargs, Holder().strict, functools.partial(no_kwargs, 1)):
        with pytest.raises(ValueError, match="must accept keyword arguments"):
            events.register("before-call.iam", handler)


@pytest.mark.parametrize("transport", ["lean", "urllib3"])
def test_students_clients_share_http_pools_per_setting_and_one_closing_leaves_the_others(moto_url, monkeypatch,
                                                                                           transport):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("GRADER_HTTP", transport)
    a, b = AwsAccess(AwsTarget(endpoint_url=moto_url)), AwsAccess(AwsTarget(endpoint_url=moto_url))
    sts_a, sts_b, iam_b = a.client("sts"), b.client("sts"), b.client("iam")
    pool = sts_a._endpoint.http_session
    if transport == "urllib3":
        assert isinstance(pool, SharedHTTPSession)
        assert pool._manager.pools._maxsize == MAX_HOSTS  # not urllib3's 10 hosts: no student's pool is evicted
    else:
        assert isinstance(pool, LeanHTTPSession)
    assert sts_b._endpoint.http_session is pool and iam_b._endpoint.http_session is pool
    slow = AwsAccess(AwsTarget(endpoint_url=moto_url), read_timeout=99).client("sts")
    assert slow._endpoint.http_session is not pool  # another setting, another pool
    plain = botocore.session.get_session().create_client("sts", region_name="us-east-1", endpoint_url=moto_url)
    assert not isinstance(plain._endpoint.http_session, SharedHTTPSession | LeanHTTPSession)
    sts_a.close()  # botocore closes a client's HTTP session: not the one the others use
    assert sts_b.get_caller_identity()["Account"] and isinstance(iam_b.list_users()["Users"], list)
    assert a.client("sts").get_caller_identity()["Account"]


_FORKED = """
import json, multiprocessing, sys
from grader.aws import sharing
from grader.aws.session import AwsAccess, AwsTarget
url = sys.argv[1]
def child(queue):
    pools = len(sharing._HTTP)
    users = AwsAccess(AwsTarget(endpoint_url=url)).client("iam").list_users()["Users"]
    queue.put({"pools_at_start": pools, "users": len(users), "pools_after": len(sharing._HTTP)})
iam = AwsAccess(AwsTarget(endpoint_url=url)).client("iam")
iam.list_users()
before = len(sharing._HTTP)
ctx = multiprocessing.get_context("fork")
queue = ctx.Queue()
proc = ctx.Process(target=child, args=(queue,))
proc.start()
seen = queue.get(timeout=60)
proc.join(30)
iam.list_users()  # the parent's pooled connection still works
print(json.dumps({"parent_pools": before, **seen}))
"""


def test_a_forked_child_never_uses_the_parents_pooled_connections(moto_url):
    """A worker forked from the batch makes its own HTTP pools: the parent's pooled connections
    stay the parent's (two processes writing one connection would mix their requests)."""
    import json
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", _FORKED, moto_url], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.splitlines()[-1])
    assert seen == {"parent_pools": 1, "pools_at_start": 0, "users": 0, "pools_after": 1}
