"""The subscription state machine, cell by cell: every event from every state is either the
declared transition (one conditional UPDATE, audited, the store opened or closed with it)
or refused with the row untouched."""
import pytest
from sqlalchemy import func, select, update

from billing.models import Subscription
from billing.subscriptions import TRANSITIONS, subscription_of, transition
from core.audit import AuditLog
from core.extensions import db
from core.tenancy import tenant_context
from tenants.models import Tenant
from tests.factories import create_store

STATES = Subscription.STATUSES
RESUMABLE = ("trialing", "active", "past_due")
# A suspended store is in one of these cells: "suspended" plus the state it was suspended from.
SUSPENDED_CELLS = tuple(f"suspended:{origin}" for origin in RESUMABLE)
SOURCES = tuple(state for state in STATES if state != "suspended") + SUSPENDED_CELLS
# The table under test, spelled out: (event, from) → to; every other pair is forbidden.
ALLOWED = {
    ("pay", "trialing"): "active", ("pay", "active"): "active", ("pay", "past_due"): "active",
    ("pay", "suspended"): "active", ("pay", "cancelled"): "active",
    ("lapse", "trialing"): "past_due", ("lapse", "active"): "past_due",
    ("suspend", "trialing"): "suspended", ("suspend", "active"): "suspended", ("suspend", "past_due"): "suspended",
    ("resume", "suspended:trialing"): "trialing", ("resume", "suspended:active"): "active",
    ("resume", "suspended:past_due"): "past_due",
    ("cancel", "trialing"): "cancelled", ("cancel", "active"): "cancelled", ("cancel", "past_due"): "cancelled",
    ("cancel", "suspended"): "cancelled",
    ("extend_trial", "trialing"): "trialing", ("extend_trial", "past_due"): "trialing",
    ("extend_trial", "suspended"): "trialing",
}
CLOSED = ("suspended", "cancelled")


def _cells(source):
    return SUSPENDED_CELLS if source == "suspended" else (source,)


def _allowed(event, source):
    """The target of ``event`` from a cell; a suspended cell not listed moves like "suspended"."""
    if (event, source) in ALLOWED:
        return ALLOWED[(event, source)]
    return ALLOWED.get((event, source.split(":")[0])) if event != "resume" else None


def test_the_declared_table_is_the_one_tested():
    declared = {}
    for event, (sources, target) in TRANSITIONS.items():
        for source in sources:
            if isinstance(target, tuple):  # back to the state it was suspended from
                declared |= {(event, f"{source}:{origin}"): origin for origin in target}
            else:
                declared[(event, source)] = target
    assert declared == ALLOWED


def _store_in(status):
    status, _, origin = status.partition(":")
    store = create_store("demo")
    with tenant_context(store.id):
        db.session.execute(update(Subscription).values(status=status, suspended_from=origin or None))
        if status in CLOSED:
            db.session.execute(update(Tenant).where(Tenant.id == store.id).values(status=Tenant.SUSPENDED))
        db.session.commit()
    return store


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("event", list(TRANSITIONS))
def test_every_event_from_every_state(app_ctx, event, source):
    store = _store_in(source)
    with tenant_context(store.id):
        subscription = subscription_of()
        audits = db.session.scalar(select(func.count(AuditLog.id)).where(AuditLog.action == f"subscription.{event}"))
        changed = transition(subscription, event, reason="test")
        db.session.commit()
        expected = _allowed(event, source)
        row = db.session.scalar(select(Subscription.status))
        suspended_from = db.session.scalar(select(Subscription.suspended_from))
        store_status = db.session.get(Tenant, store.id).status
        after = db.session.scalar(select(func.count(AuditLog.id)).where(AuditLog.action == f"subscription.{event}"))
    state, _, origin = source.partition(":")
    if expected is None:
        assert (changed, row, after, suspended_from) == (False, state, audits, origin or None)
        assert store_status == (Tenant.SUSPENDED if state in CLOSED else Tenant.ACTIVE)
    else:
        assert (changed, row, after) == (True, expected, audits + 1)
        assert suspended_from == (state if expected == "suspended" else None)
        assert store_status == (Tenant.SUSPENDED if expected in CLOSED else Tenant.ACTIVE)


def test_a_suspension_not_remembering_where_it_came_from_is_not_resumed(app_ctx):
    """Never guess "active": that made a resumed trial a paid subscription nobody paid for."""
    store = _store_in("suspended")
    with tenant_context(store.id):
        assert transition(subscription_of(), "resume", reason="test") is False
        db.session.commit()
        assert db.session.scalar(select(Subscription.status)) == "suspended"


def test_a_stale_resume_does_not_follow_an_older_suspension(app_ctx):
    """The row was resumed and suspended again from another state: a resume read before that
    goes nowhere rather than to the old state."""
    store = _store_in("suspended:past_due")
    with tenant_context(store.id):
        subscription = subscription_of()
        stale = Subscription(id=subscription.id, tenant_id=store.id, plan="pro", status="suspended",
                             suspended_from="trialing")
        assert transition(stale, "resume", reason="test") is False
        assert transition(subscription, "resume", reason="test") is True
        db.session.commit()
        assert db.session.scalar(select(Subscription.status)) == "past_due"


def test_a_transition_that_lost_a_race_changes_nothing(app_ctx):
    """Two deliveries of the same event: the second sees the row already moved."""
    store = _store_in("past_due")
    with tenant_context(store.id):
        subscription = subscription_of()
        stale = Subscription(id=subscription.id, tenant_id=store.id, plan="pro", status="past_due")  # read earlier
        assert transition(subscription, "suspend", reason="unpaid") is True
        assert transition(stale, "suspend", reason="unpaid") is False
        db.session.commit()
        assert db.session.scalar(select(func.count(AuditLog.id)).where(AuditLog.action == "subscription.suspend")) == 1


def test_one_stores_transition_leaves_the_other_store_alone(app_ctx):
    demo, tea = create_store("demo"), create_store("tea")
    with tenant_context(demo.id):
        assert transition(subscription_of(), "suspend", reason="abuse")
        db.session.commit()
    assert subscription_of(tea.id).status == "trialing"
    with tenant_context(tea.id):
        assert db.session.get(Tenant, tea.id).status == Tenant.ACTIVE
        assert db.session.get(Tenant, demo.id).status == Tenant.SUSPENDED
