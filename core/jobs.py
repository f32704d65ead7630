"""Background jobs: one ``enqueue`` for the whole code base, three backends behind it.

- ``rq``: Redis queues ``high``/``default``/``low``, run by ``make worker``;
- ``thread``: an in-process worker thread, so ``make run`` needs no Redis;
- ``eager``: run at once in a fresh app context (tests without Redis).

Every job runs through ``run_job``, which pushes its own app context (so its own database
session) and enters the tenant the job was enqueued for. Jobs take ids, not objects, and
must be idempotent: rq promises neither exactly-once nor at-least-once delivery.

Work that follows a database change is not enqueued here directly but published as an
event (``core.outbox``), which the relay hands to these backends.
"""
import heapq
import itertools
import logging
import os
import threading
import time
from datetime import UTC, datetime, timedelta

from flask import current_app, has_app_context
from werkzeug.utils import import_string

from core import outbox
from core.tenancy import tenant_context

log = logging.getLogger(__name__)

QUEUES = ("high", "default", "low")
RETRY_INTERVALS = (10, 60, 300)  # seconds before the 1st, 2nd and 3rd retry


def enqueue(func, *args, tenant_id=None, queue="default", delay=None, job_id=None):
    """Run ``func(*args)`` in the background, inside ``tenant_id``'s context when given.

    ``delay`` (seconds or timedelta) schedules it for later. ``func`` must be a
    module-level function so it can be pickled by reference.
    """
    if queue not in QUEUES:
        raise ValueError(f"unknown queue {queue!r}")
    if isinstance(delay, (int, float)):
        delay = timedelta(seconds=delay)
    backend = current_app.extensions["duoshop_jobs"]
    return backend.enqueue(func, args, tenant_id=tenant_id, queue=queue, delay=delay, job_id=job_id)


def run_job(func, tenant_id, args):
    """Entry point of every job, whichever backend runs it."""
    app = current_app._get_current_object() if has_app_context() else _standalone_app()
    with app.app_context():
        if tenant_id is None:
            return func(*args)
        with tenant_context(tenant_id):
            return func(*args)


_app = None


def _standalone_app():
    """For a bare ``rq worker`` process, which starts without a Flask app. The factory is
    named, like Flask's own ``--app``, because core sits below the package that builds
    the app (``DUOSHOP_APP_FACTORY`` overrides it)."""
    global _app
    if _app is None:
        _app = import_string(os.environ.get("DUOSHOP_APP_FACTORY", "duoshop.app:create_app"))()
    return _app


class EagerBackend:
    """Runs jobs immediately; delayed jobs wait in ``scheduled`` until ``run_due``."""

    name = "eager"

    def __init__(self, app):
        self.app = app
        self.scheduled = []

    def enqueue(self, func, args, *, tenant_id, queue, delay, job_id):
        if delay:
            self.scheduled.append((datetime.now(UTC) + delay, func, tenant_id, args))
            return None
        return run_job(func, tenant_id, args)

    def run_due(self, now=None):
        """Run the outbox events and scheduled jobs whose time has come (tests pass a
        simulated ``now``)."""
        now = now or datetime.now(UTC)
        outbox.relay_due(now=now)
        due = [job for job in self.scheduled if job[0] <= now]
        self.scheduled = [job for job in self.scheduled if job[0] > now]
        return [run_job(func, tenant_id, args) for _, func, tenant_id, args in due]


class ThreadBackend:
    """A single worker thread with a time-ordered heap; retries with backoff."""

    name = "thread"

    def __init__(self, app):
        self.app = app
        self._heap = []
        self._counter = itertools.count()
        self._wakeup = threading.Condition()
        self._thread = None
        self.failed = []

    def enqueue(self, func, args, *, tenant_id, queue, delay, job_id):
        run_at = time.monotonic() + (delay.total_seconds() if delay else 0)
        priority = QUEUES.index(queue)
        with self._wakeup:
            heapq.heappush(self._heap, (run_at, priority, next(self._counter), func, tenant_id, args, 0))
            self._wakeup.notify()
        self._ensure_started()
        return None

    def _ensure_started(self):
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._work, name="duoshop-jobs", daemon=True)
            self._thread.start()

    def _work(self):
        while True:
            with self._wakeup:
                while not self._heap or self._heap[0][0] > time.monotonic():
                    timeout = self._heap[0][0] - time.monotonic() if self._heap else None
                    self._wakeup.wait(timeout)
                run_at, priority, _, func, tenant_id, args, attempt = heapq.heappop(self._heap)
            try:
                with self.app.app_context():
                    run_job(func, tenant_id, args)
            except Exception:
                log.exception("job %s failed (attempt %d)", func.__qualname__, attempt + 1)
                if attempt < len(RETRY_INTERVALS):
                    with self._wakeup:
                        entry = (time.monotonic() + RETRY_INTERVALS[attempt], priority, next(self._counter),
                                 func, tenant_id, args, attempt + 1)
                        heapq.heappush(self._heap, entry)
                else:
                    self.failed.append((func.__qualname__, tenant_id, args))


class RQBackend:
    """Redis queues through rq; scheduled jobs need a worker started ``--with-scheduler``."""

    name = "rq"

    def __init__(self, app):
        from redis import Redis

        self.app = app
        self.connection = Redis.from_url(app.config["REDIS_URL"])
        self.prefix = app.config["RQ_QUEUE_PREFIX"]

    def queue(self, name):
        from rq import Queue

        return Queue(self.prefix + name, connection=self.connection)

    def queues(self):
        return [self.queue(name) for name in QUEUES]

    def enqueue(self, func, args, *, tenant_id, queue, delay, job_id):
        from rq import Retry

        options = {
            "retry": Retry(max=len(RETRY_INTERVALS), interval=list(RETRY_INTERVALS)),
            "job_id": job_id,
            "description": f"{func.__module__}.{func.__qualname__} tenant={tenant_id}",
        }
        q = self.queue(queue)
        if delay:
            return q.enqueue_in(delay, run_job, func, tenant_id, args, **options)
        return q.enqueue(run_job, func, tenant_id, args, **options)


BACKENDS = {"eager": EagerBackend, "thread": ThreadBackend, "rq": RQBackend}


def init_app(app):
    app.extensions["duoshop_jobs"] = BACKENDS[app.config["JOB_MODE"]](app)
    outbox.init_app(app)
