"""Group buys (拼团): teams fill and succeed, are never over-full, give seats back on cancel,
and a team that runs out of time refunds every paid member through WeChat Pay once — even
when the expiry job runs twice."""
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from commerce.marketing.group_buys.errors import GroupBuyProblem
from commerce.marketing.group_buys.jobs import expire_team
from commerce.marketing.group_buys.models import GroupBuy, GroupTeam, GroupTeamMember
from commerce.marketing.group_buys.service import create_group_buy
from commerce.members.models import Address
from commerce.orders.models import Fulfillment, Order
from commerce.orders.payments import start_payment
from commerce.orders.service import Wanted, cancel_order, place_order
from commerce.pricing import Campaign
from core.extensions import db
from core.models import utcnow
from core.tenancy import tenant_context
from tests.commerce.orders.test_checkout_and_pay import settle_at_wechat
from tests.conftest import csrf_from
from tests.factories import create_member


@pytest.fixture
def campaign(shop):
    demo, _tea, _product_id, sku_id = shop
    with tenant_context(demo.id):
        created = create_group_buy(actor=None, title="三人团", sku_id=sku_id, group_price=3000, size=3, hours=24,
                                   ends_at=utcnow() + timedelta(days=7))
        db.session.commit()
        return created.id


def team_order(store, member, campaign_id, team_id=None):
    with tenant_context(store.id):
        campaign = db.session.get(GroupBuy, campaign_id)
        team = db.session.get(GroupTeam, team_id) if team_id else None
        order = place_order(member_id=member[0], wanted=[Wanted(campaign.sku_id, 1)],
                            address=db.session.get(Address, member[1]),
                            campaign=Campaign("group_buy", campaign.id, join=team.id if team else None))
        db.session.commit()
        place = db.session.scalar(select(GroupTeamMember).where(GroupTeamMember.order_id == order.id))
        return order, place.team_id


def pay(store, order, wechat, platform_client):
    with tenant_context(store.id):
        start_payment(db.session.get(Order, order.id), "native")
        db.session.commit()
    trade, _status = wechat.pay_transaction(order.number, send=False)
    headers, body = wechat.payment_notification(trade)
    assert platform_client.post(f"/payments/wechatpay/notify/{store.id}", data=body, headers=headers).status_code == 204
    return trade


def team_status(store, team_id):
    with tenant_context(store.id):
        return db.session.scalar(select(GroupTeam.status).where(GroupTeam.id == team_id)
                                 .execution_options(populate_existing=True))


def test_a_team_succeeds_when_every_seat_is_paid_and_only_then_ships(shop, campaign, wechat, platform_client):
    demo, _tea, _product, _sku = shop
    leader, first, second = (create_member(demo, nickname=name) for name in ("团长", "甲", "乙"))
    opened, team_id = team_order(demo, leader, campaign)
    assert opened.subtotal == 3000
    joined = [team_order(demo, member, campaign, team_id)[0] for member in (first, second)]
    pay(demo, opened, wechat, platform_client)
    pay(demo, joined[0], wechat, platform_client)
    with tenant_context(demo.id):
        assert db.session.query(Fulfillment).count() == 0  # nothing ships before the team is complete
    assert team_status(demo, team_id) == GroupTeam.OPEN
    pay(demo, joined[1], wechat, platform_client)
    assert team_status(demo, team_id) == GroupTeam.SUCCEEDED
    with tenant_context(demo.id):
        assert db.session.query(Fulfillment).count() == 3  # three shoppers, three addresses


def test_a_full_team_takes_nobody_else_and_a_member_cannot_join_twice(shop, campaign):
    demo, _tea, _product, _sku = shop
    leader = create_member(demo)
    _order, team_id = team_order(demo, leader, campaign)
    with pytest.raises(GroupBuyProblem, match="already in this team"):
        team_order(demo, leader, campaign, team_id)
    team_order(demo, create_member(demo, nickname="甲"), campaign, team_id)
    team_order(demo, create_member(demo, nickname="乙"), campaign, team_id)
    with pytest.raises(GroupBuyProblem, match="full or has ended"):
        team_order(demo, create_member(demo, nickname="丙"), campaign, team_id)


def test_an_unpaid_cancelled_order_gives_its_seat_back(shop, campaign):
    demo, _tea, _product, _sku = shop
    _order, team_id = team_order(demo, create_member(demo), campaign)
    joined, _team = team_order(demo, create_member(demo, nickname="甲"), campaign, team_id)
    with tenant_context(demo.id):
        cancel_order(db.session.get(Order, joined.id), reason="timeout")
        db.session.commit()
        assert db.session.get(GroupTeam, team_id).seats_taken == 1
    team_order(demo, create_member(demo, nickname="乙"), campaign, team_id)
    team_order(demo, create_member(demo, nickname="丙"), campaign, team_id)


def test_a_team_that_runs_out_of_time_refunds_every_paid_member_once(shop, campaign, wechat, platform_client):
    demo, _tea, _product, _sku = shop
    opened, team_id = team_order(demo, create_member(demo), campaign)
    joined, _team = team_order(demo, create_member(demo, nickname="甲"), campaign, team_id)
    trades = [pay(demo, order, wechat, platform_client) for order in (opened, joined)]
    with tenant_context(demo.id):
        db.session.execute(update(GroupTeam).where(GroupTeam.id == team_id)
                           .values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
        assert expire_team(team_id) == 2
        assert expire_team(team_id) == 0  # the job again (rq may run it twice): nothing more
    assert team_status(demo, team_id) == GroupTeam.FAILED
    assert [trade.refunded for trade in trades] == [3000, 3000]
    for trade in trades:
        settle_at_wechat(wechat, platform_client, demo, trade)
    with tenant_context(demo.id):
        statuses = db.session.scalars(select(Order.status).order_by(Order.id)
                                      .execution_options(populate_existing=True)).all()
        assert statuses == [Order.REFUNDED, Order.REFUNDED]


def test_virtual_success_completes_a_team_at_its_deadline_without_refunds(shop, campaign, wechat, platform_client):
    demo, _tea, _product, _sku = shop
    with tenant_context(demo.id):
        db.session.execute(update(GroupBuy).where(GroupBuy.id == campaign).values(virtual_success=True))
        db.session.commit()
    opened, team_id = team_order(demo, create_member(demo), campaign)
    trade = pay(demo, opened, wechat, platform_client)
    with tenant_context(demo.id):
        db.session.execute(update(GroupTeam).where(GroupTeam.id == team_id)
                           .values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
        assert expire_team(team_id) == 0
        assert db.session.query(Fulfillment).count() == 1
    assert team_status(demo, team_id) == GroupTeam.SUCCEEDED and trade.refunded == 0


def test_another_store_cannot_use_or_see_the_campaign(shop, campaign):
    demo, tea, _product, sku_id = shop
    with tenant_context(tea.id):
        assert db.session.get(GroupBuy, campaign) is None
        with pytest.raises(GroupBuyProblem, match="No such SKU"):
            create_group_buy(actor=None, title="x", sku_id=sku_id, group_price=1, size=2, hours=1,
                             ends_at=utcnow() + timedelta(days=1))


def test_shoppers_start_and_join_a_team_from_the_storefront(shop, campaign, store_client):
    from tests.commerce.orders.test_checkout_and_pay import ADDRESS, DESKTOP

    demo, tea, product_id, _sku = shop
    leader = store_client("demo")
    page = leader.get(f"/products/{product_id}", headers=DESKTOP).get_data(as_text=True)
    assert "3-person group buy" in page and f"/group-buys/{campaign}/start" in page
    started = leader.post(f"/group-buys/{campaign}/start", headers={**DESKTOP, "Origin": "http://demo.duoshop.test"})
    assert started.status_code == 302 and started.location.endswith("/checkout/group")
    token = csrf_from(leader, "/checkout/group")
    placed = leader.post("/checkout/group", data={"csrf_token": token, **ADDRESS}, headers=DESKTOP)
    assert placed.status_code == 302 and "/pay" in placed.location
    with tenant_context(demo.id):
        order = db.session.scalar(select(Order))
        team_id = db.session.scalar(select(GroupTeamMember.team_id))
        assert (order.subtotal, order.total) == (3000, 3000)
    team_page = store_client("demo").get(f"/teams/{team_id}", headers=DESKTOP).get_data(as_text=True)
    assert "1 of 3 joined" in team_page
    friend = store_client("demo")
    token = csrf_from(friend, f"/teams/{team_id}")
    assert friend.post(f"/teams/{team_id}/join", data={"csrf_token": token}, headers=DESKTOP).status_code == 302
    token = csrf_from(friend, "/checkout/group")
    assert friend.post("/checkout/group", data={"csrf_token": token, **ADDRESS}, headers=DESKTOP).status_code == 302
    assert "2 of 3 joined" in store_client("demo").get(f"/teams/{team_id}", headers=DESKTOP).get_data(as_text=True)
    assert store_client("tea").get(f"/teams/{team_id}", headers=DESKTOP).status_code == 404
    cross_site = leader.post(f"/group-buys/{campaign}/start", headers={**DESKTOP, "Origin": "https://evil.example"})
    assert cross_site.status_code == 403
    assert tea


def test_the_group_buy_block_lists_running_campaigns_of_this_store_only(shop, campaign):
    from commerce.marketing.group_buys.service import set_group_buy_status
    from themes.data import Need, load_page_data

    demo, tea, _product, _sku = shop
    with tenant_context(demo.id):
        deals = load_page_data({"b1": [Need("group_buys", count=4)]})["b1"]["group_buys"]
        assert [(deal.product.title, deal.price, deal.group_size, deal.sku.price) for deal in deals] == [
            ("龙井", 3000, 3, 5000)]
        set_group_buy_status(db.session.get(GroupBuy, campaign), GroupBuy.PAUSED, actor=None)
        db.session.commit()
        assert load_page_data({"b1": [Need("group_buys", count=4)]})["b1"]["group_buys"] == []
    with tenant_context(tea.id):
        assert load_page_data({"b1": [Need("group_buys", count=4)]})["b1"]["group_buys"] == []


def test_a_shopper_already_in_the_team_is_asked_to_share_not_to_join(shop, campaign, store_client):
    from tests.commerce.orders.test_checkout_and_pay import ADDRESS, DESKTOP

    demo, _tea, _product_id, _sku = shop
    leader = store_client("demo")
    leader.post(f"/group-buys/{campaign}/start", headers={**DESKTOP, "Origin": "http://demo.duoshop.test"})
    token = csrf_from(leader, "/checkout/group")
    assert leader.post("/checkout/group", data={"csrf_token": token, **ADDRESS}, headers=DESKTOP).status_code == 302
    with tenant_context(demo.id):
        team_id = db.session.scalar(select(GroupTeamMember.team_id))
    own = leader.get(f"/teams/{team_id}", headers=DESKTOP).get_data(as_text=True)
    assert "1 of 3 joined" in own and "You are in this team" in own
    assert "Join this team" not in own and f"/teams/{team_id}/join" not in own
    friend = store_client("demo")
    theirs = friend.get(f"/teams/{team_id}", headers=DESKTOP).get_data(as_text=True)
    assert "Join this team" in theirs and "You are in this team" not in theirs
    token = csrf_from(friend, f"/teams/{team_id}")
    friend.post(f"/teams/{team_id}/join", data={"csrf_token": token}, headers=DESKTOP)
    token = csrf_from(friend, "/checkout/group")
    assert friend.post("/checkout/group", data={"csrf_token": token, **ADDRESS}, headers=DESKTOP).status_code == 302
    joined = friend.get(f"/teams/{team_id}", headers=DESKTOP).get_data(as_text=True)
    assert "2 of 3 joined" in joined and "You are in this team" in joined and "Join this team" not in joined
