"""Subscriptions: the trial every new store starts with, plan changes, trial extensions and
credits. The state machine itself is ``billing.states`` (``TRANSITIONS``, ``transition``),
re-exported here.

Plan changes (``change_plan``):

- during the trial: the plan and interval change at once, nothing is charged;
- an upgrade mid-period (a higher plan): an "upgrade" invoice for the rest of the period,
  ``prorate`` below; the plan changes when that invoice is paid. A change of interval that
  comes with it waits for the period end;
- a downgrade, or only a change of interval: takes effect at the period end
  (``pending_plan`` / ``pending_interval``). No refund and no credit for the rest of the
  period — the store keeps what it paid for until then;
- past due, suspended or cancelled: refused, the open invoice comes first.

Credits (``apply_credit``) are granted by platform admins and consumed, oldest first, by
the next invoices issued (never by one already open).
"""
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from billing.errors import BillingError
from billing.invoices import UPGRADE_DUE_DAYS, issue_invoice, refresh_renewal_invoice, void_open_invoices
from billing.models import Credit, Invoice, Subscription
from billing.states import TRANSITIONS, allowed, subscription_of, transition
from core.audit import record_audit
from core.extensions import db
from core.models import utcnow
from core.tenancy import current_tenant_id, tenant_context
from tenants.plans import TRIAL_PLAN, Plan, add_interval, plan
from tenants.provisioning import provisioning_step

DAY = timedelta(days=1)

__all__ = ["TRANSITIONS", "TRIAL_PLAN", "PlanChange", "add_interval", "allowed", "apply_credit", "cancel_subscription",
           "change_plan", "credit_balance", "extend_trial", "preview_plan_change", "prorate", "start_trial",
           "subscription_of", "transition"]


@provisioning_step(order=30)
def start_trial(tenant):
    """Give the store its trial subscription, once; the trial is its first period."""
    subscription = db.session.scalar(select(Subscription))
    if subscription is None:
        now = utcnow()
        ends = now + timedelta(days=current_app.config["TRIAL_DAYS"])
        subscription = Subscription(plan=TRIAL_PLAN, status=Subscription.TRIALING, interval=Subscription.MONTH,
                                    trial_ends_at=ends, current_period_start=now, current_period_end=ends)
        db.session.add(subscription)
        db.session.flush()
    return subscription


def prorate(old_price, new_price, *, period_start, period_end, now):
    """Fen owed to move from ``old_price`` to ``new_price`` (both for the whole period) at
    ``now``: the price difference times whole days left over days in the period.

    - days in the period: ``(period_end - period_start)`` in days, rounded to the nearest day;
    - days left: whole days from ``now`` to ``period_end`` (the day under way is free);
    - amount: ``(new - old) × left / total``, rounded half up to a whole fen, never below 0.
    """
    total_days = max(1, round((period_end - period_start) / DAY))
    left_days = min(total_days, max(0, (period_end - now) // DAY))
    difference = max(0, new_price - old_price)
    return (2 * difference * left_days + total_days) // (2 * total_days)  # half up, in integers


@dataclass(frozen=True)
class PlanChange:
    """What ``change_plan`` would do, shown before the merchant confirms."""

    NOW = "now"  # during the trial, or an upgrade with nothing left to charge
    INVOICE = "invoice"  # an upgrade: ``amount`` fen for ``days_left`` days, the plan changes when paid
    PERIOD_END = "period_end"  # a downgrade or interval change, from ``starts_at``

    effect: str
    plan: Plan
    interval: str
    amount: int = 0
    days_left: int = 0
    starts_at: datetime | None = None


def preview_plan_change(subscription, plan_code, interval, *, now=None):
    """How moving to ``plan_code`` every ``interval`` would take effect, changing nothing.

    :raise UnknownPlan: no such plan
    :raise BillingError: unknown interval, no change, or the subscription is not in good standing
    """
    now = now or utcnow()
    new = plan(plan_code)
    if interval not in Subscription.INTERVALS:
        raise BillingError(_("Choose monthly or yearly billing."), field="interval")
    if subscription.status not in (Subscription.TRIALING, Subscription.ACTIVE):
        raise BillingError(_("Please pay the open invoice before changing plans."))
    current = plan(subscription.plan)
    unchanged = (new.code, interval) == (current.code, subscription.interval)
    if unchanged and (subscription.is_trialing() or subscription.next_plan() == current.code
                      and subscription.next_interval() == interval):
        raise BillingError(_("The store is already on this plan."))
    if subscription.is_trialing():
        return PlanChange(PlanChange.NOW, new, interval)
    if new.rank() > current.rank():
        amount = prorate(current.price(subscription.interval), new.price(subscription.interval),
                         period_start=subscription.current_period_start, period_end=subscription.current_period_end,
                         now=now)
        days_left = max(0, (subscription.current_period_end - now) // DAY)
        return PlanChange(PlanChange.INVOICE if amount else PlanChange.NOW, new, interval, amount, days_left)
    return PlanChange(PlanChange.PERIOD_END, new, interval, starts_at=subscription.current_period_end)


def change_plan(subscription, plan_code, interval, *, now=None, actor=None):
    """Switch the store to ``plan_code`` billed every ``interval`` (see the module docstring
    and ``preview_plan_change``). Returns the upgrade invoice to pay, or None when nothing
    is to be paid now. Does not commit.

    :raise UnknownPlan: no such plan
    :raise BillingError: unknown interval, no change, or the subscription is not in good standing
    """
    now = now or utcnow()
    change = preview_plan_change(subscription, plan_code, interval, now=now)
    current_code = subscription.plan
    record_audit("subscription.plan_change", actor=actor, tenant_id=subscription.tenant_id, target=subscription,
                 details={"from": current_code, "to": change.plan.code, "interval": interval,
                          "effect": change.effect, "amount": change.amount})
    if subscription.is_trialing():
        subscription.plan, subscription.interval = change.plan.code, interval
        subscription.pending_plan = subscription.pending_interval = None
        refresh_renewal_invoice(subscription, now=now)
        return None
    void_open_invoices(subscription, kinds=(Invoice.UPGRADE,), reason="replaced by a new plan change")
    subscription.pending_interval = interval if interval != subscription.interval else None
    if change.effect == PlanChange.PERIOD_END:
        subscription.pending_plan = change.plan.code if change.plan.code != current_code else None
        refresh_renewal_invoice(subscription, now=now)
        return None
    subscription.pending_plan = None
    if change.effect == PlanChange.NOW:
        subscription.plan = change.plan.code
        refresh_renewal_invoice(subscription, now=now)
        return None
    description = _("Upgrade from %(old)s to %(new)s for the %(days)d days left in this period",
                    old=plan(current_code).name, new=change.plan.name, days=change.days_left)
    return issue_invoice(subscription, kind=Invoice.UPGRADE, plan_code=change.plan.code, interval=subscription.interval,
                         period_start=now, period_end=subscription.current_period_end,
                         lines=[(description, 1, change.amount)], due_at=now + timedelta(days=UPGRADE_DUE_DAYS),
                         now=now, actor=actor)


def extend_trial(subscription, days, *, actor, now=None):
    """Give ``days`` more trial days (a platform admin's decision): from the later of the
    trial's end and now. Reopens a store whose trial lapsed; its open renewal invoice is
    voided and a new one issued for the new period.

    :raise BillingError: ``days`` not 1…365, or the subscription is active or cancelled
    """
    now = now or utcnow()
    if not isinstance(days, int) or not 1 <= days <= 365:
        raise BillingError(_("Extend a trial by 1 to 365 days."), field="days")
    base = max(subscription.trial_ends_at or now, now)
    ends = base + timedelta(days=days)
    if not transition(subscription, "extend_trial", now=now, actor=actor, reason=f"+{days} days",
                      trial_ends_at=ends, current_period_end=ends):
        raise BillingError(_("Only a store in its trial, past due or suspended can get more trial days."))
    void_open_invoices(subscription, kinds=(Invoice.RENEWAL, Invoice.UPGRADE), reason="trial extended")
    refresh_renewal_invoice(subscription, now=now)
    return subscription


def apply_credit(tenant_id, amount, *, actor, note):
    """Grant ``amount`` fen of credit to the store; the next invoices consume it.

    :raise BillingError: amount not a positive number of fen, or no note
    """
    note = (note or "").strip()
    if not isinstance(amount, int) or amount <= 0:
        raise BillingError(_("Enter a credit above ¥0.00."), field="amount")
    if not note:
        raise BillingError(_("Say why the credit is given."), field="note")
    with tenant_context(tenant_id):
        credit = Credit(amount=amount, remaining=amount, note=note[:255], granted_by=getattr(actor, "email", None))
        db.session.add(credit)
        db.session.flush()
        record_audit("billing.credit_applied", actor=actor, tenant_id=tenant_id, target=credit,
                     details={"amount": amount, "note": credit.note})
    return credit


def credit_balance(tenant_id=None):
    """Fen of credit not yet consumed."""
    with tenant_context(tenant_id if tenant_id is not None else current_tenant_id()):
        return db.session.scalar(select(func.coalesce(func.sum(Credit.remaining), 0)))


def cancel_subscription(subscription, *, actor, reason, now=None):
    """End the subscription (store closed, data kept) and void its open invoices. A new
    paid invoice reactivates it. Returns False if it was already cancelled."""
    if not transition(subscription, "cancel", now=now, actor=actor, reason=reason):
        return False
    void_open_invoices(subscription, kinds=Invoice.KINDS, reason="subscription cancelled")
    return True

