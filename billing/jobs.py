"""The billing job: renewal invoices, reminders, dunning, past due, suspension.

``run_billing(now)`` visits every store (in its ``tenant_context``) and re-derives from the
database what is due at ``now``, so running it twice, or two at once, does no more than
once: a renewal invoice is unique per period (``dedupe_key``), each reminder per invoice
(``BillingNotice``), and every state change is a conditional UPDATE. Tests simulate time
by passing ``now``; ``flask billing-run --now 2026-12-01T00:00:00+00:00`` does the same.

The timeline of one period, T being its end (a trial is the first period, T its end),
which is also the due date of the next period's renewal invoice:

====================  ===============================================================
T − 7 days            renewal invoice for the next period (next plan and interval,
                      credit applied); email "invoice issued" (the 7-day reminder)
T − 3 d, T − 1 d      reminder emails while it is unpaid
T, paid               the next period starts (a trial becomes active); unpaid upgrade
                      invoices of the ended period are voided
T, unpaid             past_due; grace until T + ``BILLING_GRACE_DAYS`` (default 7); email
T + 1 d, 3 d, 5 d     dunning reminders
T + grace, unpaid     suspended: storefront and API closed, console open, data kept; email
any time              paying the invoice (WeChat Pay Native) reactivates: active, the
                      invoice's period becomes the current one
====================  ===============================================================

Scheduling: ``flask sweep`` (cron and ``flask worker``, every minute) calls ``run_billing()``
in the foreground, as ``flask billing-run [--now ISO]`` does; ``enqueue_billing_for_all_stores()``
queues one ``bill_store`` job per store on the ``low`` queue instead.
"""
import logging
from datetime import datetime, timedelta

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _
from sqlalchemy import select

from billing.invoices import (
    RENEWAL_LEAD_DAYS,
    issue_renewal_invoice,
    period_values,
    renewal_invoice,
    void_open_invoices,
)
from billing.mail import send_notice
from billing.models import Invoice, Subscription
from billing.states import grace_days, subscription_of, transition
from core.extensions import db
from core.jobs import enqueue
from core.models import utcnow
from core.money import format_money
from core.tenancy import tenant_context, unscoped
from tenants.models import Tenant

log = logging.getLogger(__name__)

REMINDER_DAYS_BEFORE = (1, 3, 7)  # smallest first: the nearest threshold passed is the one sent
DUNNING_DAYS_AFTER = (5, 3, 1)  # largest first, likewise
BILLED_STATUSES = (Subscription.TRIALING, Subscription.ACTIVE, Subscription.PAST_DUE)


def run_billing(now=None):
    """Bill every store at ``now`` (default: the current time). Returns the ids of the stores
    visited. One store's failure is logged and does not stop the others."""
    now = now or utcnow()
    with unscoped():
        tenant_ids = db.session.scalars(select(Tenant.id).where(Tenant.status.in_((Tenant.ACTIVE, Tenant.SUSPENDED)))
                                        .order_by(Tenant.id)).all()
    for tenant_id in tenant_ids:
        try:
            with tenant_context(tenant_id):
                bill_store(now.isoformat())
        except Exception:
            db.session.rollback()
            log.exception("billing failed for store %s", tenant_id)
    return tenant_ids


def enqueue_billing_for_all_stores():
    """The rq hook: one ``bill_store`` job per store."""
    with unscoped():
        tenant_ids = db.session.scalars(select(Tenant.id).where(Tenant.status.in_((Tenant.ACTIVE, Tenant.SUSPENDED)))
                                        ).all()
    for tenant_id in tenant_ids:
        enqueue(bill_store, tenant_id=tenant_id, queue="low")
    return tenant_ids


def bill_store(now_iso=None):
    """Everything due at ``now_iso`` for the current store; commits. Safe to run any time."""
    now = datetime.fromisoformat(now_iso) if now_iso else utcnow()
    subscription = subscription_of()
    if subscription is None or subscription.current_period_end is None:
        return None
    _end_periods(subscription, now)
    _issue_renewal(subscription, now)
    _remind(subscription, now)
    _suspend_after_grace(subscription, now)
    db.session.commit()
    return subscription.status


def bill_resumed_store(subscription, now):
    """A store a platform admin just resumed: the period (or trial) end that passed while it
    was suspended takes effect now as the billing run makes it take effect (the paid next
    period starts, or past due with the renewal invoice and its email), the grace period
    counted from the resume so the next run does not close the store again. Does not commit."""
    _issue_renewal(subscription, now)
    _end_periods(subscription, now, grace_from=now)


def _end_periods(subscription, now, *, grace_from=None):
    """At each period end passed: start the paid next period, or lapse into past due (grace
    from the period end, or from ``grace_from``)."""
    grace = {"grace_ends_at": grace_from + timedelta(days=grace_days())} if grace_from else {}
    running = (Subscription.TRIALING, Subscription.ACTIVE)
    while subscription.status in running and now >= subscription.current_period_end:
        ended = subscription.current_period_end
        void_open_invoices(subscription, kinds=(Invoice.UPGRADE,), reason="period ended")
        paid = renewal_invoice(subscription, Invoice.PAID)
        if paid is not None:
            transition(subscription, "pay", now=ended, reason=paid.number, **period_values(subscription, paid))
            continue
        if transition(subscription, "lapse", now=ended, **grace):
            invoice = renewal_invoice(subscription)
            if invoice is not None:
                send_notice(invoice, "past-due", _("Invoice %(number)s is past due", number=invoice.number),
                            _("Your store's plan ended on %(date)s and invoice %(number)s (%(amount)s) is unpaid. "
                              "Pay it in Billing before %(grace)s to keep your store open.",
                              date=ended.date().isoformat(), number=invoice.number,
                              amount=format_money(invoice.total),
                              grace=subscription.grace_ends_at.date().isoformat()), now=now)
        return


def _issue_renewal(subscription, now):
    if subscription.status not in BILLED_STATUSES:
        return
    if now < subscription.current_period_end - timedelta(days=RENEWAL_LEAD_DAYS):
        return
    if renewal_invoice(subscription) is None and renewal_invoice(subscription, Invoice.PAID) is None:
        issue_renewal_invoice(subscription, now=now)


def _remind(subscription, now):
    invoice = renewal_invoice(subscription)
    if invoice is None or invoice.status != Invoice.OPEN:
        return
    amount, number = format_money(invoice.total), invoice.number
    if now < invoice.due_at:
        days = next((d for d in REMINDER_DAYS_BEFORE if now >= invoice.due_at - timedelta(days=d)), None)
        if days is None:
            return
        subject = (_("Invoice %(number)s issued", number=number) if days == 7
                   else _("Invoice %(number)s is due in %(days)d days", number=number, days=days))
        send_notice(invoice, f"due-{days}", subject,
                    _("Invoice %(number)s for %(amount)s is due on %(date)s. Pay it in Billing with WeChat Pay.",
                      number=number, amount=amount, date=invoice.due_at.date().isoformat()), now=now)
        return
    days = next((d for d in DUNNING_DAYS_AFTER if now >= invoice.due_at + timedelta(days=d)), None)
    if days is None or subscription.status != Subscription.PAST_DUE:
        return
    send_notice(invoice, f"overdue-{days}", _("Reminder: invoice %(number)s is overdue", number=number),
                _("Invoice %(number)s for %(amount)s is %(days)d days overdue. Your store closes on %(date)s "
                  "unless it is paid.", number=number, amount=amount, days=days,
                  date=subscription.grace_ends_at.date().isoformat()), now=now)


def _suspend_after_grace(subscription, now):
    if subscription.status != Subscription.PAST_DUE or now < subscription.grace_ends_at:
        return
    if transition(subscription, "suspend", now=now, reason="unpaid"):
        invoice = renewal_invoice(subscription)
        if invoice is not None:
            send_notice(invoice, "suspended", _("Your store is closed: invoice %(number)s is unpaid",
                                                number=invoice.number),
                        _("Your storefront is closed to shoppers until invoice %(number)s (%(amount)s) is paid. "
                          "Nothing has been deleted; paying in Billing reopens it at once.",
                          number=invoice.number, amount=format_money(invoice.total)), now=now)


@click.command("billing-run")
@click.option("--now", "now_iso", default=None, help="Bill as if it were this ISO time (simulated time).")
@with_appcontext
def billing_run_command(now_iso):
    """Issue renewal invoices, send reminders, move unpaid stores to past due and suspend
    them after the grace period, in every store. Safe to run twice."""
    now = datetime.fromisoformat(now_iso) if now_iso else None
    if now is not None and now.tzinfo is None:
        raise click.BadParameter("give a time zone, e.g. 2026-12-01T00:00:00+00:00", param_hint="--now")
    stores = run_billing(now)
    click.echo(f"billing run for {len(stores)} stores")
