"""What every botocore client of the process shares, instead of building it again per client.

botocore builds, for each client, things that depend only on the service: its JSON models (read
from disk), a client class (a method per operation), a ServiceModel (which works out lazily, per
operation, e.g. whether its output streams), a parsed endpoint rule set, and a copy of the
session's whole event-handler trie. A class of students makes ten clients a student, so this was
most of a student's CPU after the requests themselves. Here each is built once per process and
shared: all of it is read-only data, except the handler trie, which is copied on write instead
(`SharedTrie`): a client's own handlers (the read-only guard, the call counter, retries) are
still its own. Also shared: the cache of aliased event names, the proxies found in the
environment, and the HTTP connection pools (connections carry no credentials: the lean
transport's `grader.aws.transport.LeanHTTPSession` for direct connections, `SharedHTTPSession`
for the rest). Importing this module installs the sharing: client classes, service models
and the handler trie only for the sessions of `grader.aws.session.new_session` (other sessions
get botocore's own behaviour there); parsed endpoint rule sets for every session of the
process, since a provider holds no per-client state.
"""

from __future__ import annotations

import copy
import inspect
import os
import threading
import types
from collections import OrderedDict
from typing import Any

import botocore.client
import botocore.endpoint
import botocore.hooks
import botocore.httpsession
import botocore.regions
from botocore.loaders import Loader

from grader.aws.transport import LeanHTTPSession, lean_settings


class SharedLoader(Loader):
    """botocore's data loader, shared by every session of the process (loading the service
    models per session costs ~0.2 s). Loads are serialised: without that, the first students of
    a batch, starting together, each parse the same large JSON models at once (a 200 MB spike).
    After the first load each call is a cache hit under the lock."""

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.RLock()

    def load_service_model(self, *args, **kwargs):
        with self._lock:
            return super().load_service_model(*args, **kwargs)

    def load_data_with_path(self, *args, **kwargs):
        with self._lock:
            return super().load_data_with_path(*args, **kwargs)

    def load_data(self, *args, **kwargs):
        with self._lock:
            return super().load_data(*args, **kwargs)

    def list_available_services(self, *args, **kwargs):
        with self._lock:
            return super().list_available_services(*args, **kwargs)

    def list_api_versions(self, *args, **kwargs):
        with self._lock:
            return super().list_api_versions(*args, **kwargs)


_LOADER = SharedLoader()


def shared_loader() -> SharedLoader:
    return _LOADER


class _ClassCachingCreator(botocore.client.ClientCreator):
    """botocore's ClientCreator, except that a client class and a service model are built once
    per service and API version for the sessions of `new_session`, not once per client: building
    a class defines a method per operation (hundreds for SageMaker or EC2) and was a third of a
    client's cost.
    The class only holds those methods; everything a client carries (credentials, endpoint,
    event handlers, the guard) is per client as before. Sessions not made by `new_session` get
    botocore's own behaviour."""

    _classes: dict[tuple[str, str], type] = {}
    _models: dict[tuple[str, str | None, int], Any] = {}
    _lock = threading.Lock()

    def _load_service_model(self, service_name, api_version=None):
        """One ServiceModel per service for these sessions' clients: a model is read-only data,
        but what it works out lazily (e.g. whether an operation streams, from a walk of its
        output shapes: a fifth of creating a request) was worked out again for every client."""
        if not getattr(self._event_emitter, "_grader_session", False):
            return super()._load_service_model(service_name, api_version)
        key = (service_name, api_version, id(self._loader))
        with self._lock:
            model = self._models.get(key)
            if model is None:
                model = self._models[key] = super()._load_service_model(service_name, api_version)
        return model

    def _create_client_class(self, service_name, service_model):
        if not getattr(self._event_emitter, "_grader_session", False):
            return super()._create_client_class(service_name, service_model)
        key = (service_name, service_model.api_version)
        with self._lock:
            cls = self._classes.get(key)
            if cls is None:
                cls = self._classes[key] = super()._create_client_class(service_name, service_model)
        return cls


botocore.client.ClientCreator = _ClassCachingCreator  # botocore.session looks it up at each client

_BOTOCORE_PROVIDER = botocore.regions.EndpointProvider
_PROVIDERS: OrderedDict[tuple[int, int, tuple[str, ...]], tuple[Any, Any, Any]] = OrderedDict()
_PROVIDERS_LOCK = threading.Lock()
MAX_PROVIDERS = 64


def _shared_endpoint_provider(ruleset_data, partition_data, excluded_params=None):
    """botocore's EndpointProvider, one per endpoint rule set instead of one per client: each
    client parsed its service's rule set into a tree of rule objects again (a sixth of a
    client's cost). The provider is stateless between calls (its resolution cache is keyed by
    every input), so clients may share it. Keyed by the identity of the rule-set data, which
    the shared loader hands out once per service; the entry holds that data, so an id is never
    reused while cached. It applies to every session of the process; data another loader makes
    anew for each client only churns the least recently used end (MAX_PROVIDERS kept)."""
    key = (id(ruleset_data), id(partition_data), tuple(sorted(excluded_params or ())))
    with _PROVIDERS_LOCK:
        hit = _PROVIDERS.get(key)
        if hit is None or hit[0] is not ruleset_data or hit[1] is not partition_data:
            made = _BOTOCORE_PROVIDER(ruleset_data=ruleset_data, partition_data=partition_data,
                                      excluded_params=excluded_params)
            hit = _PROVIDERS[key] = (ruleset_data, partition_data, made)
            while len(_PROVIDERS) > MAX_PROVIDERS:
                _PROVIDERS.popitem(last=False)
        _PROVIDERS.move_to_end(key)
    return hit[2]


botocore.regions.EndpointProvider = _shared_endpoint_provider  # looked up by EndpointRulesetResolver


class SharedTrie(botocore.hooks._PrefixTrie):
    """botocore's handler trie, copied in O(1) and written by path copying: a copy shares every
    node with its original, and a write (on either) copies only the nodes on its key's path, so
    neither ever sees the other's changes. botocore copies the session's whole trie (hundreds of
    nodes) for every client it makes, then adds a few handlers to it. Reads are botocore's own.
    Writes to one trie are serialised (`_write_lock`, each trie its own): a write replaces the
    root, so two at once would lose one; botocore's in-place writes did not."""

    def __init__(self) -> None:
        super().__init__()
        self._write_lock = threading.Lock()

    def __copy__(self) -> SharedTrie:
        twin = SharedTrie.__new__(SharedTrie)
        twin.__dict__ = dict(self.__dict__)  # the same root, owned by neither
        twin._write_lock = threading.Lock()
        return twin

    def _own_path(self, key: str, create: bool) -> dict[str, Any]:
        """A new root whose nodes along `key` (those that exist, or all when `create`) are copies,
        with copies of their handler lists; the rest is shared. Returns the key's node (or the
        deepest one that exists)."""
        root = {**self._root, "children": dict(self._root["children"])}
        current = root
        for part in key.split("."):
            child = current["children"].get(part)
            if child is None:
                if not create:
                    break
                child = {"chunk": part, "values": None, "children": {}}
            else:
                values = child["values"]
                child = {**child, "children": dict(child["children"]),
                         "values": None if values is None else botocore.hooks.NodeList(
                             list(values.first), list(values.middle), list(values.last))}
            current["children"][part] = child
            current = child
        self._root = root
        return current

    def append_item(self, key, value, section=botocore.hooks._MIDDLE):
        with self._write_lock:
            node = self._own_path(key, create=True)
            if node["values"] is None:
                node["values"] = botocore.hooks.NodeList([], [], [])
            node["values"][section].append(value)

    def remove_item(self, key, value):
        with self._write_lock:
            self._own_path(key, create=False)  # botocore's removal, below, writes only these owned nodes
            self._remove_item(self._root, key.split("."), value, index=0)


def share_handlers(session: Any) -> None:
    """Give a botocore session's event emitter a SharedTrie (with the handlers it has): the
    clients made from it then copy it in O(1)."""
    emitter = session.get_component("event_emitter")
    inner = getattr(emitter, "_emitter", emitter)  # EventAliaser wraps the HierarchicalEmitter
    trie = inner._handlers
    if not isinstance(trie, SharedTrie):
        shared = SharedTrie.__new__(SharedTrie)
        shared.__dict__ = dict(trie.__dict__)
        shared._write_lock = threading.Lock()
        inner._handlers = shared
        inner._lookup_cache = {}


_TEMPLATE: dict[str, Any] = {}  # "key": the builtin handlers it was made from, "emitter"
_TEMPLATE_LOCK = threading.Lock()


def session_handlers() -> botocore.hooks.HierarchicalEmitter:
    """An event emitter holding botocore's builtin handlers, for a new session
    (`Session(event_hooks=..., include_builtin_handlers=False)`): an O(1) copy of one made once,
    instead of registering the hundred-odd handlers for every session. Made again whenever the
    builtin list changed (in-process moto adds its own handler to it when imported)."""
    import botocore.handlers

    key = tuple(map(id, botocore.handlers.BUILTIN_HANDLERS))
    with _TEMPLATE_LOCK:
        if _TEMPLATE.get("key") != key:
            # what botocore.session.Session._register_builtin_handlers does, and nothing else
            # (no session initializers: each new session still runs those itself)
            emitter = botocore.hooks.HierarchicalEmitter()
            emitter._handlers = SharedTrie()
            events = botocore.hooks.EventAliaser(emitter)
            for spec in botocore.handlers.BUILTIN_HANDLERS:
                event_name, handler = spec[0], spec[1]
                kind = spec[2] if len(spec) > 2 else None
                register = {botocore.handlers.REGISTER_FIRST: events.register_first,
                            botocore.handlers.REGISTER_LAST: events.register_last}.get(kind, events.register)
                register(event_name, handler)
            _TEMPLATE.update(key=key, emitter=emitter)
        return copy.copy(_TEMPLATE["emitter"])


# -- event-name aliases: one cache for the process ------------------------------------------------
_ALIASES: dict[str, str] = {}  # event name -> its aliased name, under botocore's EVENT_ALIASES


def _aliaser_copy(self):
    """botocore's EventAliaser copy (one per client), sharing the original's cache of aliased event
    names instead of starting empty: the name depends only on the alias map, which the copy has
    the same. Without it each client worked out every event name again (a loop over the aliases
    for each of ~15 events a request: a tenth of a request's CPU)."""
    twin = _BOTOCORE_ALIASER_COPY(self)
    if twin._event_aliases == self._event_aliases:
        twin._alias_name_cache = self._alias_name_cache
    if getattr(self, "_grader_session", False):  # a client of new_session's: shares what they share
        twin._grader_session = True
    return twin


_BOTOCORE_ALIASER_COPY = botocore.hooks.EventAliaser.__copy__
botocore.hooks.EventAliaser.__copy__ = _aliaser_copy


def share_aliases(session: Any) -> None:
    """A new session's aliaser (and so every client's copy of it) uses the process's one cache,
    when its alias map is botocore's."""
    emitter = session.get_component("event_emitter")
    if isinstance(emitter, botocore.hooks.EventAliaser) and emitter._event_aliases == botocore.hooks.EVENT_ALIASES:
        emitter._alias_name_cache = _ALIASES


# -- proxies from the environment: read once per endpoint and setting ----------------------------
#: What botocore's proxy handling reads from the environment (urllib's getproxies and
#: proxy_bypass); only the http and https entries are used (botocore.httpsession.ProxyConfiguration).
PROXY_VARIABLES = ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "no_proxy", "NO_PROXY",
                   "REQUEST_METHOD")
_PROXIES: OrderedDict[tuple, dict] = OrderedDict()
_PROXIES_LOCK = threading.Lock()
MAX_PROXY_ENTRIES = 256


def _environ_proxies(self, url):
    """botocore's `EndpointCreator._get_proxies`, remembered per URL and proxy setting: botocore
    decodes the whole environment twice for each client to find them (a twentieth of a client's
    cost). A changed proxy variable is a new key, so the answer is always botocore's."""
    key = (url, *(os.environ.get(name) for name in PROXY_VARIABLES))
    with _PROXIES_LOCK:
        hit = _PROXIES.get(key)
        if hit is not None:
            _PROXIES.move_to_end(key)
            return dict(hit)
    found = _BOTOCORE_GET_PROXIES(self, url)
    with _PROXIES_LOCK:
        _PROXIES[key] = dict(found)
        while len(_PROXIES) > MAX_PROXY_ENTRIES:
            _PROXIES.popitem(last=False)
    return found


_BOTOCORE_GET_PROXIES = botocore.endpoint.EndpointCreator._get_proxies
botocore.endpoint.EndpointCreator._get_proxies = _environ_proxies


# -- handler registration: whether a handler takes **kwargs, from its code ------------------------
def _verify_accept_kwargs(self, func):
    """botocore checks every handler registered (ten a client) with `inspect.getfullargspec`, a
    signature built and thrown away each time. For a plain function or a method of one, the
    answer is a flag of its code: read it; anything else (a partial, an object with
    `__signature__`, a callable instance) and any handler without **kwargs go to botocore's own
    check, so its error is unchanged."""
    target = func.__func__ if isinstance(func, types.MethodType) else func
    if (isinstance(target, types.FunctionType) and not hasattr(func, "__signature__")
            and not hasattr(target, "__signature__") and not hasattr(target, "_partialmethod")
            and target.__code__.co_flags & inspect.CO_VARKEYWORDS):
        return None
    return _BOTOCORE_VERIFY(self, func)


_BOTOCORE_VERIFY = botocore.hooks.BaseEventHooks._verify_accept_kwargs
botocore.hooks.BaseEventHooks._verify_accept_kwargs = _verify_accept_kwargs


# -- HTTP connections: one pool per setting for the process's grader clients ---------------------
class SharedHTTPSession(botocore.httpsession.URLLib3Session):
    """botocore's HTTP session (a urllib3 pool manager), one for every grader client of the
    process with the same HTTP settings, instead of one per client. botocore made a pool manager
    and a TLS context for each client (a student's 11), and each opened its own connections: a
    TLS handshake and a load of the CA bundle per client and student against AWS. Connections
    hold no credentials (each request is signed on its own), so students' clients may share them;
    urllib3's pools are thread-safe. `close` is a no-op: no one client may close the others'
    connections (they end with the process)."""

    def close(self) -> None:
        return None

    def _get_pool_manager_kwargs(self, **extra_kwargs):
        """One pool per host, and a process reads many (regional endpoints, a host per bucket,
        per account for S3 Control): urllib3 keeps 10 by default and closes the least recently
        used, which here would be another student's connections."""
        return {**super()._get_pool_manager_kwargs(**extra_kwargs), "num_pools": MAX_HOSTS}


MAX_HOSTS = 1024
_HTTP: dict[tuple, SharedHTTPSession] = {}
_HTTP_LOCK = threading.Lock()
MAX_HTTP_SESSIONS = 32


def _frozen(value: Any) -> Any:
    if isinstance(value, dict):
        return tuple(sorted((k, _frozen(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return tuple(_frozen(v) for v in value)
    return value


def _shared_http_session(**kwargs: Any) -> botocore.httpsession.URLLib3Session | LeanHTTPSession:
    """The process's HTTP session for these settings: grader.aws.transport's where it accepts them."""
    shared = LeanHTTPSession if lean_settings(kwargs) else SharedHTTPSession
    try:
        key = (shared.__name__, _frozen(kwargs))
        hash(key)
    except TypeError:  # a setting we cannot compare: this client's own session, as botocore does
        return botocore.httpsession.URLLib3Session(**kwargs)
    with _HTTP_LOCK:
        found = _HTTP.get(key)
        if found is None and len(_HTTP) < MAX_HTTP_SESSIONS:
            found = _HTTP[key] = shared(**kwargs)
    return found or botocore.httpsession.URLLib3Session(**kwargs)


def _create_endpoint(self, *args, **kwargs):
    """botocore's EndpointCreator.create_endpoint, with the shared HTTP sessions for the clients
    of `new_session`'s sessions (their event emitters carry `_grader_session`)."""
    if getattr(self._event_emitter, "_grader_session", False) and "http_session_cls" not in kwargs:
        kwargs["http_session_cls"] = _shared_http_session
    return _BOTOCORE_CREATE_ENDPOINT(self, *args, **kwargs)


_BOTOCORE_CREATE_ENDPOINT = botocore.endpoint.EndpointCreator.create_endpoint
botocore.endpoint.EndpointCreator.create_endpoint = _create_endpoint


def _forget_connections() -> None:
    """In a forked child (a worker forked from the batch): the shared sessions' pooled
    connections are the parent's, which may use them at the same time: the child's clients get
    sessions of their own (the parent's objects are left as they are, never closed from here)."""
    global _HTTP_LOCK
    _HTTP_LOCK = threading.Lock()
    _HTTP.clear()


os.register_at_fork(after_in_child=_forget_connections)
