"""Platform-admin verbs: accounts, actions on stores, background queues; every action is
audited with the admin as the actor. The console's lists are read by ``billing.queries``."""
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from billing.errors import BillingError
from billing.invoices import refund_invoice
from billing.jobs import bill_resumed_store
from billing.models import PlatformAdmin
from billing.subscriptions import apply_credit, change_plan, extend_trial, transition
from core.audit import record_audit
from core.emails import normalize_email
from core.errors import DomainError
from core.extensions import db
from core.jobs import QUEUES
from core.models import utcnow
from core.money import format_money
from tenants.entitlements import LIMITS, entitlements_of, usage_of
from tenants.service import mark_domain_verified


def create_platform_admin(*, email, password):
    email = normalize_email(email)
    admin = db.session.scalar(select(PlatformAdmin).where(PlatformAdmin.email == email))
    if admin is None:
        admin = PlatformAdmin(email=email)
        db.session.add(admin)
    admin.set_password(password)
    db.session.flush()
    record_audit("platform.admin_saved", actor=None, target=admin, details={"email": email})
    return admin


def authenticate_admin(*, email, password):
    admin = db.session.scalar(select(PlatformAdmin).where(PlatformAdmin.email == (email or "").strip().lower()))
    if admin is None or not admin.active or not admin.check_password(password):
        return None
    return admin


def sign_in_admin(*, email, password):
    """The active admin with these credentials, their sign-in stamped and audited (not
    committed); None when the email or password is not right."""
    admin = authenticate_admin(email=email, password=password)
    if admin is not None:
        admin.last_login_at = utcnow()
        record_audit("platform.signed_in", actor=admin, target=admin)
    return admin


def set_domain_verified(*, actor, domain, verified):
    """A platform admin vouches for a domain (stores verify their own by DNS TXT record,
    ``tenants.service.verify_domain``) or revokes it.

    :raise AlreadyTaken: another store holds the hostname verified
    """
    if verified:
        return mark_domain_verified(domain, actor=actor)
    domain.verified = False
    record_audit("domain.unverified", actor=actor, tenant_id=domain.tenant_id, target=domain,
                 details={"hostname": domain.hostname})
    return domain


# ---------------------------------------------------------------- actions on a store

MAX_CREDIT = 100_000_00  # fen; a bigger gesture is a contract, not a console click
REASON_LENGTH = 255


class PlatformInputError(DomainError):
    """What a platform admin typed cannot be used; nothing was written."""

    status = 422


def _reason(text, field="reason"):
    reason = (text or "").strip()
    if not reason:
        raise PlatformInputError(_("Give a reason: it goes into the store's audit trail."), field=field)
    if len(reason) > REASON_LENGTH:
        raise PlatformInputError(_("Keep the reason under %(n)d characters.", n=REASON_LENGTH), field=field)
    return reason


def change_store_plan(subscription, *, plan_code, interval, actor, now=None):
    """Move the store to another plan or interval (``billing.subscriptions.change_plan``
    decides between at once, an upgrade invoice, or at the period end); returns the upgrade
    invoice, if any."""
    return change_plan(subscription, (plan_code or "").strip(), (interval or "").strip(), now=now, actor=actor)


def extend_store_trial(subscription, *, days, actor, now=None):
    """Give the store ``days`` more trial days (see ``billing.subscriptions.extend_trial``)."""
    return extend_trial(subscription, days, actor=actor, now=now)


def grant_store_credit(tenant_id, *, amount, note, actor):
    """Grant ``amount`` fen of credit, at most ``MAX_CREDIT``, with a note the store sees.

    :raise PlatformInputError: not above 0, or above ``MAX_CREDIT``
    """
    if amount is None or amount <= 0:
        raise PlatformInputError(_("Enter the credit in yuan, like 50 or 49.90."), field="amount")
    if amount > MAX_CREDIT:
        raise PlatformInputError(_("A credit can be at most %(max)s.", max=format_money(MAX_CREDIT)), field="amount")
    return apply_credit(tenant_id, amount, actor=actor, note=note)


def suspend_store(subscription, *, reason, actor, now=None):
    """Close the store (storefront and API answer "store closed"; data kept) with a reason.

    :raise BillingError: the subscription is already suspended or cancelled
    """
    if not transition(subscription, "suspend", now=now, actor=actor, reason=_reason(reason)):
        raise BillingError(_("Only a store in its trial, active or past due can be suspended."))
    return subscription


def resume_store(subscription, *, reason, actor, now=None):
    """Reopen a suspended store without a payment, with a reason: back to the state it was
    suspended from (a trial with its trial end, past due with its open invoice, active). A
    trial or period that ended meanwhile then ends as the billing run ends it.

    :raise BillingError: the subscription is not suspended
    """
    now = now or utcnow()
    if not transition(subscription, "resume", now=now, actor=actor, reason=_reason(reason)):
        raise BillingError(_("Only a suspended store can be resumed."))
    bill_resumed_store(subscription, now)
    return subscription


def refund_store_invoice(invoice, *, reason, actor):
    return refund_invoice(invoice, actor=actor, reason=_reason(reason, field="refund_reason"))


def store_usage(tenant_id):
    """``[(what, used, allowed)]`` for the usage bars; ``allowed`` None is unlimited, True or
    False a feature the plan has or not."""
    allowed, used = entitlements_of(tenant_id), usage_of(tenant_id)
    return [(what, used.get(key) if key else None, getattr(allowed, field))
            for what, (field, key) in LIMITS.items()]


# ---------------------------------------------------------------- background queues

@dataclass(frozen=True)
class QueueCounts:
    name: str
    queued: int
    started: int
    failed: int
    scheduled: int


@dataclass(frozen=True)
class FailedJob:
    id: str
    queue: str
    function: str
    tenant_id: int | None
    error: str  # the exception's last line: "OutOfStock: sku 3 has 0 left"
    failed_at: datetime | None


class JobNotFailed(DomainError):
    """The job is no longer in the failed list (retried already, or expired)."""

    status = 409


def job_backend():
    """The rq backend, or None in embedded mode (jobs run in-process, nothing queues up)."""
    backend = current_app.extensions["duoshop_jobs"]
    return backend if backend.name == "rq" else None


def queue_counts(backend):
    return [QueueCounts(name, queued=queue.count, started=queue.started_job_registry.count,
                        failed=queue.failed_job_registry.count, scheduled=queue.scheduled_job_registry.count)
            for name, queue in zip(QUEUES, backend.queues(), strict=True)]


def failed_jobs(backend, *, limit=100):
    """The failed jobs of every queue, most recent failure first."""
    from rq.job import Job

    jobs = []
    for name, queue in zip(QUEUES, backend.queues(), strict=True):
        ids = queue.failed_job_registry.get_job_ids(0, limit - 1, desc=True)
        jobs += [_failed_job(name, job) for job in Job.fetch_many(ids, connection=backend.connection) if job]
    oldest = datetime.min.replace(tzinfo=UTC)
    return sorted(jobs, key=lambda job: job.failed_at or oldest, reverse=True)[:limit]


def _failed_job(queue_name, job):
    function, tenant_id = job.description or "", None
    try:  # every job runs as run_job(func, tenant_id, args); see core.jobs
        func, tenant_id = job.args[0], job.args[1]
        function = f"{func.__module__}.{func.__qualname__}"
    except Exception:  # noqa: BLE001 — a job whose code is gone still gets listed, by its description
        pass
    result = job.latest_result()
    error = (result.exc_string or "") if result is not None else ""
    last_line = next((line.strip() for line in reversed(error.splitlines()) if line.strip()), "")
    failed_at = job.ended_at.replace(tzinfo=UTC) if job.ended_at and job.ended_at.tzinfo is None else job.ended_at
    return FailedJob(job.id, queue_name, function, tenant_id if isinstance(tenant_id, int) else None,
                     last_line, failed_at)


def retry_failed_job(backend, job_id, *, actor):
    """Put one failed job back on its queue.

    :raise JobNotFailed: it is not in any failed list (retried by someone else, or expired)
    """
    from rq.exceptions import InvalidJobOperation, NoSuchJobError
    from rq.job import Job

    for name, queue in zip(QUEUES, backend.queues(), strict=True):
        registry = queue.failed_job_registry
        if job_id not in registry:
            continue
        try:
            job = Job.fetch(job_id, connection=backend.connection)
            listed = _failed_job(name, job)
            registry.requeue(job)
        except (InvalidJobOperation, NoSuchJobError):
            break
        record_audit("platform.job_retried", actor=actor, tenant_id=listed.tenant_id,
                     details={"job_id": job_id, "queue": name, "function": listed.function})
        return listed
    raise JobNotFailed(_("That job is no longer in the failed list."))


def retry_all_failed_jobs(backend, *, actor):
    """Retry every failed job; returns how many went back on their queues."""
    retried = 0
    for job in failed_jobs(backend, limit=10_000):
        try:
            retry_failed_job(backend, job.id, actor=actor)
        except JobNotFailed:
            continue  # someone else retried it meanwhile
        retried += 1
    return retried
