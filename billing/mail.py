"""Billing emails through a pluggable sender, and reminders sent once.

``send_email(to, subject, body)`` hands the message to the backend named by the config key
``BILLING_MAIL_BACKEND``:

- ``smtp`` (the default whenever ``MAIL_URL`` is set): real e-mail through that server
  (``core.mail``);
- ``outbox`` (the default in development and test without ``MAIL_URL``): an ``OutboxEmail``
  row in the current store, which /console/billing lists as "emails sent"; a message outside
  any store (to a platform admin) goes to the log instead, body included;
- ``log`` (the default in production without ``MAIL_URL``): one log line.

Password-reset links go out the same way (``billing.password_mail``), from an outbox event's
subscriber: never inside the request that asked.

``send_notice`` sends one reminder about one invoice at most once: a ``BillingNotice`` row
with a unique ``(invoice, key)`` is inserted first, so a job running twice (or two at once)
sends it once.
"""
import logging

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from billing.models import BillingNotice, OutboxEmail
from core.extensions import db
from core.mail import send_smtp
from core.models import utcnow
from core.tenancy import current_tenant_id
from tenants.models import StaffUser, Tenant

log = logging.getLogger(__name__)


def _to_outbox(to, subject, body, sent_at):
    if current_tenant_id() is None:  # a platform admin's e-mail belongs to no store's outbox
        log.info("email to %s (development outbox, no store): %s\n%s", to, subject, body)
        return
    db.session.add(OutboxEmail(to=to, subject=subject[:255], body=body, sent_at=sent_at))
    db.session.flush()


def _to_log(to, subject, body, sent_at):
    log.info("billing email to %s: %s", to, subject)


def _to_smtp(to, subject, body, sent_at):
    send_smtp(to, subject, body)


BACKENDS = {"outbox": _to_outbox, "log": _to_log, "smtp": _to_smtp}


def send_email(to, subject, body, *, sent_at=None):
    """Send one email with the configured backend (in the current store's context, if any)."""
    config = current_app.config
    name = config.get("BILLING_MAIL_BACKEND") or ("smtp" if config.get("MAIL_URL") else
                                                  "log" if config.get("ENV_NAME") == "production" else "outbox")
    if name not in BACKENDS:
        raise RuntimeError(f"BILLING_MAIL_BACKEND is {name!r}; use one of {', '.join(BACKENDS)}")
    BACKENDS[name](to, str(subject), str(body), sent_at or utcnow())


def sent_emails(limit=50):
    """The current store's billing emails in the outbox, newest first."""
    return db.session.scalars(select(OutboxEmail).order_by(OutboxEmail.id.desc()).limit(limit)).all()


def billing_contact(tenant_id):
    """Where billing emails go: the store's contact email, else its owner's."""
    tenant = db.session.get(Tenant, tenant_id)
    if tenant is not None and tenant.contact_email:
        return tenant.contact_email
    owner = db.session.scalar(select(StaffUser.email).where(StaffUser.role == StaffUser.OWNER).limit(1))
    return owner or "billing@invalid"


def send_notice(invoice, key, subject, body, *, now=None):
    """Email ``subject``/``body`` about ``invoice`` unless notice ``key`` went out before.
    Returns True when this call sent it."""
    try:
        with db.session.begin_nested():
            db.session.add(BillingNotice(invoice_id=invoice.id, key=key))
    except IntegrityError:
        return False
    send_email(billing_contact(invoice.tenant_id), subject, body, sent_at=now)
    return True
