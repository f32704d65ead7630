"""``flask worker``'s sweep timer: due work is re-derived from the database every
``SWEEP_INTERVAL_SECONDS`` by the worker itself, so nothing critical waits on rq's
scheduler (whose lock a killed worker keeps for about ten minutes).

Several workers share the work by time slot: a sweep first claims the current slot
(``SET key NX PX`` in Redis, the key naming the slot), so each minute is swept once by
whichever worker comes first. A worker killed mid-sweep holds only its own slot, which is
over within the minute. Redis unreachable: every worker sweeps (each part is idempotent).
"""
import logging
import os
import threading
import time

from core.breaker import OUTAGE_ERRORS, quick_redis

log = logging.getLogger(__name__)


def claim_slot(app, interval, now=None):
    """True when this process should sweep the slot ``now`` falls in."""
    if not app.config.get("REDIS_URL"):
        return True
    slot = int((now or time.time()) // interval)
    key = f"{app.config.get('RQ_QUEUE_PREFIX', '')}duoshop:sweep:{interval:g}:{slot}"
    client = app.extensions.get("duoshop_sweep_redis")
    if client is None:
        client = app.extensions["duoshop_sweep_redis"] = quick_redis(app.config["REDIS_URL"], 1.0)
    try:
        return bool(client.set(key, os.getpid(), nx=True, px=max(1000, int(interval * 2000))))
    except OUTAGE_ERRORS as error:
        log.warning("sweep slot not claimed (Redis: %s): sweeping anyway", type(error).__name__)
        return True


class SweepTimer:
    """Calls ``sweep()`` in its own app context at once, then every ``interval`` seconds,
    on a daemon thread, when ``claim_slot`` says this worker's turn has come. A sweep that
    raises is logged; the next one comes all the same."""

    def __init__(self, app, sweep, *, interval):
        self.app = app
        self.sweep = sweep
        self.interval = interval
        self.runs = 0  # sweeps this timer made (claimed slots)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="duoshop-sweep", daemon=True)

    def start(self):
        self._thread.start()
        return self

    def stop(self, timeout=None):
        self._stop.set()
        self._thread.join(timeout)

    def _loop(self):
        next_at = time.monotonic()
        while not self._stop.is_set():
            self.tick()
            next_at += self.interval
            if next_at < time.monotonic():  # a sweep longer than the interval: the next one at once, no backlog
                next_at = time.monotonic()
            self._stop.wait(next_at - time.monotonic())

    def tick(self):
        try:
            with self.app.app_context():
                if not claim_slot(self.app, self.interval):
                    return False
                self.sweep()
                self.runs += 1
                return True
        except Exception:
            log.exception("sweep failed; the next one comes in %g s", self.interval)
            return False
