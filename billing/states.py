"""The subscription state machine (re-exported by ``billing.subscriptions``). A transition
is one conditional UPDATE:

    UPDATE subscriptions SET status = :to, … WHERE id = :id AND status IN (:allowed_from)

so a payment notification racing the dunning job (or two platform admins) changes the row
once, and the loser sees ``False``. The same transaction moves ``Tenant.status`` between
active and suspended, which is what the request router reads to close a storefront.

    trialing ─lapse─▶ past_due ─suspend─▶ suspended ─cancel─▶ cancelled
    any of them ─pay─▶ active ─lapse─▶ past_due …
    trialing, active or past_due ─suspend─▶ suspended ─resume─▶ the state it was suspended from

A suspension remembers where it came from (``suspended_from``): resuming a suspended trial
gives back the trial (same trial end, nothing charged, no MRR), a suspended past-due store is
past due again with its open invoice and a new grace period from the resume. Only a store
suspended while active is active again.

``pay`` from ``cancelled`` happens only through a new invoice paid after the cancel
(cancelling voids every open invoice, so no older one can be paid).
"""
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.orm.attributes import set_committed_value

from billing.models import Subscription
from core.audit import record_audit
from core.extensions import db
from core.models import utcnow
from core.tenancy import current_tenant_id, tenant_context
from tenants.entitlements import plan_source
from tenants.models import Tenant

TRIALING, ACTIVE, PAST_DUE, SUSPENDED, CANCELLED = Subscription.STATUSES
DEFAULT_GRACE_DAYS = 7

RESUMABLE = (TRIALING, ACTIVE, PAST_DUE)  # the states a store can be suspended from, and resumed to

# event → (states it may start from, state it leads to); a tuple of states it leads to is
# "the one of them it was suspended from" (``Subscription.suspended_from``)
TRANSITIONS = {
    "pay": ((TRIALING, ACTIVE, PAST_DUE, SUSPENDED, CANCELLED), ACTIVE),  # an invoice was paid
    "lapse": ((TRIALING, ACTIVE), PAST_DUE),  # the period (or trial) ended unpaid: grace starts
    "suspend": ((TRIALING, ACTIVE, PAST_DUE), SUSPENDED),  # grace over, or a platform admin closed it
    "resume": ((SUSPENDED,), RESUMABLE),  # a platform admin reopened it without a payment
    "cancel": ((TRIALING, ACTIVE, PAST_DUE, SUSPENDED), CANCELLED),
    "extend_trial": ((TRIALING, PAST_DUE, SUSPENDED), TRIALING),  # a platform admin gave more trial days
}
CLOSED = (SUSPENDED, CANCELLED)  # the storefront answers "store closed"


def subscription_of(tenant_id=None):
    """The store's subscription (the current tenant's when ``tenant_id`` is None), or None
    for a store made before billing existed."""
    with tenant_context(tenant_id if tenant_id is not None else current_tenant_id()):
        return db.session.scalar(select(Subscription))


@plan_source
def _plan_code(tenant_id):
    subscription = subscription_of(tenant_id)
    return subscription.plan if subscription is not None else None


def grace_days():
    return int(current_app.config.get("BILLING_GRACE_DAYS") or DEFAULT_GRACE_DAYS)


def allowed(event, status):
    return status in TRANSITIONS[event][0]


def _values_for(target, now, reason, previous):
    unsuspended = {"suspended_at": None, "suspended_reason": None, "suspended_from": None}
    cleared = {"past_due_since": None, "grace_ends_at": None, **unsuspended}
    if target == ACTIVE:
        return {**cleared, "cancelled_at": None}
    if target == TRIALING:
        return cleared
    if target == PAST_DUE and previous == SUSPENDED:  # resumed: still past due since then, a new grace period
        return {"grace_ends_at": now + timedelta(days=grace_days()), **unsuspended}
    if target == PAST_DUE:
        return {"past_due_since": now, "grace_ends_at": now + timedelta(days=grace_days())}
    if target == SUSPENDED:
        return {"suspended_at": now, "suspended_reason": (reason or "unpaid")[:255], "suspended_from": previous}
    return {"cancelled_at": now, "suspended_from": None}


def transition(subscription, event, *, now=None, actor=None, reason=None, **values):
    """Move ``subscription`` by ``event`` if its current state allows it; the dates that go
    with the new state (grace end, suspension reason …) and ``values`` are written in the
    same UPDATE, and the change is audited (``actor`` None is the system). Returns True
    when this call made the change, False when the row was not (or no longer) in a state
    the event starts from."""
    sources, target = TRANSITIONS[event]
    now = now or utcnow()
    previous = subscription.status
    guards = [Subscription.status.in_(sources)]
    if isinstance(target, tuple):  # back to where it came from, as long as that is what the row says
        target = subscription.suspended_from
        if target not in TRANSITIONS[event][1]:
            return False
        guards.append(Subscription.suspended_from == target)
    if target == SUSPENDED:  # remembered as suspended_from: the row must still be in that state
        guards.append(Subscription.status == previous)
    values = {"status": target, **_values_for(target, now, reason, previous), **values}
    result = db.session.execute(
        update(Subscription).where(Subscription.id == subscription.id, *guards)
        .values(**values).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        return False
    for name, value in values.items():
        set_committed_value(subscription, name, value)
    _sync_store_status(subscription.tenant_id, closed=target in CLOSED)
    record_audit(f"subscription.{event}", actor=actor, tenant_id=subscription.tenant_id, target=subscription,
                 details={"from": previous, "to": target, **({"reason": reason} if reason else {})})
    return True


def _sync_store_status(tenant_id, *, closed):
    """Open or close the storefront with the subscription (a store still provisioning is
    left alone). Through the ORM, so the router's host cache is emptied on commit."""
    old, new = (Tenant.ACTIVE, Tenant.SUSPENDED) if closed else (Tenant.SUSPENDED, Tenant.ACTIVE)
    tenant = db.session.get(Tenant, tenant_id)
    if tenant is not None and tenant.status == old:
        tenant.status = new
        db.session.flush()
