"""Retention: audit entries 180 days, orders 3 years then anonymised, a store's longer period
honoured (never a shorter one), one run per China day, counts in that day's audit log — and
the other store untouched."""
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import select, update

from commerce.members.models import Address
from commerce.orders.models import Order, Payment
from commerce.orders.payments import record_payment
from commerce.orders.personal_data import ANONYMISED_NAME, ORDERS_KEEP
from commerce.orders.service import Wanted, place_order
from core import personal_data
from core.audit import AuditLog
from core.extensions import db
from core.models import utcnow
from core.tenancy import tenant_context, unscoped
from tenants.retention import (
    PURGED_ACTION,
    RetentionRun,
    ShorterPeriod,
    effective_periods,
    retention_table,
    run_retention,
    run_retention_everywhere,
    set_store_period,
)
from tests.factories import create_member, create_product, create_store, sku_of
from tools.retention_doc import BEGIN, DOC, END, current_table

# Noon in China yesterday: in the past (PostgreSQL lets audit entries go only once 180 days old by
# its own clock) and early enough in the China day for "later the same day" to exist.
NOW = datetime.combine(utcnow().date() - timedelta(days=1), time(4, 0), tzinfo=UTC)
AUDIT_KEEP = timedelta(days=180)


@pytest.fixture
def stores(app_ctx):
    demo, tea = create_store("demo"), create_store("tea")
    return demo, tea


def audit_at(store_id, moment, action="test.old"):
    entry = AuditLog(tenant_id=store_id, actor_type="system", action=action, created_at=moment)
    db.session.add(entry)  # audit entries are never updated (PostgreSQL refuses it): written as old
    db.session.commit()
    with unscoped():
        return db.session.scalar(select(AuditLog.id).where(AuditLog.action == action, AuditLog.created_at == moment,
                                                           AuditLog.tenant_id.is_(None) if store_id is None
                                                           else AuditLog.tenant_id == store_id))


def audit_ids(store_id, action="test.old"):
    with unscoped():
        return set(db.session.scalars(select(AuditLog.id).where(AuditLog.action == action,
                                                                 AuditLog.tenant_id.is_(None) if store_id is None
                                                                 else AuditLog.tenant_id == store_id)))


def finished_order(store, member_id, *, completed_at, status=Order.COMPLETED):
    sku = sku_of(store, create_product(store, "龙井", price=5000, stock=50))
    with tenant_context(store.id):
        address = db.session.scalar(select(Address).where(Address.member_id == member_id))
        order = place_order(member_id=member_id, wanted=[Wanted(sku, 1)], address=address, note="放门口")
        record_payment(order, f"T{order.id}", None, source="test")
        db.session.add(Payment(order_id=order.id, channel=Payment.JSAPI, amount=order.total, prepay_id="wx-prepay"))
        stamp = {"completed_at": completed_at} if status == Order.COMPLETED else {"cancelled_at": completed_at}
        db.session.execute(update(Order).where(Order.id == order.id).values(status=status, updated_at=completed_at,
                                                                             **stamp))
        db.session.commit()
        return order.id


def order_of(store, order_id):
    with tenant_context(store.id):
        db.session.expire_all()
        return db.session.get(Order, order_id)


def test_audit_entries_are_deleted_after_exactly_180_days_in_that_store_only(stores):
    demo, tea = stores
    old = audit_at(demo.id, NOW - AUDIT_KEEP - timedelta(seconds=1))
    boundary = audit_at(demo.id, NOW - AUDIT_KEEP)
    assert old in audit_ids(demo.id)
    other = audit_at(tea.id, NOW - AUDIT_KEEP - timedelta(days=30))
    with tenant_context(demo.id):
        purged = run_retention(NOW)
    assert purged["audit_log"] == 1
    assert audit_ids(demo.id) == {boundary}
    assert audit_ids(tea.id) == {other}


def test_platform_rows_are_purged_once_per_run_outside_any_store(stores):
    demo, _tea = stores
    platform_old = audit_at(None, NOW - AUDIT_KEEP - timedelta(hours=1))
    platform_new = audit_at(None, NOW - timedelta(days=1))
    store_old = audit_at(demo.id, NOW - AUDIT_KEEP - timedelta(hours=1))
    outcomes, platform = run_retention_everywhere(NOW)
    assert platform == 1 and audit_ids(None) == {platform_new}
    assert platform_old not in audit_ids(None) and store_old not in audit_ids(demo.id)
    assert set(outcomes) == {store.id for store in stores}


def test_orders_are_anonymised_exactly_three_years_after_completion_amounts_kept(stores):
    demo, tea = stores
    member, _ = create_member(demo)
    tea_member, _ = create_member(tea)
    old = finished_order(demo, member, completed_at=NOW - ORDERS_KEEP - timedelta(seconds=1))
    cancelled = finished_order(demo, member, completed_at=NOW - ORDERS_KEEP - timedelta(days=1),
                               status=Order.CANCELLED)
    boundary = finished_order(demo, member, completed_at=NOW - ORDERS_KEEP)
    tea_old = finished_order(tea, tea_member, completed_at=NOW - ORDERS_KEEP - timedelta(days=10))
    before = order_of(demo, old).total
    with tenant_context(demo.id):
        purged = run_retention(NOW)
    assert purged["orders_and_payments"] == 2
    for order_id in (old, cancelled):
        order = order_of(demo, order_id)
        assert (order.ship_name, order.ship_phone, order.ship_detail, order.shopper_note) == (ANONYMISED_NAME, "", "",
                                                                                              None)
        assert order.total == before and order.ship_region == "浙江省 杭州市 西湖区" and order.anonymised_at
        with tenant_context(demo.id):
            assert db.session.scalar(select(Payment.prepay_id).where(Payment.order_id == order_id)) is None
    kept = order_of(demo, boundary)
    assert kept.ship_name == "张三" and kept.anonymised_at is None
    assert order_of(tea, tea_old).ship_name == "张三"  # the other store is untouched


def test_a_run_is_once_per_china_day_and_writes_its_counts_to_that_days_audit_log(stores):
    demo, _tea = stores
    audit_at(demo.id, NOW - AUDIT_KEEP - timedelta(days=2))
    with tenant_context(demo.id):
        assert run_retention(NOW) == {"audit_log": 1, "orders_and_payments": 0, "after_sales": 0, "behaviour_events": 0}
        audit_at(demo.id, NOW - AUDIT_KEEP - timedelta(days=1))
        assert run_retention(NOW + timedelta(hours=11)) is None  # 23:00 in China: the same day
        assert len(audit_ids(demo.id)) == 1
        assert run_retention(NOW + timedelta(hours=12))["audit_log"] == 1  # the next China day
        entries = db.session.scalars(select(AuditLog).where(AuditLog.action == PURGED_ACTION)
                                     .order_by(AuditLog.id)).all()
        assert [entry.details["audit_log"] for entry in entries] == [1, 1]
        assert db.session.scalar(select(RetentionRun.purged).order_by(RetentionRun.id).limit(1))["audit_log"] == 1


def test_a_crashed_run_is_rolled_back_whole_and_redone(stores, monkeypatch):
    demo, _tea = stores
    old = audit_at(demo.id, NOW - AUDIT_KEEP - timedelta(days=2))

    def crash(cutoff, *, now):
        raise RuntimeError("disk full")

    registry = dict(personal_data._retention)
    monkeypatch.setattr(personal_data, "_retention", registry)
    personal_data.retention_rule("crashing", keep=timedelta(days=1), why="test", order=99)(crash)
    with tenant_context(demo.id), pytest.raises(RuntimeError):
        run_retention(NOW)
    db.session.rollback()
    assert old in audit_ids(demo.id)
    with tenant_context(demo.id):
        assert db.session.scalar(select(RetentionRun.id)) is None
    registry.pop("crashing")
    with tenant_context(demo.id):
        assert run_retention(NOW)["audit_log"] == 1


def test_a_rule_of_another_package_is_run_with_its_cutoff(stores, monkeypatch):
    demo, _tea = stores
    seen = []
    registry = dict(personal_data._retention)
    monkeypatch.setattr(personal_data, "_retention", registry)
    personal_data.retention_rule("events", keep=timedelta(days=180), why="behaviour events")(
        lambda cutoff, *, now: seen.append(cutoff) or 7)
    with tenant_context(demo.id):
        assert run_retention(NOW)["events"] == 7
    assert seen == [NOW - timedelta(days=180)]


def test_a_store_longer_period_is_honoured_and_a_shorter_one_refused(stores):
    demo, tea = stores
    two_hundred_days = audit_at(demo.id, NOW - timedelta(days=200))
    tea_entry = audit_at(tea.id, NOW - timedelta(days=200))
    set_store_period(demo.id, "audit_log", 365, actor=None, reason="行业监管要求保存一年")
    db.session.commit()
    with pytest.raises(ShorterPeriod):
        set_store_period(demo.id, "audit_log", 90, actor=None)
    db.session.rollback()
    rule, keep, store_days = next(row for row in effective_periods(demo.id) if row[0].name == "audit_log")
    assert (keep, store_days) == (timedelta(days=365), 365)
    run_retention_everywhere(NOW)
    assert two_hundred_days in audit_ids(demo.id)
    assert tea_entry not in audit_ids(tea.id)  # tea keeps the default 180 days
    with unscoped():
        changed = db.session.scalar(select(AuditLog).where(AuditLog.action == "retention.period_set"))
    assert changed.tenant_id == demo.id and changed.details["keep_days"] == 365


def test_the_retention_table_names_every_rule_with_its_period_and_reason(app_ctx):
    rows = {row["rule"]: row for row in retention_table()}
    assert rows["audit_log"]["keep_days"] == 180
    assert rows["orders_and_payments"]["keep_days"] == 1096
    assert all(row["why"] for row in rows.values())


def test_the_retention_table_in_docs_is_up_to_date(app_ctx):
    committed = DOC.read_text(encoding="utf-8").partition(BEGIN)[2].partition(END)[0].strip()
    assert committed == current_table(), "run: python -m tools.retention_doc --write"


def test_flask_retention_runs_every_store_once_for_the_day_given(app, stores):
    demo, tea = stores
    audit_at(demo.id, NOW - AUDIT_KEEP - timedelta(days=3))
    runner = app.test_cli_runner()
    first = runner.invoke(args=["retention", "--now", NOW.strftime("%Y-%m-%dT%H:%M:%S")])
    assert first.exit_code == 0, first.output
    assert f"store {demo.id}: audit_log 1" in first.output and f"store {tea.id}: audit_log 0" in first.output
    again = runner.invoke(args=["retention", "--now", NOW.strftime("%Y-%m-%dT%H:%M:%S")])
    assert f"store {demo.id}: already run today" in again.output
