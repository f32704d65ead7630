"""A small cache whose every key starts with the tenant id, so no store can read another's.

Redis when ``REDIS_URL`` is set (shared by every web process); otherwise an in-process LRU,
which is right for ``make run`` and tests. Version counters (``bump_version``) let callers
build keys that change when what they depend on changes, instead of deleting entries;
``bump_version_on_commit`` bumps one only once the change it stands for is committed; when
the cache cannot be reached then, an outbox event bumps it once it can (twice is harmless).
"""
import logging
import threading
import time
from collections import OrderedDict

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

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
    def __init__(self, url, prefix):
        from redis import Redis

        self.redis = Redis.from_url(url)
        self.prefix = prefix

    def get(self, key):
        value = self.redis.get(self.prefix + key)
        return value.decode() if value is not None else None

    def get_many(self, keys):
        return [None if v is None else v.decode() for v in self.redis.mget([self.prefix + k for k in keys])]

    def set(self, key, value, ttl):
        self.redis.set(self.prefix + key, value, ex=ttl)

    def incr(self, key, amount=1):
        return self.redis.incr(self.prefix + key, amount)

    def add(self, key, value, ttl):
        return bool(self.redis.set(self.prefix + key, value, ex=ttl, nx=True))

    def clear(self):
        for key in self.redis.scan_iter(self.prefix + "*"):
            self.redis.delete(key)


def _backend():
    return current_app.extensions["duoshop_cache"]


def _key(tenant_id, key):
    if not isinstance(tenant_id, int):
        raise TypeError("cache keys start with a tenant id")
    return f"t{tenant_id}:{key}"


def cache_get(tenant_id, key):
    return _backend().get(_key(tenant_id, key))


def cache_set(tenant_id, key, value, ttl=DEFAULT_TTL):
    _backend().set(_key(tenant_id, key), value, ttl)


def cache_add(tenant_id, key, value, ttl=DEFAULT_TTL):
    """Set ``key`` unless it is there already (atomic on Redis); True when this call set it."""
    return _backend().add(_key(tenant_id, key), value, ttl)


def cache_incr(tenant_id, key, amount=1):
    """Add ``amount`` (either sign) to the counter at ``key`` and return the new value."""
    return _backend().incr(_key(tenant_id, key), amount)


def cache_get_versioned(tenant_id, key):
    """``cache_get`` for a key that holds every version its value depends on: such a value
    never goes stale, so this process keeps a copy too and skips the round trip next time."""
    full = _key(tenant_id, key)
    near = current_app.extensions["duoshop_near_cache"]
    value = near.get(full)
    if value is None:
        value = _backend().get(full)
        if value is not None:
            near.set(full, value, None)
    return value


def cache_set_versioned(tenant_id, key, value, ttl=DEFAULT_TTL):
    cache_set(tenant_id, key, value, ttl)
    current_app.extensions["duoshop_near_cache"].set(_key(tenant_id, key), value, None)


def current_version(tenant_id, name):
    return int(_backend().get(_key(tenant_id, f"version:{name}")) or 0)


def current_versions(tenant_id, *names):
    """Several version counters in one round trip, in the order of ``names``.

    Storefront hot paths (the whole-page cache) read these on every request, so each
    process remembers them for ``CACHE_VERSION_MEMO_SECONDS`` (1 s): a bump shows at once
    in the process that made it and within that second in the others. 0 turns it off.
    """
    keys = [_key(tenant_id, f"version:{name}") for name in names]
    memo, ttl = current_app.extensions["duoshop_version_memo"], current_app.config.get("CACHE_VERSION_MEMO_SECONDS", 1.0)
    now = time.monotonic()
    remembered = [memo.get(key) for key in keys]
    if ttl and all(entry is not None and entry[1] > now for entry in remembered):
        return [entry[0] for entry in remembered]
    values = [int(value or 0) for value in _backend().get_many(keys)]
    if ttl:
        memo.update({key: (value, now + ttl) for key, value in zip(keys, values, strict=True)})
    return values


def bump_version(tenant_id, name):
    """Make every key built with ``current_version(tenant_id, name)`` stale."""
    key = _key(tenant_id, f"version:{name}")
    value = _backend().incr(key)
    current_app.extensions["duoshop_version_memo"].pop(key, None)
    return value


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
        try:
            bump_version(tenant_id, name)
        except Exception as error:  # never fail the request that committed: the outbox bumps it later
            log.warning("cache version %s of store %s not bumped (%s): deferred to the outbox", name, tenant_id, error)
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
    bump_version(event.tenant_id, event.payload["name"])


@event.listens_for(Session, "after_rollback")
def _forget_pending_versions(session):
    if not savepoint_only(session):
        session.info.pop(_PENDING_BUMPS, None)


def init_app(app):
    if app.config.get("REDIS_URL"):
        backend = RedisCache(app.config["REDIS_URL"], app.config.get("CACHE_KEY_PREFIX", "duoshop:cache:"))
    else:
        backend = MemoryCache()
    app.extensions["duoshop_cache"] = backend
    app.extensions["duoshop_near_cache"] = MemoryCache(max_entries=NEAR_CACHE_ENTRIES)
    app.extensions["duoshop_version_memo"] = {}  # key → (version, until): see current_versions
