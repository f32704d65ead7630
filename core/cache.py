"""A small cache whose every key starts with the tenant id, so no store can read another's.

Redis when ``REDIS_URL`` is set (shared by every web process); otherwise an in-process LRU,
which is right for ``make run`` and tests. Version counters (``bump_version``) let callers
build keys that change when what they depend on changes, instead of deleting entries;
``bump_version_on_commit`` bumps one only once the change it stands for is committed; when
the cache cannot be reached then, an outbox event bumps it once it can (twice is harmless).
Each process remembers versions briefly, and hears of every bump made elsewhere at once
(``VersionFeed``), so N web hosts never serve a page older than the last committed change.

The cache is never needed: when Redis does not answer (``core.breaker``), reads miss,
writes are dropped, and a version that cannot be read is a number no key was ever built
with, so callers render from the database and nothing stale is served (see
``current_versions``).
"""
import contextlib
import logging
import os
import secrets
import select
import threading
import time
from collections import OrderedDict

from flask import current_app
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy import event
from sqlalchemy.orm import Session

from core.breaker import OUTAGE_ERRORS, CircuitBreaker, Unavailable, quick_redis
from core.database import savepoint_only
from core.outbox import publish_detached, subscriber

log = logging.getLogger(__name__)

DEFAULT_TTL = 3600
NEAR_CACHE_ENTRIES = 200  # versioned values (whole pages of ~50 KB) each process also keeps


class MemoryCache:
    def __init__(self, max_entries=2000):
        self._entries = OrderedDict()
        self._lock = threading.Lock()
        self.max_entries = max_entries

    def get(self, key):
        with self._lock:
            if key not in self._entries:
                return None
            self._entries.move_to_end(key)
            return self._entries[key]

    def get_many(self, keys):
        return [self.get(key) for key in keys]

    def set(self, key, value, ttl):
        with self._lock:
            self._store(key, value)

    def _store(self, key, value):
        self._entries[key] = value
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def incr(self, key, amount=1):
        with self._lock:
            self._entries[key] = int(self._entries.get(key) or 0) + amount
            return self._entries[key]

    def bump(self, key):
        """A version counter goes up (one process: nobody else to tell)."""
        return self.incr(key)

    def announce(self, topic):
        """One process: nobody else to tell."""

    def add(self, key, value, ttl):
        """Set ``key`` only if it is not there; True when this call set it."""
        with self._lock:
            if key in self._entries:
                return False
            self._store(key, value)
            return True

    def clear(self):
        with self._lock:
            self._entries.clear()


class RedisCache:
    """Every call goes through a circuit breaker and raises ``Unavailable`` when Redis
    does not answer; the module's functions below turn that into a miss."""

    def __init__(self, url, prefix, *, timeout=0.25, pause=5.0):
        self.redis = quick_redis(url, timeout)
        self.prefix = prefix
        self.breaker = CircuitBreaker("Redis (cache)", pause=pause)

    def get(self, key):
        value = self.breaker.call(self.redis.get, self.prefix + key)
        return value.decode() if value is not None else None

    def get_many(self, keys):
        values = self.breaker.call(self.redis.mget, [self.prefix + k for k in keys])
        return [None if v is None else v.decode() for v in values]

    def set(self, key, value, ttl):
        self.breaker.call(self.redis.set, self.prefix + key, value, ex=ttl)

    def incr(self, key, amount=1):
        return self.breaker.call(self.redis.incr, self.prefix + key, amount)

    def bump(self, key):
        """A version counter goes up and every process hears of it (``VersionFeed``), in
        one transaction: no process can read the new value before the announcement is out."""
        def incr_and_announce():
            pipe = self.redis.pipeline(transaction=True)
            pipe.incr(self.prefix + key)
            pipe.publish(self.prefix + VERSION_CHANNEL, key)
            return pipe.execute()[0]

        return self.breaker.call(incr_and_announce)

    def announce(self, topic):
        self.breaker.call(self.redis.publish, self.prefix + VERSION_CHANNEL, topic)

    def add(self, key, value, ttl):
        return bool(self.breaker.call(self.redis.set, self.prefix + key, value, ex=ttl, nx=True))

    def clear(self):
        for key in self.redis.scan_iter(self.prefix + "*"):
            self.redis.delete(key)


VERSION_CHANNEL = "versions"  # after the cache's key prefix; cache keys start with "t<tenant id>:"


_listeners = {}  # topic → callbacks run when any process announces it: see ``on_announcement``


def on_announcement(topic):
    """Decorator: run the function in every process when any process calls ``announce(topic)``
    (and whenever announcements may have been missed), before that process next trusts what it
    remembers. For what a process keeps in memory that others can change: the host→store routes."""
    def register(callback):
        _listeners.setdefault(topic, []).append(callback)
        return callback
    return register


def announce(topic):
    """Tell every process (every web host) that what ``topic`` names has changed; False when
    Redis could not be told (the others then stop trusting what they remember only when
    their own feed fails too, so keep what ``topic`` covers short-lived as well)."""
    try:
        _backend().announce(topic)
    except Unavailable:
        return False
    finally:
        _new_epoch()  # this process's own memory of it is outdated too (its caller forgot it)
    return True


def memory_epoch():
    """Changes whenever this process forgets something it remembered because it changed
    (a bump, an announcement, the feed reconnecting). Remember a value read from Redis or
    the database only if the epoch is the one from before the read: otherwise the read may
    have fetched what was just forgotten, and would put it back."""
    return current_app.extensions["duoshop_memory_epoch"]


def _new_epoch():
    current_app.extensions["duoshop_memory_epoch"] = object()


def hear_other_processes():
    """Apply what other processes announced (version bumps, ``announce`` topics) to this
    process's memory. False when that cannot be known now (the feed is not connected):
    trust nothing remembered then. True at once without Redis: one process, nobody else."""
    feed = current_app.extensions.get("duoshop_version_feed")
    return feed is None or feed.catch_up(current_app.extensions["duoshop_version_memo"])


class VersionFeed:
    """Bumps and announcements made by other processes (other web hosts included), heard at once.

    ``RedisCache.bump`` publishes each bumped key on one channel (``announce`` a topic);
    every process subscribes, and before it trusts a version it remembers
    (``current_versions``) it reads what has reached its socket — a non-blocking read, no
    round trip — and forgets the versions named there (runs a topic's listeners). The
    announcement leaves Redis before the bump's own reply, so it is in every host's socket
    before the change's author can send anyone to look. While the feed is not connected
    (Redis away, connection lost, a freshly forked worker) nothing remembered is trusted,
    and on (re)connecting everything remembered is forgotten (every listener runs), since
    announcements may have been missed meanwhile.
    """

    def __init__(self, url, channel, *, timeout, breaker):
        self.url, self.channel, self.timeout = url, channel, timeout
        self.breaker = breaker  # the cache's: one Redis, one pause and one warning when it is away
        self._lock = threading.Lock()
        self._pubsub = self._socket = self._poller = None
        self._pid = None

    def catch_up(self, memo):
        """Drop from ``memo`` the versions bumped elsewhere; False when the feed is not
        connected, so nothing in ``memo`` may be trusted."""
        with self._lock:
            if self._pid != os.getpid():  # forked (gunicorn): the parent's connection is not ours
                self._pubsub, self._pid = None, os.getpid()
            try:
                if self._pubsub is None:
                    _forget_everything(memo)
                    self._pubsub = self.breaker.call(self._subscribe)
                    self._read(memo)
                elif self._poller.poll(0):  # one system call when nothing came (most requests)
                    self._read(memo)
            except (Unavailable, *OUTAGE_ERRORS):
                self._close()
                _forget_everything(memo)
                return False
            return True

    def _read(self, memo):
        """Everything that has arrived, until redis-py holds nothing unread (so the next
        ``poll`` of the socket alone tells whether there is more)."""
        while (message := self._pubsub.get_message(timeout=0.0)) is not None:
            if message["type"] == "message":
                _heard(message["data"].decode(), memo)
        if self._pubsub.connection._sock is not self._socket:  # noqa: SLF001
            # redis-py connected again by itself: what was said meanwhile is lost
            raise RedisConnectionError("the version feed's connection was replaced")

    def _subscribe(self):
        pubsub = quick_redis(self.url, self.timeout).pubsub()
        try:
            pubsub.subscribe(self.channel)
            # Only once Redis confirms is every later bump sure to reach us.
            confirmation = pubsub.get_message(timeout=self.timeout)
            if not confirmation or confirmation["type"] != "subscribe":
                raise RedisTimeoutError("the version feed's subscription was not confirmed")
        except BaseException:
            pubsub.close()
            raise
        self._socket = pubsub.connection._sock  # noqa: SLF001 — polled without redis-py's layers
        self._poller = select.poll()
        self._poller.register(self._socket, select.POLLIN)
        return pubsub

    def _close(self):
        pubsub, self._pubsub = self._pubsub, None
        if pubsub is not None:
            with contextlib.suppress(*OUTAGE_ERRORS):
                pubsub.close()


def _heard(news, memo):
    for callback in _listeners.get(news, ()):
        callback()
    memo.pop(news, None)  # a version key (topics never look like one)
    _new_epoch()


def _forget_everything(memo):
    memo.clear()
    for callbacks in _listeners.values():
        for callback in callbacks:
            callback()
    _new_epoch()


def _backend():
    return current_app.extensions["duoshop_cache"]


def _key(tenant_id, key):
    if not isinstance(tenant_id, int):
        raise TypeError("cache keys start with a tenant id")
    return f"t{tenant_id}:{key}"


def cache_get(tenant_id, key):
    """The value at ``key``, or None (also when the cache cannot be reached)."""
    try:
        return _backend().get(_key(tenant_id, key))
    except Unavailable:
        return None


def cache_set(tenant_id, key, value, ttl=DEFAULT_TTL):
    """Keep ``value``; True when it was kept (False: the cache cannot be reached)."""
    try:
        _backend().set(_key(tenant_id, key), value, ttl)
    except Unavailable:
        return False
    return True


def cache_add(tenant_id, key, value, ttl=DEFAULT_TTL):
    """Set ``key`` unless it is there already (atomic on Redis); True when this call set it,
    None when the cache cannot be reached."""
    try:
        return _backend().add(_key(tenant_id, key), value, ttl)
    except Unavailable:
        return None


def cache_incr(tenant_id, key, amount=1):
    """Add ``amount`` (either sign) to the counter at ``key`` and return the new value, or
    None when the cache cannot be reached (nothing was added)."""
    try:
        return _backend().incr(_key(tenant_id, key), amount)
    except Unavailable:
        return None


def cache_get_versioned(tenant_id, key):
    """``cache_get`` for a key that holds every version its value depends on: such a value
    never goes stale, so this process keeps a copy too and skips the round trip next time."""
    full = _key(tenant_id, key)
    near = current_app.extensions["duoshop_near_cache"]
    value = near.get(full)
    if value is None:
        value = cache_get(tenant_id, key)
        if value is not None:
            near.set(full, value, None)
    return value


def cache_set_versioned(tenant_id, key, value, ttl=DEFAULT_TTL):
    """Keep ``value`` in the cache and, once it is there, in this process too."""
    if cache_set(tenant_id, key, value, ttl):
        current_app.extensions["duoshop_near_cache"].set(_key(tenant_id, key), value, None)


def _unknown_version():
    """What a version that could not be read counts as: a negative number drawn at random,
    never given out by a counter (they start at 0 and only go up) and never drawn twice in
    practice. A key or ETag built with it matches nothing stored (not this process's near
    copies either), so the caller renders from the database; 0 or the last value seen
    would match pages cached before a bump that happened meanwhile, and serve them stale."""
    return -1 - secrets.randbits(62)


def current_version(tenant_id, name):
    try:
        _replay_lost_bumps()
        return int(_backend().get(_key(tenant_id, f"version:{name}")) or 0)
    except Unavailable:
        return _unknown_version()


def current_versions(tenant_id, *names):
    """Several version counters in one round trip, in the order of ``names``.

    Storefront hot paths (the whole-page cache) read these on every request, so each
    process remembers them for ``CACHE_VERSION_MEMO_SECONDS`` (1 s; 0 turns it off). A bump
    still shows at once everywhere: in the process that made it, which forgets its copy, and
    in every other process (other web hosts too) through the ``VersionFeed``; the second is
    only a bound should an announcement be lost. When the cache cannot be reached, each is
    an unknown version (``_unknown_version``).
    """
    keys = [_key(tenant_id, f"version:{name}") for name in names]
    memo, ttl = current_app.extensions["duoshop_version_memo"], current_app.config.get("CACHE_VERSION_MEMO_SECONDS", 1.0)
    now = time.monotonic()
    if ttl and hear_other_processes():
        remembered = [memo.get(key) for key in keys]
        if all(entry is not None and entry[1] > now for entry in remembered):
            return [entry[0] for entry in remembered]
    epoch = memory_epoch()
    try:
        _replay_lost_bumps()
        values = [int(value or 0) for value in _backend().get_many(keys)]
    except Unavailable:
        return [_unknown_version() for _ in names]
    if ttl and memory_epoch() is epoch:
        memo.update({key: (value, now + ttl) for key, value in zip(keys, values, strict=True)})
    return values


def bump_version(tenant_id, name):
    """Make every key built with ``current_version(tenant_id, name)`` stale. Returns the new
    version, or None when the cache could not be reached. Then this process drops its near
    copies and bumps again before its next version read that reaches the cache; a caller
    that must not lose the bump even if this process ends (a retried event) tries again on
    None."""
    key = _key(tenant_id, f"version:{name}")
    try:
        return _backend().bump(key)
    except Unavailable:
        log.info("version %s of store %s not bumped yet: the cache is unreachable", name, tenant_id)
        current_app.extensions["duoshop_near_cache"].clear()
        current_app.extensions["duoshop_lost_bumps"].add(key)
        return None
    finally:  # after the bump: a read of the old value made meanwhile is not remembered (memory_epoch)
        current_app.extensions["duoshop_version_memo"].pop(key, None)
        _new_epoch()


def _replay_lost_bumps():
    lost = current_app.extensions["duoshop_lost_bumps"]
    while lost:
        try:
            key = lost.pop()
        except KeyError:  # another thread took the last one
            return
        try:
            _backend().bump(key)
        except Unavailable:
            lost.add(key)
            raise


_PENDING_BUMPS = "duoshop_pending_version_bumps"


def bump_version_on_commit(session, tenant_id, name):
    """Bump the version once ``session`` commits (never for a change that is rolled back,
    and never before other processes can read the change it announces)."""
    session.info.setdefault(_PENDING_BUMPS, set()).add((tenant_id, name))


@event.listens_for(Session, "after_commit")
def _bump_pending_versions(session):
    if savepoint_only(session):
        return
    for tenant_id, name in session.info.pop(_PENDING_BUMPS, set()):
        if bump_version(tenant_id, name) is None:  # the cache is away: the outbox bumps it once it is back
            log.warning("cache version %s of store %s not bumped: deferred to the outbox", name, tenant_id)
            session.info.setdefault(_REFUSED_BUMPS, set()).add((tenant_id, name))


_REFUSED_BUMPS = "duoshop_refused_version_bumps"
VERSION_BUMPED = "cache.version_bumped"


@event.listens_for(Session, "after_transaction_end")
def _defer_refused_bumps(session, transaction):
    # Written once the session's connection is back in the pool (writing needs one).
    if transaction.parent is not None:
        return
    for tenant_id, name in session.info.pop(_REFUSED_BUMPS, set()):
        try:
            publish_detached(VERSION_BUMPED, tenant_id=tenant_id, name=name)
        except Exception:  # the database went too: the cached value lives until its TTL
            log.exception("cache version %s of store %s: bump lost", name, tenant_id)


@subscriber(VERSION_BUMPED)
def _bump_deferred_version(event):
    if bump_version(event.tenant_id, event.payload["name"]) is None:
        raise Unavailable("the cache is still unreachable")  # the outbox retries with back-off


@event.listens_for(Session, "after_rollback")
def _forget_pending_versions(session):
    if not savepoint_only(session):
        session.info.pop(_PENDING_BUMPS, None)


def init_app(app):
    if app.config.get("REDIS_URL"):
        backend = RedisCache(app.config["REDIS_URL"], app.config.get("CACHE_KEY_PREFIX", "duoshop:cache:"),
                             timeout=app.config["REDIS_TIMEOUT_SECONDS"], pause=app.config["REDIS_RETRY_SECONDS"])
    else:
        backend = MemoryCache()
    app.extensions["duoshop_cache"] = backend
    app.extensions["duoshop_near_cache"] = MemoryCache(max_entries=NEAR_CACHE_ENTRIES)
    app.extensions["duoshop_version_memo"] = {}  # key → (version, until): see current_versions
    app.extensions["duoshop_memory_epoch"] = object()  # see memory_epoch
    if app.config.get("REDIS_URL"):
        app.extensions["duoshop_version_feed"] = VersionFeed(
            app.config["REDIS_URL"], backend.prefix + VERSION_CHANNEL,  # where RedisCache.bump publishes
            timeout=app.config["REDIS_TIMEOUT_SECONDS"], breaker=backend.breaker)
    app.extensions["duoshop_lost_bumps"] = set()  # version keys to bump once the cache answers: bump_version
