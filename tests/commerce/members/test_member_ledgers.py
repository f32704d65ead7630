"""Points, stored value and levels: the rules with their rounding, each event credited once,
totals that never go below zero and always equal their ledger, nothing shared between stores."""
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from commerce.members.ledger import NotEnough, ledger_sum, recent_entries
from commerce.members.levels import discounted_goods, level_of, save_level
from commerce.members.models import Address, BalanceEntry, Member, MemberSettings, PointsEntry, TopUp
from commerce.members.points import (
    adjust_points,
    credit_points_for_order,
    expire_points,
    points_for_payment,
    redeem_points,
    redemption_for,
    return_redeemed_points,
    sign_in,
)
from commerce.members.wallet import apply_top_up, refund_to_balance, spend_balance, start_top_up, top_up_bonus
from commerce.orders.models import Order
from commerce.orders.payments import record_payment
from commerce.orders.service import Wanted, place_order
from core.audit import AuditLog
from core.extensions import db
from core.tenancy import tenant_context
from tests.factories import create_member, create_product, create_store, sku_of


@pytest.fixture
def shop(app_ctx):
    """Two stores; demo sells 龙井 at ¥99.99 and has one member: ``(demo, tea, sku id, member id)``."""
    demo, tea = create_store("demo"), create_store("tea")
    sku = sku_of(demo, create_product(demo, "龙井", price=9999, stock=50))
    member_id, _ = create_member(demo)
    return demo, tea, sku, member_id


def paid_order(store, member_id, sku, quantity=1):
    with tenant_context(store.id):
        address = db.session.scalar(select(Address).where(Address.member_id == member_id))
        order = place_order(member_id=member_id, wanted=[Wanted(sku, quantity)], address=address)
        record_payment(order, f"T{order.id}", None, source="test")
        db.session.commit()
        return order.id


def totals(store, member_id):
    with tenant_context(store.id):
        member = db.session.get(Member, member_id)
        db.session.refresh(member)
        return member.points, member.balance


@pytest.mark.parametrize(("paid_fen", "per_yuan", "points"), [
    (0, 1, 0),
    (99, 1, 0),  # less than ¥1 earns nothing
    (100, 1, 1),
    (9999, 1, 99),  # ¥99.99: floor to whole yuan
    (10000, 2, 200),
    (15050, 3, 450),
])
def test_points_are_earned_per_whole_yuan_paid(paid_fen, per_yuan, points):
    assert points_for_payment(paid_fen, per_yuan) == points


@pytest.mark.parametrize(("available", "goods", "per_yuan_off", "cap", "wanted", "points", "fen_off"), [
    (1000, 10000, 100, 50, None, 1000, 1000),  # 1,000 points = ¥10, under the cap
    (9000, 10000, 100, 50, None, 5000, 5000),  # capped at 50 % of ¥100
    (9000, 999, 100, 50, None, 499, 499),  # 50 % of 999 fen is 499 fen (floor)
    (3, 10000, 150, 50, None, 3, 2),  # 1.5 points a fen: 3 points → 2 fen
    (4, 10000, 150, 50, None, 3, 2),  # 4 points still buy 2 fen, for 3 points (ceil)
    (1000, 10000, 100, 50, 300, 300, 300),  # the shopper chose 300
    (0, 10000, 100, 50, None, 0, 0),
])
def test_redeeming_is_capped_and_rounded_in_the_stores_favour(available, goods, per_yuan_off, cap, wanted, points,
                                                               fen_off):
    redemption = redemption_for(available, goods, points_per_yuan_off=per_yuan_off, cap_percent=cap,
                                wanted_points=wanted)
    assert (redemption.points, redemption.fen_off) == (points, fen_off)


@pytest.mark.parametrize(("amount", "bonus"), [(5000, 0), (10000, 1000), (19999, 1000), (20000, 3000), (50000, 3000)])
def test_the_largest_top_up_bonus_reached_applies(amount, bonus):
    assert top_up_bonus(amount, [[10000, 1000], [20000, 3000]]) == bonus


def test_a_paid_order_earns_points_once_and_grows_the_member(shop, jobs):
    demo, _, sku, member_id = shop
    with tenant_context(demo.id):
        save_level(name="金卡", growth_threshold=150, discount_percent=95)
        db.session.commit()
    order_id = paid_order(demo, member_id, sku, quantity=2)  # ¥199.98
    jobs.drain()
    assert totals(demo, member_id) == (199, 0)
    with tenant_context(demo.id):
        assert credit_points_for_order(db.session.get(Order, order_id)) is None  # the same order again
        db.session.commit()
        member = db.session.get(Member, member_id)
        assert member.growth == 199 and level_of(member).name == "金卡"
        assert discounted_goods(10000, level_of(member)) == 9500
        assert ledger_sum(PointsEntry, member_id) == member.points == 199


def test_sign_in_counts_once_a_day_in_china_time(shop):
    demo, _, _, member_id = shop
    morning = datetime(2026, 5, 1, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
    with tenant_context(demo.id):
        member = db.session.get(Member, member_id)
        assert sign_in(member, now=morning).delta == 5
        assert sign_in(member, now=morning + timedelta(hours=14)) is None  # 23:00 the same day
        assert sign_in(member, now=morning + timedelta(hours=16)).delta == 5  # 01:00 the next day
        db.session.commit()
    assert totals(demo, member_id) == (10, 0)


def test_old_points_expire_oldest_first_and_only_once(shop):
    demo, _, _, member_id = shop
    now = datetime(2026, 6, 1, tzinfo=UTC)
    with tenant_context(demo.id):
        member = db.session.get(Member, member_id)
        adjust_points(member, 100, actor=None, note="老积分", ref="a1")
        adjust_points(member, 50, actor=None, note="新积分", ref="a2")
        db.session.execute(update(PointsEntry).where(PointsEntry.source_ref == "adjust:a1")
                           .values(created_at=now - timedelta(days=400)))
        redeem_points(member, 30, order_id=1)  # the oldest points are used first: 70 of the 100 are left
        db.session.commit()
        assert expire_points(now=now) == 70
        assert expire_points(now=now) == 0
        assert expire_points(now=now + timedelta(days=1)) == 0
        db.session.refresh(member)
        assert member.points == 50 == ledger_sum(PointsEntry, member_id)
        assert [e.reason for e in recent_entries(PointsEntry, member_id)][0] == PointsEntry.EXPIRE


def test_redeemed_points_come_back_once_and_spending_more_than_held_is_refused(shop):
    demo, _, _, member_id = shop
    with tenant_context(demo.id):
        member = db.session.get(Member, member_id)
        adjust_points(member, 100, actor=None, note="补偿", ref="a1")
        with pytest.raises(NotEnough):
            redeem_points(member, 101, order_id=7)
        redeem_points(member, 60, order_id=7)
        assert redeem_points(member, 60, order_id=7) is None  # the same order spends once
        return_redeemed_points(7)
        assert return_redeemed_points(7) is None
        db.session.commit()
    assert totals(demo, member_id) == (100, 0)


def test_a_top_up_with_its_bonus_is_applied_once(shop):
    demo, _, _, member_id = shop
    with tenant_context(demo.id):
        db.session.add(MemberSettings(top_up_bonuses=[[10000, 1000]]))
        member = db.session.get(Member, member_id)
        top_up = start_top_up(member, 10000)
        assert (top_up.status, top_up.bonus) == (TopUp.PENDING, 1000)
        assert totals(demo, member_id) == (0, 0)
        assert apply_top_up(top_up, "4200000001") is True
        assert apply_top_up(top_up, "4200000001") is False
        db.session.commit()
    assert totals(demo, member_id) == (0, 11000)


def test_the_balance_pays_and_refunds_once_and_never_goes_below_zero(shop):
    demo, _, _, member_id = shop
    with tenant_context(demo.id):
        member = db.session.get(Member, member_id)
        refund_to_balance(member, 5000, order_id=None, ref="seed")
        with pytest.raises(NotEnough):
            spend_balance(member, 5001, order_id=3)
        spend_balance(member, 3000, order_id=3)
        assert spend_balance(member, 3000, order_id=3) is None
        refund_to_balance(member, 1000, order_id=3, ref="r1")
        assert refund_to_balance(member, 1000, order_id=3, ref="r1") is None
        db.session.commit()
        assert ledger_sum(BalanceEntry, member_id) == 3000
    assert totals(demo, member_id) == (0, 3000)


def test_staff_adjustments_need_a_reason_and_are_audited(shop):
    demo, _, _, member_id = shop
    with tenant_context(demo.id):
        member = db.session.get(Member, member_id)
        with pytest.raises(ValueError):
            adjust_points(member, 10, actor=None, note=" ", ref="x")
        adjust_points(member, 10, actor=None, note="活动补发", ref="x")
        db.session.commit()
        actions = db.session.scalars(select(AuditLog.action).where(AuditLog.target_type == "Member", AuditLog.target_id == str(member_id))).all()
    assert actions == ["member.points_adjusted"]


def test_a_second_store_never_sees_the_first_stores_ledgers(shop):
    demo, tea, _, member_id = shop
    with tenant_context(demo.id):
        adjust_points(db.session.get(Member, member_id), 10, actor=None, note="补偿", ref="x")
        refund_to_balance(db.session.get(Member, member_id), 100, order_id=None, ref="x")
        db.session.commit()
    with tenant_context(tea.id):
        assert db.session.scalars(select(PointsEntry)).all() == []
        assert db.session.scalars(select(BalanceEntry)).all() == []
        assert db.session.get(Member, member_id) is None
        # the same source ref in another store is another event
        tea_member = Member(nickname="茶客")
        db.session.add(tea_member)
        db.session.flush()
        assert adjust_points(tea_member, 10, actor=None, note="补偿", ref="x") is not None
        db.session.commit()
