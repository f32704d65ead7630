"""Invite rewards end to end: friends arrive by a member's link and pay through the WeChat
Pay sandbox; a friend counts when their first order completes (paying is not enough), once;
each tier is given once; self-invites and loops never count; another store sees nothing."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from builder.views import distribution as distribution_views
from commerce.marketing.coupons.models import Coupon, MemberCoupon
from commerce.marketing.coupons.service import create_coupon
from commerce.marketing.distribution.errors import ReferralRefused
from commerce.marketing.distribution.models import Referral
from commerce.marketing.distribution.service import bind_referral
from commerce.marketing.invites.errors import InviteProblem
from commerce.marketing.invites.models import InviteReward
from commerce.marketing.invites.queries import counted_invitees, invite_settings
from commerce.marketing.invites.service import save_invite_settings
from commerce.members.models import Member, PointsEntry
from commerce.orders import states
from commerce.orders.jobs import sweep_store
from commerce.orders.models import Order
from commerce.orders.service import confirm_receipt
from core.extensions import db
from core.models import utcnow
from core.tenancy import tenant_context
from tests.builder.test_console_list_pages import next_page
from tests.commerce.marketing.distribution.test_distribution import EN, code_of, complete, paid_order, shopper_by_link
from tests.conftest import csrf_from
from tests.factories import create_member, create_product, login_staff, sku_of


def five_yuan_coupon(store):
    with tenant_context(store.id):
        coupon = create_coupon({"name": "邀请券", "kind": Coupon.NO_THRESHOLD, "amount_off": 500, "valid_days": 30,
                                "per_member_limit": 5}, actor=None)
        db.session.commit()
        return coupon.id


def run_invites(store, tiers):
    with tenant_context(store.id):
        save_invite_settings(enabled=True, tiers=tiers, actor=None)
        db.session.commit()


def rewards(store):
    with tenant_context(store.id):
        db.session.expire_all()
        return [(r.inviter_id, r.tier, r.invitee_id, r.coupon_issued, r.points)
                for r in db.session.scalars(select(InviteReward).order_by(InviteReward.tier))]


def coupons_held(store, member_id):
    with tenant_context(store.id):
        return db.session.scalar(select(func.count(MemberCoupon.id)).where(MemberCoupon.member_id == member_id))


@pytest.fixture
def goods(shop):
    demo = shop[0]
    product_id = create_product(demo, "白茶", price=2000, stock=30)
    return product_id, sku_of(demo, product_id)


def test_tiers_are_reached_when_friends_first_orders_complete_and_given_once(shop, goods, store_client,
                                                                          platform_client, wechat, jobs):
    demo = shop[0]
    coupon_id = five_yuan_coupon(demo)
    run_invites(demo, [(1, coupon_id, 0), (2, None, 300)])
    inviter, _address = create_member(demo, nickname="邀请人")

    first_friend = shopper_by_link(store_client, demo, inviter)
    first_order, _trade = paid_order(first_friend, demo, *goods, wechat, platform_client)
    jobs.drain()
    assert rewards(demo) == []  # paid is not enough: the order must complete
    complete(demo, first_order)
    friend_a = first_order.member_id
    assert rewards(demo) == [(inviter, 1, friend_a, True, 0)]
    assert coupons_held(demo, inviter) == 1

    again, _trade = paid_order(first_friend, demo, *goods, wechat, platform_client)  # the same friend again
    complete(demo, again)
    with tenant_context(demo.id):
        assert counted_invitees(inviter) == 1  # a friend counts once

    second_friend = shopper_by_link(store_client, demo, inviter)
    second_order, _trade = paid_order(second_friend, demo, *goods, wechat, platform_client)
    complete(demo, second_order)
    assert rewards(demo) == [(inviter, 1, friend_a, True, 0), (inviter, 2, second_order.member_id, False, 300)]
    with tenant_context(demo.id):
        assert db.session.get(Member, inviter).points == 300
        entry = db.session.scalar(select(PointsEntry).where(PointsEntry.member_id == inviter))
        assert (entry.reason, entry.delta) == ("invite", 300)
    assert coupons_held(demo, inviter) == 1  # tier 1 was not given a second time


def test_completion_by_the_sweep_counts_too(shop, goods, store_client, platform_client, wechat, jobs):
    demo = shop[0]
    run_invites(demo, [(1, None, 100)])
    inviter, _address = create_member(demo, nickname="邀请人")
    order, _trade = paid_order(shopper_by_link(store_client, demo, inviter), demo, *goods, wechat, platform_client)
    jobs.drain()
    with tenant_context(demo.id):
        states.transition(db.session.get(Order, order.id), "ship_all", shipped_at=utcnow() - timedelta(days=11))
        db.session.commit()
        sweep_store()
    assert [row[:3] for row in rewards(demo)] == [(inviter, 1, order.member_id)]


def test_a_member_who_had_completed_an_order_before_being_invited_does_not_count(shop, goods, store_client,
                                                                                 platform_client, wechat, jobs):
    demo = shop[0]
    run_invites(demo, [(1, None, 100)])
    inviter, _address = create_member(demo, nickname="邀请人")
    old_customer = store_client("demo")
    earlier, _trade = paid_order(old_customer, demo, *goods, wechat, platform_client)
    complete(demo, earlier)
    with tenant_context(demo.id):
        bind_referral(earlier.member_id, inviter)  # bound afterwards
        db.session.commit()
    later, _trade = paid_order(old_customer, demo, *goods, wechat, platform_client)
    complete(demo, later)
    assert rewards(demo) == []
    with tenant_context(demo.id):
        assert counted_invitees(inviter) == 0


def test_self_invites_and_loops_never_count(shop, goods, store_client, platform_client, wechat, jobs):
    demo = shop[0]
    run_invites(demo, [(1, None, 100)])
    first = store_client("demo")
    own, _trade = paid_order(first, demo, *goods, wechat, platform_client)
    me = own.member_id
    friend = shopper_by_link(store_client, demo, me)
    theirs, _trade = paid_order(friend, demo, *goods, wechat, platform_client)
    with tenant_context(demo.id):
        with pytest.raises(ReferralRefused):
            bind_referral(me, me)
        with pytest.raises(ReferralRefused):
            bind_referral(me, theirs.member_id)  # me → friend → me
        db.session.rollback()
    complete(demo, own)  # my own completed order earns me nothing
    assert rewards(demo) == []
    complete(demo, theirs)
    assert [row[:3] for row in rewards(demo)] == [(me, 1, theirs.member_id)]
    with tenant_context(demo.id):
        assert db.session.scalar(select(func.count(Referral.id))) == 1


def test_the_invite_page_shows_the_link_friends_and_tiers_reached(shop, goods, store_client, platform_client, wechat,
                                                                  jobs):
    demo = shop[0]
    run_invites(demo, [(1, None, 100), (3, None, 500)])
    inviter_client = store_client("demo")
    own, _trade = paid_order(inviter_client, demo, *goods, wechat, platform_client)
    inviter = own.member_id
    friend_order, _trade = paid_order(shopper_by_link(store_client, demo, inviter), demo, *goods, wechat,
                                      platform_client)
    complete(demo, friend_order)
    page = inviter_client.get("/me/invite", headers=EN).get_data(as_text=True)
    assert f"ref={code_of(demo, inviter)}" in page
    assert '<dd class="invites-counted">1</dd>' in page
    assert page.count('class="invite-tier reached"') == 1 and page.count('class="invite-tier"') == 1
    assert page.count('class="invitee-line"') == 1 and "Counted" in page
    assert store_client("demo").get("/me/invite").status_code == 302  # a guest is asked to sign in


def test_the_console_saves_tiers_refuses_bad_ones_and_lists_rewards_of_its_store_only(shop, goods, store_client,
                                                                                     platform_client, wechat, jobs):
    demo, tea = shop[0], shop[1]
    coupon_id = five_yuan_coupon(demo)
    login_staff(platform_client, demo)
    token = csrf_from(platform_client, "/console/invites")
    saved = platform_client.post("/console/invites", headers=EN, data={
        "csrf_token": token, "enabled": "on", "invites_0": "1", "coupon_id_0": str(coupon_id),
        "invites_1": "5", "points_1": "500"})
    assert saved.status_code == 302
    refused = platform_client.post("/console/invites", headers=EN, data={
        "csrf_token": token, "enabled": "on", "invites_0": "2"})  # a tier without a reward
    assert refused.status_code == 422 and "give a coupon or points" in refused.get_data(as_text=True)
    with tenant_context(demo.id):
        assert invite_settings().tiers == [{"invites": 1, "coupon_id": coupon_id, "points": 0},
                                           {"invites": 5, "coupon_id": None, "points": 500}]
    inviter, _address = create_member(demo, nickname="甲店邀请人")
    order, _trade = paid_order(shopper_by_link(store_client, demo, inviter), demo, *goods, wechat, platform_client)
    complete(demo, order)
    assert "甲店邀请人" in platform_client.get("/console/invites", headers=EN).get_data(as_text=True)

    tea_console = platform_client.application.test_client()
    login_staff(tea_console, tea)
    assert "甲店邀请人" not in tea_console.get("/console/invites", headers=EN).get_data(as_text=True)
    with tenant_context(tea.id):
        assert db.session.scalar(select(func.count(InviteReward.id))) == 0
        with pytest.raises(InviteProblem, match="no such coupon"):
            save_invite_settings(enabled=True, tiers=[(1, coupon_id, 0)], actor=None)  # demo's coupon
        db.session.rollback()


@pytest.mark.postgres
def test_two_friends_completing_at_once_still_reach_the_tier_they_add_up_to(shop, goods, store_client,
                                                                          platform_client, wechat, jobs, app):
    import threading


    demo = shop[0]
    run_invites(demo, [(2, None, 200)])
    inviter, _address = create_member(demo, nickname="邀请人")
    orders = [paid_order(shopper_by_link(store_client, demo, inviter), demo, *goods, wechat, platform_client)[0]
              for _friend in range(2)]
    with tenant_context(demo.id):
        for order in orders:
            states.transition(db.session.get(Order, order.id), "ship_all")
        db.session.commit()
    barrier = threading.Barrier(2, timeout=60)

    def receive(order_id, member_id):
        with app.app_context(), tenant_context(demo.id):
            barrier.wait()
            confirm_receipt(db.session.get(Order, order_id), member_id)
            threading.Event().wait(0.3)  # both completions in flight before either commits
            db.session.commit()

    threads = [threading.Thread(target=receive, args=(order.id, order.member_id)) for order in orders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [row[:2] for row in rewards(demo)] == [(inviter, 2)]
    with tenant_context(demo.id):
        assert db.session.get(Member, inviter).points == 200


def granted(store, inviter_name, tiers):
    """Rewards ``store`` granted to a new inviter for ``tiers`` (written as the job would)."""
    inviter, _address = create_member(store, nickname=inviter_name)
    invitee, _address = create_member(store, nickname=f"{inviter_name}的朋友")
    with tenant_context(store.id):
        db.session.add_all([InviteReward(inviter_id=inviter, invitee_id=invitee, tier=tier, points=100)
                            for tier in tiers])
        db.session.commit()


def test_the_rewards_given_page_with_a_count_and_never_show_another_stores(shop, platform_client, monkeypatch):
    demo, tea = shop[0], shop[1]
    monkeypatch.setattr(distribution_views, "PAGE_SIZE", 2)
    granted(demo, "甲店邀请人", (1, 3, 5))
    granted(tea, "乙店邀请人", (1,))
    login_staff(platform_client, demo)
    first = platform_client.get("/console/invites", headers=EN).get_data(as_text=True)
    assert first.count('<tr class="invite-reward">') == 2 and "3 in all" in first and "乙店" not in first
    second = platform_client.get(next_page(first), headers=EN).get_data(as_text=True)
    assert second.count('<tr class="invite-reward">') == 1 and next_page(second) is None and "乙店" not in second
    tiers = [int(tier) for body in (first, second) for tier in re.findall(r"\)</td>\s*<td>(\d+)</td>", body)]
    assert tiers == [5, 3, 1]  # newest first
