"""Redis as an optional helper: short timeouts and a circuit breaker, so an unreachable
Redis costs a request nothing instead of a connect timeout.

After a failure every call through the breaker is skipped for ``REDIS_RETRY_SECONDS``;
the first call after that tries again. A warning is logged at most once per
``WARN_EVERY_SECONDS`` while Redis stays away, and once more when it answers again.
"""
import logging
import threading
import time

from redis import Redis
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.retry import Retry

log = logging.getLogger(__name__)

# An outage, as opposed to a bug (a wrong command or type is not swallowed).
OUTAGE_ERRORS = (RedisConnectionError, RedisTimeoutError, OSError)
WARN_EVERY_SECONDS = 60.0


class Unavailable(Exception):
    """Redis did not answer now, or failed so recently that it was not asked."""


def quick_redis(url, timeout):
    """A client that gives up after ``timeout`` seconds and does not retry on its own
    (redis-py retries three times by default: four timeouts per call)."""
    return Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout,
                          retry=Retry(NoBackoff(), 0), health_check_interval=0)


class CircuitBreaker:
    def __init__(self, name, *, pause):
        self.name = name
        self.pause = pause
        self._lock = threading.Lock()
        self._open_until = 0.0
        self._failing = False
        self._warned_at = None

    def call(self, func, *args, **kwargs):
        """``func(*args, **kwargs)``, or :class:`Unavailable` at once while the breaker is open."""
        if time.monotonic() < self._open_until:
            raise Unavailable(self.name)
        try:
            result = func(*args, **kwargs)
        except OUTAGE_ERRORS as error:
            self._trip(error)
            raise Unavailable(self.name) from error
        if self._failing:
            self._recover()
        return result

    def _trip(self, error):
        now = time.monotonic()
        with self._lock:
            self._open_until = now + self.pause
            self._failing = True
            warn = self._warned_at is None or now - self._warned_at >= WARN_EVERY_SECONDS
            if warn:
                self._warned_at = now
        if warn:
            log.warning("%s unreachable (%s: %s); working without it, next try in %.0f s",
                        self.name, type(error).__name__, error, self.pause)

    def _recover(self):
        with self._lock:
            was_failing, self._failing, self._warned_at = self._failing, False, None
        if was_failing:
            log.warning("%s answers again", self.name)
