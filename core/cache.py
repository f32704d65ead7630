"""A small cache whose every key starts with the tenant id, so no store can read another's.

Redis when ``REDIS_URL`` is set (shared by every web process); otherwise an in-process LRU,
which is right for ``make run`` and tests. Version counters (``bump_version``) let callers
build keys that change when what they depend on changes, instead of deleting entries.
"""
import threading
from collections import OrderedDict

from flask import current_app

DEFAULT_TTL = 3600


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

    def set(self, key, value, ttl):
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def incr(self, key):
        with self._lock:
            self._entries[key] = int(self._entries.get(key) or 0) + 1
            return self._entries[key]

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

    def set(self, key, value, ttl):
        self.redis.set(self.prefix + key, value, ex=ttl)

    def incr(self, key):
        return self.redis.incr(self.prefix + key)

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


def current_version(tenant_id, name):
    return int(_backend().get(_key(tenant_id, f"version:{name}")) or 0)


def bump_version(tenant_id, name):
    """Make every key built with ``current_version(tenant_id, name)`` stale."""
    return _backend().incr(_key(tenant_id, f"version:{name}"))


def init_app(app):
    if app.config.get("REDIS_URL"):
        backend = RedisCache(app.config["REDIS_URL"], app.config.get("CACHE_KEY_PREFIX", "duoshop:cache:"))
    else:
        backend = MemoryCache()
    app.extensions["duoshop_cache"] = backend
