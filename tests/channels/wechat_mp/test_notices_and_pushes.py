"""Template messages on order events (once per event and member, only when switched on and
followed) and scheduled pushes (only to following members who consented to marketing)."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from channels.wechat_mp.accounts import account_of
from channels.wechat_mp.errors import OfficialAccountRefused
from channels.wechat_mp.models import Push, Send
from channels.wechat_mp.notices import order_paid, save_notices
from channels.wechat_mp.pushes import schedule_push, send_due_pushes
from commerce.marketing.bargains.models import Bargain, BargainCampaign
from commerce.marketing.bargains.service import create_bargain_campaign, help_cut, start_bargain
from commerce.marketing.group_buys.models import GroupTeam, GroupTeamMember
from commerce.marketing.group_buys.service import create_group_buy
from commerce.members.consent import record_consents
from commerce.members.models import Address, Member, MemberConsent
from commerce.orders import states
from commerce.orders.models import Order, OrderLine
from commerce.orders.payments import record_payment
from commerce.orders.service import Wanted, place_order
from commerce.pricing import Campaign
from commerce.shipping.parcels import ship_order
from core.clock import china_today
from core.extensions import db
from core.models import utcnow
from core.outbox import Event
from core.tenancy import tenant_context
from tests.channels.wechat_mp.conftest import TEA_APPID, bind, send
from tests.factories import create_member, create_product, create_store, sku_of

TEMPLATE = "TPL_order_paid_0001"


@pytest.fixture
def demo(app_ctx):
    store = create_store("demo")
    store.sku = sku_of(store, create_product(store, "龙井", price=5000, stock=50))
    bind(store)
    with tenant_context(store.id):
        save_notices(account_of(), {"order_paid": (True, TEMPLATE), "order_shipped": (False, "")}, actor=None)
        db.session.commit()
    return store


def follower_member(mp, store, openid, *, consent=None, appid=None):
    member = create_member(store, openid=openid)
    send(mp, store, "subscribe", openid=openid, **({"appid": appid} if appid else {}))
    if consent is not None:
        with tenant_context(store.id):
            record_consents(member[0], {MemberConsent.MARKETING: consent}, channel=MemberConsent.H5)
            db.session.commit()
    return member


def pay(store, member):
    member_id, address_id = member
    with tenant_context(store.id):
        order = place_order(member_id=member_id, address=db.session.get(Address, address_id),
                            wanted=[Wanted(store.sku, 1, None)])
        assert states.transition(order, "pay", transaction_id=f"T{order.id}", paid_amount=order.total)
        db.session.commit()
        return order.id, order.number


def test_a_paid_order_sends_its_follower_the_template_message_once(demo, mp, jobs):
    member = follower_member(mp, demo, "o-buyer")
    order_id, number = pay(demo, member)
    jobs.drain()
    assert [(sent["touser"], sent["template_id"]) for sent in mp.templates] == [("o-buyer", TEMPLATE)]
    assert mp.templates[0]["data"]["keyword1"]["value"] == number
    assert mp.templates[0]["url"].endswith(f"demo.duoshop.test/orders/{number}")
    # The outbox delivers the event again (a retried job): nobody gets a second message.
    with tenant_context(demo.id):
        order_paid(Event("again", "order.paid", demo.id, {"order_id": order_id}))
        assert db.session.scalar(select(Send.status).where(Send.key.like("order_paid:%"))) == Send.SENT
    assert len(mp.templates) == 1


def test_a_send_whose_outcome_was_lost_is_not_sent_again(demo, mp, jobs):
    member = follower_member(mp, demo, "o-buyer")
    order_id, _ = pay(demo, member)
    jobs.drain()
    with tenant_context(demo.id):  # as if the worker died between the intent and WeChat's answer
        db.session.execute(Send.__table__.update().values(status=Send.PENDING))
        db.session.commit()
        order_paid(Event("again", "order.paid", demo.id, {"order_id": order_id}))
        assert db.session.scalar(select(Send.status)) == Send.UNKNOWN
    assert len(mp.templates) == 1


def test_no_message_when_the_notice_is_off_or_the_member_does_not_follow(demo, mp, jobs):
    pay(demo, create_member(demo, openid="o-not-following"))
    member = follower_member(mp, demo, "o-buyer")
    order_id, _ = pay(demo, member)
    with tenant_context(demo.id):
        line_id = db.session.scalar(select(OrderLine.id).where(OrderLine.order_id == order_id))
        ship_order(db.session.get(Order, order_id), [("yuantong", "YT1000000001", [(line_id, 1)])], actor=None)
        db.session.commit()
    jobs.drain()
    assert [sent["touser"] for sent in mp.templates] == ["o-buyer"]  # paid, and not shipped: that notice is off


def test_an_expired_access_token_is_refreshed_and_the_message_still_sent(demo, mp, jobs):
    member = follower_member(mp, demo, "o-buyer")
    pay(demo, member)
    jobs.drain()
    mp.expire_tokens()
    pay(demo, member)
    jobs.drain()
    assert len(mp.templates) == 2 and mp.tokens_issued == 2


def test_another_stores_followers_never_get_this_stores_notices(demo, mp, jobs, app_ctx):
    tea = create_store("tea")
    bind(tea, TEA_APPID)
    follower_member(mp, tea, "o-tea-fan", appid=TEA_APPID)
    pay(demo, follower_member(mp, demo, "o-buyer"))
    jobs.drain()
    assert {sent["touser"] for sent in mp.templates} == {"o-buyer"}


def test_a_switched_on_notice_needs_its_template_id(demo):
    with tenant_context(demo.id), pytest.raises(OfficialAccountRefused) as refusal:
        save_notices(account_of(), {"order_shipped": (True, "")}, actor=None)
    assert refusal.value.field == "order_shipped_template_id"


def schedule(store, *, slot="10", day=None):
    with tenant_context(store.id):
        push = schedule_push(actor=None, title="本周上新", description="明前龙井到货", picture_url="/media/new.jpg",
                             target={"type": "product", "value": "1"}, day=day or china_today() + timedelta(days=1),
                             slot=slot)
        db.session.commit()
        return push.id


def test_a_push_goes_to_consenting_followers_only_and_counts_the_rest(demo, mp, app_ctx):
    follower_member(mp, demo, "o-yes", consent=True)
    follower_member(mp, demo, "o-no", consent=False)
    follower_member(mp, demo, "o-never-asked")
    create_member(demo, openid="o-member-not-following", nickname="x")
    push_id = schedule(demo)
    with tenant_context(demo.id):
        assert send_due_pushes() == 0  # not due before its slot
        later = utcnow() + timedelta(days=2)
        assert send_due_pushes(now=later) == 1
        assert send_due_pushes(now=later) == 0  # done: a second sweep sends nothing
        push = db.session.get(Push, push_id, populate_existing=True)
        assert (push.status, push.sent, push.failed, push.skipped) == (Push.DONE, 1, 0, 2)
    assert [sent["touser"] for sent in mp.customs] == ["o-yes"]
    assert mp.customs[0]["news"]["articles"][0]["url"].endswith("demo.duoshop.test/products/1")


def test_a_push_a_dead_worker_left_half_sent_finishes_without_sending_twice(demo, mp, app_ctx):
    follower_member(mp, demo, "o-a", consent=True)
    follower_member(mp, demo, "o-b", consent=True)
    push_id = schedule(demo)
    later = utcnow() + timedelta(days=2)
    with tenant_context(demo.id):
        send_due_pushes(now=later)
        db.session.execute(Push.__table__.update().values(status=Push.SENDING, updated_at=later))  # "died"
        db.session.commit()
        assert send_due_pushes(now=later + timedelta(minutes=1)) == 0  # its lease still runs
        assert send_due_pushes(now=later + timedelta(minutes=11)) == 1
        assert db.session.get(Push, push_id, populate_existing=True).sent == 2
    assert sorted(sent["touser"] for sent in mp.customs) == ["o-a", "o-b"]


def test_a_push_for_a_passed_slot_is_refused(demo):
    with pytest.raises(OfficialAccountRefused) as refusal:
        schedule(demo, day=china_today() - timedelta(days=1))
    assert refusal.value.field == "day"


def test_a_bargain_cut_to_its_floor_tells_its_starter_once(demo, mp, jobs):
    with tenant_context(demo.id):
        save_notices(account_of(), {"bargain_reached": (True, "TPL_bargain_0001")}, actor=None)
        campaign = create_bargain_campaign(actor=None, title="好友砍价", sku_id=demo.sku, floor_price=1000,
                                           max_helps=2, hours=24, starts_at=utcnow(),
                                           ends_at=utcnow() + timedelta(days=7))
        db.session.commit()
        campaign_id = campaign.id
    starter = follower_member(mp, demo, "o-starter")
    friends = [create_member(demo, nickname=name, openid=f"o-{name}") for name in ("a", "b")]
    with tenant_context(demo.id):
        bargain = start_bargain(db.session.get(BargainCampaign, campaign_id), db.session.get(Member, starter[0]))
        db.session.commit()
        for friend in friends:
            help_cut(db.session.get(Bargain, bargain.id), db.session.get(Member, friend[0]))
            db.session.commit()
    jobs.drain()
    assert [(sent["touser"], sent["template_id"]) for sent in mp.templates] == [("o-starter", "TPL_bargain_0001")]
    assert mp.templates[0]["data"]["keyword1"]["value"] == "¥10.00"


def test_a_group_buy_team_that_fills_tells_each_following_member_once(demo, mp, jobs):
    with tenant_context(demo.id):
        save_notices(account_of(), {"group_buy_succeeded": (True, "TPL_team_ok_0001")}, actor=None)
        campaign_id = create_group_buy(actor=None, title="两人团", sku_id=demo.sku, group_price=3000, size=2,
                                       hours=24, ends_at=utcnow() + timedelta(days=7)).id
        db.session.commit()
    leader = follower_member(mp, demo, "o-leader")
    friend = create_member(demo, openid="o-friend-not-following")
    team_id = None
    for member in (leader, friend):
        with tenant_context(demo.id):
            order = place_order(member_id=member[0], address=db.session.get(Address, member[1]),
                                wanted=[Wanted(demo.sku, 1)],
                                campaign=Campaign("group_buy", campaign_id, join=team_id))
            assert record_payment(order, f"T{order.id}", None, source="notification") == "applied"
            db.session.commit()
            team_id = db.session.scalar(select(GroupTeamMember.team_id).where(GroupTeamMember.order_id == order.id))
    jobs.drain()
    with tenant_context(demo.id):
        assert db.session.get(GroupTeam, team_id, populate_existing=True).status == GroupTeam.SUCCEEDED
    assert [(sent["touser"], sent["template_id"]) for sent in mp.templates] == [("o-leader", "TPL_team_ok_0001")]
    assert mp.templates[0]["data"]["keyword2"]["value"] == "2人团"
