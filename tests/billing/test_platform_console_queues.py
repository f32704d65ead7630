"""The platform's queue screen: counts per rq queue, failed jobs with their store and error,
retry one or all (audited); in embedded mode a polite note instead."""
import pytest
from sqlalchemy import select

from core.audit import AuditLog
from core.extensions import db
from core.jobs import QUEUES, EagerBackend, run_job
from core.tenancy import unscoped
from tests.billing.test_platform import ADMIN_EMAIL, EN
from tests.billing.test_platform_console import sign_in_new_admin
from tests.conftest import csrf_from
from tests.factories import create_store

RUNS = []  # what the flaky job did, in this process (SimpleWorker runs jobs in-process)
BROKEN = {"printer": True}


def print_receipt(order_number):
    """A job that fails while the printer is broken."""
    if BROKEN["printer"]:
        raise RuntimeError(f"printer on fire while printing {order_number}")
    RUNS.append(order_number)


@pytest.fixture
def admin(app_ctx, platform_client):
    return sign_in_new_admin(platform_client)


@pytest.fixture
def rq_backend(app):
    """This run's rq queues, emptied before and after, and a broken printer."""
    backend = app.extensions["duoshop_jobs"]
    if backend.name != "rq":
        pytest.skip("needs Redis: set REDIS_URL")

    def empty():
        for queue in backend.queues():
            queue.empty()
            for registry in (queue.failed_job_registry, queue.scheduled_job_registry):
                for job_id in registry.get_job_ids():
                    registry.remove(job_id, delete_job=True)

    empty()
    RUNS.clear()
    BROKEN["printer"] = True
    yield backend
    empty()


def fail_a_job(backend, store, order_number, jobs, queue="low"):
    """Enqueue a job whose retries are used up (no Retry) and let the worker fail it."""
    backend.queue(queue).enqueue(run_job, print_receipt, store.id, (order_number,))
    jobs.drain()


def counts(html, queue):
    row = html.split(f"<code>{queue}</code>", 1)[1].split("</tr>", 1)[0]
    return {kind: int(row.split(f'data-count="{kind}">', 1)[1].split(" ", 1)[0])
            for kind in ("queued", "started", "scheduled", "failed")}


@pytest.mark.redis
def test_failed_jobs_are_listed_with_their_store_and_error_and_retried_once_fixed(admin, rq_backend, jobs, app_ctx):
    demo, tea = create_store("demo"), create_store("tea")
    fail_a_job(rq_backend, demo, "D-1", jobs)
    html = admin.get("/platform/queues", headers=EN).get_data(as_text=True)
    assert counts(html, "low") == {"queued": 0, "started": 0, "scheduled": 0, "failed": 1}
    assert counts(html, "high")["failed"] == 0
    assert "test_platform_console_queues.print_receipt" in html
    assert "RuntimeError: printer on fire while printing D-1" in html
    assert f'href="/platform/tenants/{demo.id}"' in html and f'href="/platform/tenants/{tea.id}"' not in html

    job_id = rq_backend.queue("low").failed_job_registry.get_job_ids()[0]
    token = csrf_from(admin, "/platform/queues")
    BROKEN["printer"] = False
    response = admin.post(f"/platform/queues/failed/{job_id}/retry", data={"csrf_token": token}, headers=EN)
    assert response.status_code == 302
    html = admin.get("/platform/queues", headers=EN).get_data(as_text=True)
    assert counts(html, "low") == {"queued": 1, "started": 0, "scheduled": 0, "failed": 0} and "No failed jobs." in html
    jobs.drain()
    assert RUNS == ["D-1"]
    with unscoped():
        entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "platform.job_retried"))
    assert (entry.actor_type, entry.actor_label, entry.tenant_id) == ("platform_admin", ADMIN_EMAIL, demo.id)
    assert entry.details["job_id"] == job_id

    again = admin.post(f"/platform/queues/failed/{job_id}/retry", data={"csrf_token": token}, headers=EN,
                       follow_redirects=True)
    assert "That job is no longer in the failed list." in again.get_data(as_text=True)


@pytest.mark.redis
def test_retry_all_requeues_every_failed_job_and_audits_each_with_its_store(admin, rq_backend, jobs, app_ctx):
    demo, tea = create_store("demo"), create_store("tea")
    fail_a_job(rq_backend, demo, "D-1", jobs, queue="default")
    fail_a_job(rq_backend, tea, "T-1", jobs, queue="high")
    token = csrf_from(admin, "/platform/queues")
    BROKEN["printer"] = False
    response = admin.post("/platform/queues/failed/retry-all", data={"csrf_token": token}, headers=EN,
                          follow_redirects=True)
    assert "2 failed jobs are queued again." in response.get_data(as_text=True)
    jobs.drain()
    assert sorted(RUNS) == ["D-1", "T-1"]
    with unscoped():
        rows = db.session.scalars(select(AuditLog).where(AuditLog.action == "platform.job_retried")).all()
    assert sorted((row.tenant_id, row.actor_label) for row in rows) == sorted(
        [(demo.id, ADMIN_EMAIL), (tea.id, ADMIN_EMAIL)])


def test_embedded_mode_says_there_are_no_queues_and_offers_no_retry(admin, app, monkeypatch):
    monkeypatch.setitem(app.extensions, "duoshop_jobs", EagerBackend(app))
    response = admin.get("/platform/queues", headers=EN)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "runs its background jobs in-process" in html
    assert "Retry" not in html and all(f"<code>{queue}</code>" not in html for queue in QUEUES)
    token = csrf_from(admin, "/platform/queues")
    assert admin.post("/platform/queues/failed/retry-all", data={"csrf_token": token}).status_code == 404
