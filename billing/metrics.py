"""The numbers of the platform's billing overview: MRR, subscriptions by status, churn and
revenue per month.

The arithmetic is pure functions over plain rows (unit-tested on hand-computed numbers);
``billing_overview`` reads those rows across every store and hands them over. Months are
calendar months in the platform's time zone (China time), the last 12 including this one.

- **MRR** is what the *active* subscriptions bring in per month: the monthly price, or the
  yearly price divided by 12 rounded half up to the fen (¥1,990.00 a year → ¥165.83). A
  trial pays nothing yet and a past-due store has not paid its renewal, so neither counts.
- **Churn** of a month is the stores that became suspended or cancelled in it, divided by
  the stores whose subscription was active when it began (None when none was). The status
  history is the audit log's ``subscription.<event>`` rows, which ``billing.states``
  writes in the same transaction as every transition, so it cannot drift from the rows.
- **Revenue** of a month is the totals of the invoices paid in it (cash: credit applied is
  not revenue) less the totals of the invoices refunded in it.
"""
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import or_, select

from billing.models import Invoice, Subscription
from core.audit import AuditLog
from core.extensions import db
from core.tenancy import unscoped
from tenants.plans import plan

MONTHS_SHOWN = 12
CHURNED = (Subscription.SUSPENDED, Subscription.CANCELLED)


@dataclass(frozen=True)
class StatusChange:
    """One transition of one store's subscription, as the audit log recorded it."""

    tenant_id: int
    at: datetime
    old: str
    new: str


@dataclass(frozen=True)
class MonthlyFigures:
    month: date  # the first day of the month
    revenue: int  # fen
    active_at_start: int
    churned: int

    @property
    def churn_rate(self):
        """Churned ÷ active at the start, or None when nobody was active to churn."""
        return self.churned / self.active_at_start if self.active_at_start else None


@dataclass(frozen=True)
class BillingOverview:
    mrr: int  # fen
    counts: dict  # status → subscriptions
    months: list  # MonthlyFigures, oldest first


def monthly_equivalent(plan_code, interval):
    """Fen per month of a subscription to ``plan_code`` billed every ``interval``: a yearly
    price is divided by 12 and rounded half up to the fen (an error of at most half a fen
    per store, never a yuan below 200 stores)."""
    price = plan(plan_code).price(interval)
    return price if interval == Subscription.MONTH else (price + 6) // 12


def mrr_of(subscription):
    """What this subscription adds to MRR: its monthly equivalent while active, else 0."""
    if subscription.status != Subscription.ACTIVE:
        return 0
    return monthly_equivalent(subscription.plan, subscription.interval)


def mrr(subscriptions):
    return sum(mrr_of(subscription) for subscription in subscriptions)


def status_counts(subscriptions):
    """``{status: how many}`` with every status present, zeros included."""
    counted = Counter(subscription.status for subscription in subscriptions)
    return {status: counted.get(status, 0) for status in Subscription.STATUSES}


def last_months(now, tz, count=MONTHS_SHOWN):
    """The first days of the last ``count`` months in ``tz``, oldest first, this one last."""
    local = now.astimezone(tz)
    index = local.year * 12 + local.month - 1
    return [date(i // 12, i % 12 + 1, 1) for i in range(index - count + 1, index + 1)]


def month_start(month, tz):
    """Midnight in ``tz`` on the first of ``month``, as a UTC moment."""
    return datetime(month.year, month.month, 1, tzinfo=tz).astimezone(UTC)


def month_of(moment, tz):
    local = moment.astimezone(tz)
    return date(local.year, local.month, 1)


def revenue_by_month(invoices, months, tz):
    """Fen per month: invoices paid in it less invoices refunded in it. ``invoices`` are
    ``(total, paid_at, refunded_at)``; a refunded invoice counts in both months."""
    revenue = dict.fromkeys(months, 0)
    for total, paid_at, refunded_at in invoices:
        if paid_at is not None and month_of(paid_at, tz) in revenue:
            revenue[month_of(paid_at, tz)] += total
        if refunded_at is not None and month_of(refunded_at, tz) in revenue:
            revenue[month_of(refunded_at, tz)] -= total
    return [revenue[month] for month in months]


def status_at(moment, *, created_at, current, changes):
    """A store's subscription status at ``moment`` (None if it did not exist yet), from its
    status now and its ``changes`` (StatusChange, oldest first)."""
    if created_at > moment:
        return None
    before = [change for change in changes if change.at <= moment]
    if before:
        return before[-1].new
    return changes[0].old if changes else current


def churn_by_month(subscriptions, changes, months, tz):
    """``[(active at the start, churned in the month)]`` per month. ``subscriptions`` are
    ``(tenant_id, created_at, status now)``; ``changes`` StatusChange rows in any order. A
    store counts as churned once per month however often it moved between closed states."""
    by_store = {}
    for change in sorted(changes, key=lambda change: change.at):
        by_store.setdefault(change.tenant_id, []).append(change)
    figures = []
    for month in months:
        start = month_start(month, tz)
        active = sum(1 for tenant_id, created_at, current in subscriptions
                     if status_at(start, created_at=created_at, current=current,
                                  changes=by_store.get(tenant_id, [])) == Subscription.ACTIVE)
        churned = {change.tenant_id for change in changes
                   if change.new in CHURNED and change.old not in CHURNED and month_of(change.at, tz) == month}
        figures.append((active, len(churned)))
    return figures


# ---------------------------------------------------------------- reading the rows

def billing_overview(now):
    """Every number of the overview, read across all stores on purpose."""
    tz = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    months = last_months(now, tz)
    with unscoped():
        subscriptions = db.session.scalars(select(Subscription)).all()
        invoices = db.session.execute(
            select(Invoice.total, Invoice.paid_at, Invoice.refunded_at)
            .where(Invoice.paid_at.is_not(None), or_(Invoice.paid_at >= month_start(months[0], tz),
                                                     Invoice.refunded_at >= month_start(months[0], tz)))).all()
        entries = db.session.scalars(select(AuditLog).where(AuditLog.action.like("subscription.%"),
                                                            AuditLog.tenant_id.is_not(None))).all()
    changes = [StatusChange(entry.tenant_id, _aware(entry.created_at), entry.details["from"], entry.details["to"])
               for entry in entries if isinstance(entry.details, dict) and {"from", "to"} <= entry.details.keys()]
    rows = [(s.tenant_id, _aware(s.created_at), s.status) for s in subscriptions]
    revenue = revenue_by_month(invoices, months, tz)
    churn = churn_by_month(rows, changes, months, tz)
    return BillingOverview(
        mrr=mrr(subscriptions), counts=status_counts(subscriptions),
        months=[MonthlyFigures(month, revenue[i], *churn[i]) for i, month in enumerate(months)])


def _aware(moment):
    """SQLite gives back ``created_at`` without its zone; it is UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
