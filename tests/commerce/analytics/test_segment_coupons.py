"""A coupon to an RFM segment in one step: exactly the segment's consenting members get one,
once (sending again issues to nobody twice), audited; a coupon that cannot be issued or an
empty segment is refused with nothing written; used copies are counted once paid; another
store's segment or coupon is out of reach."""
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from commerce.analytics.rfm import (
    RfmRefused,
    campaign_results,
    compute_rfm,
    issue_segment_coupon,
    segment_member_ids,
)
from commerce.analytics.rfm_models import MemberRfm, SegmentCampaign, SegmentCampaignRecipient
from commerce.marketing.coupons.errors import CouponUnavailable
from commerce.marketing.coupons.models import Coupon, MemberCoupon
from commerce.marketing.coupons.service import claim_coupon, create_coupon, pause_coupon
from commerce.members.consent import record_consents
from commerce.members.models import Address, MemberConsent
from commerce.orders import states
from commerce.orders.service import Wanted, place_order
from core.audit import AuditLog
from core.extensions import db
from core.models import utcnow
from core.tenancy import tenant_context
from tests.commerce.analytics.rfm_data import add_orders, new_members, order_row, withdraw_profiling
from tests.factories import create_member, create_product, create_store, sku_of

NOW = utcnow()


def coupon_fields(**fields):
    return {"name": "老客回馈满100减10", "kind": Coupon.AMOUNT_OFF, "amount_off": 1000, "threshold": 10000,
            "percent_off": None, "max_discount": None, "scope": Coupon.ALL, "target_ids": [], "valid_from": None,
            "valid_until": None, "valid_days": 7, "total_quantity": None, "per_member_limit": 1,
            "stackable": False, **fields}


def new_coupon(store, **fields):
    with tenant_context(store.id):
        coupon = create_coupon(coupon_fields(**fields), actor=None)
        db.session.commit()
        return coupon.id


@pytest.fixture
def world(app_ctx):
    """demo: 4 consenting members who bought recently and often (one segment) and 4 who bought
    once long ago (another), plus one without consent; tea: two members of its own."""
    demo, tea = create_store("demo"), create_store("tea")
    loyal, lapsed = new_members(demo, 4), new_members(demo, 4)
    refused, = new_members(demo, 1, consenting=False)
    rows = [order_row(demo, member, paid_at=NOW - timedelta(days=2 + day), amount=30_000)
            for member in loyal for day in range(3)]
    rows += [order_row(demo, member, paid_at=NOW - timedelta(days=300), amount=1_000) for member in lapsed + [refused]]
    add_orders(demo, rows)
    tea_members = new_members(tea, 2)
    add_orders(tea, [order_row(tea, member, paid_at=NOW - timedelta(days=2), amount=30_000) for member in tea_members])
    for store in (demo, tea):
        with tenant_context(store.id):
            compute_rfm(now=NOW)
            db.session.commit()
    return demo, tea, loyal, lapsed, refused


def segment_of_member(store, member_id):
    with tenant_context(store.id):
        return db.session.scalar(select(MemberRfm.segment).where(MemberRfm.member_id == member_id))


def send(store, segment, coupon_id, now=None):
    with tenant_context(store.id):
        campaign = issue_segment_coupon(segment, db.session.get(Coupon, coupon_id), actor=None, now=now)
        db.session.commit()
        return campaign.id, campaign.members_issued


def holders(store, coupon_id):
    with tenant_context(store.id):
        return sorted(db.session.scalars(select(MemberCoupon.member_id).where(MemberCoupon.coupon_id == coupon_id)))


def counts(store):
    with tenant_context(store.id):
        return (db.session.scalar(select(func.count(SegmentCampaign.id))),
                db.session.scalar(select(func.count(MemberCoupon.id))),
                db.session.scalar(select(func.count(AuditLog.id)).where(AuditLog.action.in_(("coupon.issue",
                                                                                             "rfm.segment_coupon")))))


def test_the_segments_members_get_the_coupon_exactly_once_and_it_is_audited(world):
    demo, _tea, loyal, lapsed, _refused = world
    segment = segment_of_member(demo, loyal[0])
    assert {segment_of_member(demo, member) for member in loyal} == {segment}
    assert segment_of_member(demo, lapsed[0]) != segment
    coupon_id = new_coupon(demo, per_member_limit=5)  # even a coupon one may hold 5 of goes once

    campaign_id, issued = send(demo, segment, coupon_id)

    assert issued == 4 and holders(demo, coupon_id) == loyal
    with tenant_context(demo.id):
        recipients = db.session.scalars(select(SegmentCampaignRecipient.member_id)
                                        .where(SegmentCampaignRecipient.campaign_id == campaign_id)).all()
        assert sorted(recipients) == loyal
        audit = db.session.scalar(select(AuditLog).where(AuditLog.action == "rfm.segment_coupon"))
        assert audit.details == {"segment": segment, "coupon_id": coupon_id, "issued": 4, "skipped": 0}
        assert db.session.scalar(select(AuditLog).where(AuditLog.action == "coupon.issue")).details["issued"] == 4
        assert db.session.scalars(select(MemberCoupon.source).where(MemberCoupon.coupon_id == coupon_id)).all() == \
            [MemberCoupon.ISSUED] * 4

    before = counts(demo)
    with tenant_context(demo.id), pytest.raises(RfmRefused, match="had this coupon"):
        issue_segment_coupon(segment, db.session.get(Coupon, coupon_id), actor=None)
    assert counts(demo) == before and holders(demo, coupon_id) == loyal  # twice: nobody twice


def test_sending_again_reaches_only_members_new_to_the_segment(world):
    demo, _tea, loyal, _lapsed, _refused = world
    segment = segment_of_member(demo, loyal[0])
    coupon_id = new_coupon(demo, per_member_limit=5)
    send(demo, segment, coupon_id)
    newcomer, = new_members(demo, 1)
    add_orders(demo, [order_row(demo, newcomer, paid_at=NOW - timedelta(days=2 + day), amount=30_000)
                      for day in range(3)])
    with tenant_context(demo.id):
        compute_rfm(now=NOW + timedelta(minutes=2))
        db.session.commit()
    assert segment_of_member(demo, newcomer) == segment

    _campaign, issued = send(demo, segment, coupon_id)

    assert issued == 1 and holders(demo, coupon_id) == sorted(loyal + [newcomer])


def test_members_who_withdraw_consent_get_nothing(world):
    demo, _tea, loyal, _lapsed, _refused = world
    segment = segment_of_member(demo, loyal[0])
    withdraw_profiling(demo, loyal[0])
    coupon_id = new_coupon(demo)
    _campaign, issued = send(demo, segment, coupon_id)
    assert issued == 3 and holders(demo, coupon_id) == loyal[1:]


def test_members_already_holding_their_limit_are_skipped_and_counted(world):
    demo, _tea, loyal, _lapsed, _refused = world
    segment = segment_of_member(demo, loyal[0])
    coupon_id = new_coupon(demo)
    with tenant_context(demo.id):
        claim_coupon(loyal[0], coupon_id)
        db.session.commit()
    campaign_id, issued = send(demo, segment, coupon_id)
    assert issued == 3
    with tenant_context(demo.id):
        assert db.session.get(SegmentCampaign, campaign_id).members_skipped == 1


@pytest.mark.parametrize(("change", "message"), [
    ("paused", "paused"), ("ended", "ended"), ("all_claimed", "all been claimed")])
def test_a_coupon_that_cannot_be_issued_is_refused_with_nothing_written(world, change, message):
    demo, _tea, loyal, lapsed, _refused = world
    segment = segment_of_member(demo, loyal[0])
    if change == "ended":
        coupon_id = new_coupon(demo, valid_days=None, valid_from=NOW - timedelta(days=10),
                               valid_until=NOW - timedelta(days=1))
    else:
        coupon_id = new_coupon(demo, total_quantity=1)
        with tenant_context(demo.id):
            if change == "paused":
                pause_coupon(db.session.get(Coupon, coupon_id), actor=None)
            else:
                claim_coupon(lapsed[0], coupon_id)
            db.session.commit()
    before = counts(demo)
    with tenant_context(demo.id), pytest.raises(CouponUnavailable, match=message):
        issue_segment_coupon(segment, db.session.get(Coupon, coupon_id), actor=None)
    db.session.rollback()
    assert counts(demo) == before


def test_an_empty_or_unknown_segment_is_refused_with_nothing_written(world):
    demo, _tea, _loyal, _lapsed, _refused = world
    coupon_id = new_coupon(demo)
    with tenant_context(demo.id):
        empty = next(code for code in ("important_value", "general_value", "important_keep", "general_keep")
                     if not segment_member_ids(code))
    before = counts(demo)
    for segment, message in ((empty, "no members"), ("vip", "Choose one of the segments")):
        with tenant_context(demo.id), pytest.raises(RfmRefused, match=message):
            issue_segment_coupon(segment, db.session.get(Coupon, coupon_id), actor=None)
        db.session.rollback()
    assert counts(demo) == before


def test_a_copy_used_on_a_paid_order_is_counted_for_the_campaign(world):
    demo, _tea, _loyal, _lapsed, _refused = world
    buyer, address_id = create_member(demo, nickname="回头客")
    with tenant_context(demo.id):
        record_consents(buyer, {MemberConsent.ACCOUNT: True, MemberConsent.PROFILING: True}, channel=MemberConsent.H5)
        db.session.commit()
    add_orders(demo, [order_row(demo, buyer, paid_at=NOW - timedelta(days=2 + day), amount=30_000) for day in range(3)])
    with tenant_context(demo.id):
        compute_rfm(now=NOW + timedelta(minutes=2))
        db.session.commit()
    segment = segment_of_member(demo, buyer)
    coupon_id = new_coupon(demo)
    campaign_id, issued = send(demo, segment, coupon_id)
    sku_id = sku_of(demo, create_product(demo, "明前龙井", price=20_000, stock=5))
    with tenant_context(demo.id):
        copy_id = db.session.scalar(select(MemberCoupon.id).where(MemberCoupon.member_id == buyer,
                                                                  MemberCoupon.coupon_id == coupon_id))
        order = place_order(member_id=buyer, wanted=[Wanted(sku_id, 1)], address=db.session.get(Address, address_id),
                            coupon_ids=[copy_id])
        db.session.commit()
        [result] = campaign_results()
        assert (result.campaign.id, result.campaign.members_issued, result.used) == (campaign_id, issued, 0)  # unpaid
        assert states.transition(order, "pay", paid_amount=order.total, transaction_id="T1", paid_at=utcnow())
        db.session.commit()
        [result] = campaign_results()
        assert (result.used, result.gmv) == (1, order.total) and order.total == 19_000
        assert result.use_rate_text == f"{1 / issued:.1%}"


def test_another_stores_segments_and_coupons_stay_apart(world):
    demo, tea, loyal, _lapsed, _refused = world
    segment = segment_of_member(demo, loyal[0])
    tea_coupon = new_coupon(tea, name="茶友券")
    with tenant_context(tea.id):
        tea_members = sorted(db.session.scalars(select(MemberRfm.member_id)))
        tea_segment = segment_of_member(tea, tea_members[0])
    _campaign, issued = send(tea, tea_segment, tea_coupon)
    assert issued == 2 and holders(tea, tea_coupon) == tea_members
    with tenant_context(demo.id):
        assert db.session.get(Coupon, tea_coupon) is None  # demo cannot even load tea's coupon
        assert campaign_results() == []
        assert not set(segment_member_ids(tea_segment)) & set(tea_members)
    demo_coupon = new_coupon(demo)
    send(demo, segment, demo_coupon)
    with tenant_context(tea.id):
        assert [result.coupon_name for result in campaign_results()] == ["茶友券"]
        assert holders(tea, demo_coupon) == []


def test_a_coupon_whose_fixed_window_has_not_begun_can_be_sent(world):
    demo, _tea, loyal, _lapsed, _refused = world
    segment = segment_of_member(demo, loyal[0])
    coupon_id = new_coupon(demo, valid_days=None, valid_from=datetime(2030, 1, 1, tzinfo=UTC),
                           valid_until=datetime(2030, 2, 1, tzinfo=UTC))
    assert send(demo, segment, coupon_id)[1] == 4


@pytest.mark.postgres
def test_four_clicks_at_once_send_the_coupon_once(app, world):
    demo, _tea, loyal, _lapsed, _refused = world
    segment = segment_of_member(demo, loyal[0])
    coupon_id = new_coupon(demo, per_member_limit=5)
    barrier = threading.Barrier(4, timeout=60)

    def click(_):
        with app.app_context(), tenant_context(demo.id):
            barrier.wait()
            try:
                issue_segment_coupon(segment, db.session.get(Coupon, coupon_id), actor=None)
                db.session.commit()
                return "sent"
            except RfmRefused:
                db.session.rollback()
                return "refused"

    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = list(pool.map(click, range(4)))

    assert sorted(outcomes) == ["refused"] * 3 + ["sent"]
    assert holders(demo, coupon_id) == loyal  # one copy each
    with tenant_context(demo.id):
        assert db.session.get(Coupon, coupon_id).claimed_count == 4
    assert counts(demo)[0] == 1
