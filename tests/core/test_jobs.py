"""Jobs: one enqueue, tenant context inside the job, retries with backoff, scheduling."""
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from core import jobs as jobs_module
from core.jobs import EagerBackend, ThreadBackend, enqueue
from core.tenancy import current_tenant_id

CALLS = []
ATTEMPTS = {"count": 0}
DONE = threading.Event()


def remember_tenant(label):
    CALLS.append((label, current_tenant_id()))


def fail_twice_then_succeed():
    ATTEMPTS["count"] += 1
    if ATTEMPTS["count"] < 3:
        raise RuntimeError("temporary failure")
    DONE.set()


def always_fail():
    raise RuntimeError("permanent failure")


@pytest.fixture(autouse=True)
def reset_job_records():
    CALLS.clear()
    ATTEMPTS["count"] = 0
    DONE.clear()


def test_unknown_queue_is_refused(app_ctx):
    with pytest.raises(ValueError, match="unknown queue"):
        enqueue(remember_tenant, "x", queue="urgent")


def test_eager_backend_runs_delayed_jobs_only_when_due(app_ctx):
    backend = EagerBackend(app_ctx)
    backend.enqueue(remember_tenant, ("later",), tenant_id=7, queue="default", delay=timedelta(minutes=30),
                    job_id=None)
    assert backend.run_due() == [] and CALLS == []
    backend.run_due(now=datetime.now(UTC) + timedelta(minutes=31))
    assert CALLS == [("later", 7)]


def test_thread_backend_runs_jobs_in_their_tenant_and_retries_with_backoff(app, monkeypatch):
    monkeypatch.setattr(jobs_module, "RETRY_INTERVALS", (0.01, 0.01, 0.01))
    backend = ThreadBackend(app)
    backend.enqueue(remember_tenant, ("now",), tenant_id=3, queue="high", delay=None, job_id=None)
    backend.enqueue(fail_twice_then_succeed, (), tenant_id=None, queue="default", delay=None, job_id=None)
    assert DONE.wait(5), "the flaky job never succeeded"
    assert ATTEMPTS["count"] == 3
    assert ("now", 3) in CALLS


def test_thread_backend_records_a_job_that_keeps_failing(app, monkeypatch):
    monkeypatch.setattr(jobs_module, "RETRY_INTERVALS", (0.01,))
    backend = ThreadBackend(app)
    backend.enqueue(always_fail, (), tenant_id=5, queue="low", delay=None, job_id=None)
    deadline = time.monotonic() + 5
    while not backend.failed and time.monotonic() < deadline:
        time.sleep(0.02)
    assert backend.failed == [("always_fail", 5, ())]


@pytest.mark.redis
def test_rq_failure_is_retried_later_then_lands_in_failed_registry(app_ctx, jobs):
    from rq.job import JobStatus
    from rq.registry import FailedJobRegistry

    job = enqueue(always_fail, tenant_id=None, queue="low")
    assert job.retries_left == 3 and job.retry_intervals == [10, 60, 300]
    jobs.drain()
    job.refresh()
    assert job.get_status() == JobStatus.SCHEDULED and job.retries_left == 2
    # Exhaust retries by moving the job back onto the queue each time.
    queue = jobs.backend.queue("low")
    for _ in range(3):
        job.refresh()
        if job.get_status() == JobStatus.FAILED:
            break
        queue.scheduled_job_registry.remove(job)
        queue.enqueue_job(job)
        jobs.drain()
    job.refresh()
    assert job.get_status() == JobStatus.FAILED
    assert job.id in FailedJobRegistry(queue=queue).get_job_ids()


@pytest.mark.redis
def test_rq_job_runs_in_the_tenant_it_was_enqueued_for(app_ctx, jobs):
    enqueue(remember_tenant, "rq", tenant_id=42)
    jobs.drain()
    assert CALLS == [("rq", 42)]


def test_an_event_goes_out_after_the_real_commit_not_a_savepoint_and_never_after_a_rollback(app_ctx, monkeypatch):
    from sqlalchemy import select, text

    from core import outbox
    from core.extensions import db

    relayed = []
    monkeypatch.setattr(outbox, "relay_due", lambda **kwargs: relayed.append(kwargs["ids"]))
    db.session.execute(text("SELECT 1"))
    outbox.publish("test.nothing", tenant_id=None)
    with db.session.begin_nested():  # a savepoint released (a ledger entry, a quota row …)
        db.session.execute(text("SELECT 1"))
    assert relayed == []
    db.session.rollback()
    assert relayed == [] and db.session.scalars(select(outbox.OutboxEvent.id)).all() == []  # no event either

    event_id = outbox.publish("test.nothing", tenant_id=None)
    with pytest.raises(ValueError), db.session.begin_nested():  # a savepoint rolled back: the transaction goes on
        raise ValueError
    db.session.commit()
    assert relayed == [[event_id]]
