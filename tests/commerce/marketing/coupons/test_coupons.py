"""The coupon engine: discount rules at their boundaries, claiming within limits (also
under concurrent claims on PostgreSQL), validity windows, stacking, spending a coupon with
an order and getting it back on cancel, and two stores that never see each other's."""
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import select

from commerce.marketing.coupons.errors import CouponInvalid, CouponUnavailable
from commerce.marketing.coupons.models import Coupon, MemberCoupon
from commerce.marketing.coupons.queries import (
    best_coupon,
    best_selection,
    coupon_results,
    discount_for,
    eligible_coupons,
)
from commerce.marketing.coupons.service import (
    claim_coupon,
    create_coupon,
    issue_to_members,
    pause_coupon,
    update_coupon,
)
from commerce.members.models import Address
from commerce.orders import states
from commerce.orders.models import Order
from commerce.orders.service import Wanted, cancel_order, place_order
from commerce.pricing.coupons import CouponLine, combined_discount
from core.audit import AuditLog
from core.extensions import db
from core.models import utcnow
from core.tenancy import tenant_context
from tests.factories import create_member, create_product, create_store, sku_of

NOW = utcnow()


def coupon(**fields):
    """Settings for ``create_coupon``: a ¥10-off-¥100 满减 for 7 days unless changed."""
    return {"name": "满100减10", "kind": Coupon.AMOUNT_OFF, "amount_off": 1000, "threshold": 10000,
            "percent_off": None, "max_discount": None, "scope": Coupon.ALL, "target_ids": [], "valid_from": None,
            "valid_until": None, "valid_days": 7, "total_quantity": None, "per_member_limit": 1,
            "stackable": False, **fields}


def template(**fields):
    values = coupon(**fields)
    values.pop("valid_from"), values.pop("valid_until")
    return Coupon(**values)


TEA, COFFEE = 1, 2  # product ids
GREEN_TEA, TEA_CATEGORY = 10, 11  # 绿茶 under 茶叶


def basket(tea=0, coffee=0):
    return [line for line in (CouponLine(TEA, (GREEN_TEA, TEA_CATEGORY), tea), CouponLine(COFFEE, (), coffee))
            if line.amount]


@pytest.mark.parametrize(("settings", "lines", "expected"), [
    # 满减: the threshold counts when reached exactly
    ({}, basket(tea=9999), 0),
    ({}, basket(tea=10000), 1000),
    ({}, basket(tea=5000, coffee=5000), 1000),
    # 无门槛: any amount, never more than the items
    ({"kind": Coupon.NO_THRESHOLD, "threshold": 0, "amount_off": 500}, basket(coffee=1), 1),
    ({"kind": Coupon.NO_THRESHOLD, "threshold": 0, "amount_off": 500}, basket(coffee=3000), 500),
    # 折扣: rounded down to the fen, at most the cap
    ({"kind": Coupon.PERCENT_OFF, "amount_off": None, "threshold": 0, "percent_off": 15}, basket(tea=999), 149),
    ({"kind": Coupon.PERCENT_OFF, "amount_off": None, "threshold": 0, "percent_off": 15, "max_discount": 2000},
     basket(tea=13333), 1999),
    ({"kind": Coupon.PERCENT_OFF, "amount_off": None, "threshold": 0, "percent_off": 15, "max_discount": 2000},
     basket(tea=13334), 2000),
    ({"kind": Coupon.PERCENT_OFF, "amount_off": None, "threshold": 0, "percent_off": 20, "max_discount": 2000},
     basket(tea=100000), 2000),
    ({"kind": Coupon.PERCENT_OFF, "amount_off": None, "threshold": 5000, "percent_off": 20}, basket(tea=4999), 0),
    # scope: only the covered items count towards the threshold and the discount
    ({"scope": Coupon.PRODUCTS, "target_ids": [TEA]}, basket(tea=5000, coffee=9000), 0),
    ({"scope": Coupon.PRODUCTS, "target_ids": [TEA]}, basket(tea=10000, coffee=1), 1000),
    ({"scope": Coupon.CATEGORIES, "target_ids": [TEA_CATEGORY]}, basket(tea=10000), 1000),  # the parent covers
    ({"scope": Coupon.CATEGORIES, "target_ids": [GREEN_TEA], "kind": Coupon.NO_THRESHOLD, "threshold": 0},
     basket(tea=300, coffee=9000), 300),  # never more than the covered items
    ({"scope": Coupon.CATEGORIES, "target_ids": [99]}, basket(tea=20000), 0),
])
def test_discount_rules(settings, lines, expected):
    assert discount_for(template(**settings), lines) == expected


@pytest.mark.parametrize(("amounts", "subtotal", "shipping", "expected"), [
    ((1000, 500), 10000, 0, 1500),  # stackable discounts add
    ((1000, 500), 1200, 0, 1199),  # never all of it: 1 fen is left to pay
    ((1000, 500), 1200, 800, 1200),  # at most the items; shipping is still paid
    ((), 1000, 0, 0),
])
def test_discounts_combine_up_to_the_items_leaving_something_to_pay(amounts, subtotal, shipping, expected):
    assert combined_discount(amounts, subtotal, shipping) == expected


@pytest.mark.parametrize(("changes", "field"), [
    ({"name": " "}, "name"),
    ({"kind": "free_lunch"}, "kind"),
    ({"amount_off": 0}, "amount_off"),
    ({"amount_off": 20000}, "amount_off"),  # more off than the minimum spend
    ({"kind": Coupon.PERCENT_OFF, "percent_off": 100}, "percent_off"),
    ({"kind": Coupon.PERCENT_OFF, "percent_off": 10, "max_discount": 0}, "max_discount"),
    ({"scope": Coupon.PRODUCTS, "target_ids": []}, "target_ids"),
    ({"scope": Coupon.PRODUCTS, "target_ids": [987654]}, "target_ids"),
    ({"valid_days": 0}, "valid_days"),
    ({"valid_days": None}, "valid_from"),
    ({"valid_days": None, "valid_from": NOW, "valid_until": NOW}, "valid_until"),
    ({"total_quantity": 0}, "total_quantity"),
    ({"per_member_limit": 0}, "per_member_limit"),
])
def test_invalid_settings_are_refused_naming_the_field(app_ctx, changes, field):
    demo = create_store("demo")
    with tenant_context(demo.id), pytest.raises(CouponInvalid) as refused:
        create_coupon(coupon(**changes), actor=None)
    assert refused.value.field == field and field in refused.value.extra["errors"]


@pytest.fixture
def shop(app_ctx):
    """demo sells 龙井 at ¥60 (10 in stock) to one member; tea is another store."""
    demo, tea = create_store("demo"), create_store("tea")
    product = create_product(demo, "龙井", price=6000, stock=10, category_name="茶叶")
    return demo, tea, product, sku_of(demo, product), create_member(demo)


def new_coupon(store, **changes):
    with tenant_context(store.id):
        made = create_coupon(coupon(**changes), actor=None)
        db.session.commit()
        return made.id


def claim(store, member_id, coupon_id, now=None):
    with tenant_context(store.id):
        copy = claim_coupon(member_id, coupon_id, now=now)
        db.session.commit()
        return copy.id


def order_for(store, member, sku_id, quantity=2, coupon_ids=(), now=None):
    member_id, address_id = member
    with tenant_context(store.id):
        order = place_order(member_id=member_id, wanted=[Wanted(sku_id, quantity)],
                            address=db.session.get(Address, address_id), coupon_ids=coupon_ids, now=now)
        db.session.commit()
        db.session.refresh(order)
        db.session.expunge(order)  # a snapshot, readable after the store's context ends
        return order


def copy_of(store, copy_id):
    with tenant_context(store.id):
        db.session.expire_all()
        return db.session.get(MemberCoupon, copy_id)


def test_a_member_claims_up_to_the_per_member_limit(shop):
    demo, _tea, _product, _sku, (member_id, _address) = shop
    coupon_id = new_coupon(demo, per_member_limit=2)
    claim(demo, member_id, coupon_id)
    claim(demo, member_id, coupon_id)
    with tenant_context(demo.id), pytest.raises(CouponUnavailable, match="at most 2 times"):
        claim_coupon(member_id, coupon_id)


def test_claims_stop_at_the_total_quantity(shop):
    demo, _tea, _product, _sku, (member_id, _address) = shop
    other, _ = create_member(demo, nickname="另一位")
    coupon_id = new_coupon(demo, total_quantity=1)
    claim(demo, member_id, coupon_id)
    with tenant_context(demo.id), pytest.raises(CouponUnavailable, match="all been claimed"):
        claim_coupon(other, coupon_id)


@pytest.mark.parametrize(("window", "claimed_at", "claimable"), [
    ((-1, 1), 0, True),
    ((-2, -1), 0, False),  # ended
    ((0, 1), 0, True),
])
def test_fixed_windows_decide_what_can_be_claimed(shop, window, claimed_at, claimable):
    demo, _tea, _product, _sku, (member_id, _address) = shop
    coupon_id = new_coupon(demo, valid_days=None, valid_from=NOW + timedelta(days=window[0]),
                           valid_until=NOW + timedelta(days=window[1]))
    with tenant_context(demo.id):
        if claimable:
            assert claim_coupon(member_id, coupon_id, now=NOW).valid_until == NOW + timedelta(days=window[1])
        else:
            with pytest.raises(CouponUnavailable, match="ended"):
                claim_coupon(member_id, coupon_id, now=NOW)


@pytest.mark.parametrize(("days_later", "usable"), [(0, True), (6, True), (7, False)])
def test_days_after_claim_bound_when_a_coupon_can_be_used(shop, days_later, usable):
    demo, _tea, product, _sku, (member_id, _address) = shop
    coupon_id = new_coupon(demo, valid_days=7)
    claim(demo, member_id, coupon_id, now=NOW)
    with tenant_context(demo.id):
        lines = [CouponLine(product, (), 12000)]
        found = eligible_coupons(member_id, lines, 12000, now=NOW + timedelta(days=days_later))
        assert bool(found) is usable


def test_paused_coupons_cannot_be_claimed_but_held_copies_stay_usable(shop):
    demo, _tea, product, _sku, (member_id, _address) = shop
    coupon_id = new_coupon(demo)
    claim(demo, member_id, coupon_id)
    with tenant_context(demo.id):
        pause_coupon(db.session.get(Coupon, coupon_id), actor=None)
        db.session.commit()
        other, _ = create_member(demo, nickname="另一位")
    with tenant_context(demo.id):
        with pytest.raises(CouponUnavailable):
            claim_coupon(other, coupon_id)
        assert best_coupon(member_id, [CouponLine(product, (), 12000)], 12000).discount == 1000


def test_the_best_coupon_and_the_best_stacking_combination(shop):
    demo, _tea, product, _sku, (member_id, _address) = shop
    small = new_coupon(demo, name="满100减10")
    big = new_coupon(demo, name="满100减30", amount_off=3000)
    extra = new_coupon(demo, name="叠加5元", kind=Coupon.NO_THRESHOLD, threshold=0, amount_off=500, stackable=True)
    for coupon_id in (small, big, extra):
        claim(demo, member_id, coupon_id)
    with tenant_context(demo.id):
        lines = [CouponLine(product, (), 12000)]
        assert best_coupon(member_id, lines, 12000).member_coupon.coupon_id == big
        chosen = best_selection(eligible_coupons(member_id, lines, 12000))
        assert sorted(offer.member_coupon.coupon_id for offer in chosen) == sorted([big, extra])


def test_an_order_spends_its_coupons_and_cancelling_gives_them_back(shop):
    demo, _tea, _product, sku_id, member = shop
    big = claim(demo, member[0], new_coupon(demo, amount_off=3000))
    extra = claim(demo, member[0], new_coupon(demo, name="叠加", kind=Coupon.NO_THRESHOLD, threshold=0,
                                              amount_off=500, stackable=True))
    order = order_for(demo, member, sku_id, coupon_ids=[big, extra])
    assert (order.subtotal, order.discount, order.total) == (12000, 3500, 12000 + order.shipping_fee - 3500)
    assert (copy_of(demo, big).status, copy_of(demo, big).order_id) == (MemberCoupon.USED, order.id)
    with tenant_context(demo.id), pytest.raises(CouponUnavailable):  # spent: not twice
        place_order(member_id=member[0], wanted=[Wanted(sku_id, 2)],
                    address=db.session.get(Address, member[1]), coupon_ids=[big])
    db.session.rollback()
    with tenant_context(demo.id):
        assert cancel_order(db.session.get(Order, order.id), reason="shopper")
        db.session.commit()
    assert (copy_of(demo, big).status, copy_of(demo, big).order_id) == (MemberCoupon.RETURNED, None)
    again = order_for(demo, member, sku_id, coupon_ids=[big])
    assert again.discount == 3000


def test_a_coupon_that_ran_out_while_its_order_waited_expires_on_cancel(shop):
    demo, _tea, _product, sku_id, member = shop
    copy_id = claim(demo, member[0], new_coupon(demo, valid_days=1), now=NOW - timedelta(hours=23))
    order = order_for(demo, member, sku_id, coupon_ids=[copy_id])
    with tenant_context(demo.id):
        db.session.execute(
            MemberCoupon.__table__.update().where(MemberCoupon.__table__.c.id == copy_id)
            .values(valid_until=utcnow() - timedelta(seconds=1)))
        assert cancel_order(db.session.get(Order, order.id), reason="timeout")
        db.session.commit()
    assert copy_of(demo, copy_id).status == MemberCoupon.EXPIRED


@pytest.mark.parametrize(("quantity", "problem"), [
    (1, "does not apply"),  # ¥60 is below the ¥100 threshold
    (2, None),
])
def test_a_coupon_below_its_threshold_is_refused_at_checkout(shop, quantity, problem):
    demo, _tea, _product, sku_id, member = shop
    copy_id = claim(demo, member[0], new_coupon(demo))
    if problem is None:
        assert order_for(demo, member, sku_id, quantity=quantity, coupon_ids=[copy_id]).discount == 1000
        return
    with tenant_context(demo.id), pytest.raises(CouponUnavailable, match=problem):
        place_order(member_id=member[0], wanted=[Wanted(sku_id, quantity)],
                    address=db.session.get(Address, member[1]), coupon_ids=[copy_id])
    db.session.rollback()
    with tenant_context(demo.id):
        assert db.session.scalar(select(Order)) is None  # nothing written, stock untouched


def test_two_coupons_that_do_not_stack_are_refused_together(shop):
    demo, _tea, _product, sku_id, member = shop
    first = claim(demo, member[0], new_coupon(demo))
    second = claim(demo, member[0], new_coupon(demo, name="另一张"))
    with tenant_context(demo.id), pytest.raises(CouponUnavailable, match="cannot be combined"):
        place_order(member_id=member[0], wanted=[Wanted(sku_id, 2)],
                    address=db.session.get(Address, member[1]), coupon_ids=[first, second])
    db.session.rollback()


def test_another_members_coupon_cannot_be_used(shop):
    demo, _tea, _product, sku_id, member = shop
    other, _ = create_member(demo, nickname="另一位")
    theirs = claim(demo, other, new_coupon(demo))
    with tenant_context(demo.id), pytest.raises(CouponUnavailable):
        place_order(member_id=member[0], wanted=[Wanted(sku_id, 2)],
                    address=db.session.get(Address, member[1]), coupon_ids=[theirs])
    db.session.rollback()


def test_issuing_skips_members_at_their_limit_and_is_audited(shop):
    demo, _tea, _product, _sku, (member_id, _address) = shop
    other, _ = create_member(demo, nickname="另一位")
    coupon_id = new_coupon(demo, total_quantity=5)
    claim(demo, member_id, coupon_id)
    with tenant_context(demo.id):
        assert issue_to_members(db.session.get(Coupon, coupon_id), None, actor=None) == {"issued": 1, "skipped": 1}
        db.session.commit()
        assert db.session.scalar(select(AuditLog).where(AuditLog.action == "coupon.issue")).details["issued"] == 1
        assert coupon_results([coupon_id]) == {coupon_id: (2, 0, 0)}


def test_paid_orders_count_towards_a_coupons_results(shop):
    demo, _tea, _product, sku_id, member = shop
    coupon_id = new_coupon(demo)
    order = order_for(demo, member, sku_id, coupon_ids=[claim(demo, member[0], coupon_id)])
    with tenant_context(demo.id):
        assert coupon_results([coupon_id]) == {coupon_id: (1, 1, 0)}  # unpaid: not GMV yet
        assert states.transition(db.session.get(Order, order.id), "pay", paid_amount=order.total,
                                 transaction_id="42", paid_at=utcnow())
        db.session.commit()
        assert coupon_results([coupon_id]) == {coupon_id: (1, 1, order.total)}


def test_the_quantity_cannot_go_below_what_was_claimed(shop):
    demo, _tea, _product, _sku, (member_id, _address) = shop
    other, _ = create_member(demo, nickname="另一位")
    coupon_id = new_coupon(demo, total_quantity=5)
    claim(demo, member_id, coupon_id)
    claim(demo, other, coupon_id)
    with tenant_context(demo.id), pytest.raises(CouponInvalid) as refused:
        update_coupon(db.session.get(Coupon, coupon_id), coupon(total_quantity=1), actor=None)
    assert refused.value.field == "total_quantity"


def test_second_store_cannot_see_or_claim_the_first_stores_coupons(shop):
    demo, tea, _product, _sku, _member = shop
    coupon_id = new_coupon(demo)
    tea_member, _ = create_member(tea)
    with tenant_context(tea.id):
        assert db.session.scalars(select(Coupon)).all() == []
        with pytest.raises(CouponUnavailable):
            claim_coupon(tea_member, coupon_id)


def race(app, store, claims):
    """Every ``(member id, coupon id)`` claim at once, each in its own thread and transaction."""
    barrier = threading.Barrier(len(claims), timeout=60)

    def claim_once(wanted):
        with app.app_context(), tenant_context(store.id):
            barrier.wait()
            try:
                claim_coupon(*wanted)
                db.session.commit()
                return "claimed"
            except CouponUnavailable:
                db.session.rollback()
                return "refused"

    with ThreadPoolExecutor(max_workers=len(claims)) as pool:
        return list(pool.map(claim_once, claims))


def claimed_count(app, store, coupon_id):
    with app.app_context(), tenant_context(store.id):
        held = len(db.session.scalars(select(MemberCoupon).where(MemberCoupon.coupon_id == coupon_id)).all())
        return db.session.get(Coupon, coupon_id).claimed_count, held


@pytest.mark.postgres
def test_concurrent_claims_never_exceed_the_total(app):
    with app.app_context():
        demo = create_store("demo")
        members = [create_member(demo, nickname=f"m{i}")[0] for i in range(6)]
        limited = new_coupon(demo, total_quantity=4, per_member_limit=3)
    outcomes = race(app, demo, [(member_id, limited) for member_id in members * 2])  # twelve claims, four copies
    assert outcomes.count("claimed") == 4
    assert claimed_count(app, demo, limited) == (4, 4)


@pytest.mark.postgres
def test_concurrent_claims_by_one_member_never_exceed_the_per_member_limit(app):
    with app.app_context():
        demo = create_store("demo")
        member_id, _ = create_member(demo)
        twice = new_coupon(demo, per_member_limit=2)
    outcomes = race(app, demo, [(member_id, twice)] * 8)
    assert outcomes.count("claimed") == 2
    assert claimed_count(app, demo, twice) == (2, 2)
