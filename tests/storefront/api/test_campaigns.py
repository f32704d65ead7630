"""Group buys, bargains and flash sales over /api/v1: a team is started and joined with one
order each (the order core's, paid through /orders/{order_no}/payment), a bargain is cut by
friends once each and bought by its starter at the price reached, the running flash sale
shows the units left; another store's ids are 404s."""
from datetime import timedelta

from sqlalchemy import select

from commerce.marketing.bargains.service import create_bargain_campaign
from commerce.marketing.flash_sales.service import create_flash_sale
from commerce.marketing.group_buys.service import create_group_buy
from commerce.orders.models import Order
from core.extensions import db
from core.models import utcnow
from core.tenancy import tenant_context
from tests.storefront.api.conftest import api


def _group_buy(world):
    with tenant_context(world.demo.id):
        made = create_group_buy(actor=None, title="三人团", sku_id=world.sku_id, group_price=3000, size=3, hours=24,
                                ends_at=utcnow() + timedelta(days=7))
        db.session.commit()
        return made.id


def _bargain_campaign(world):
    with tenant_context(world.demo.id):
        made = create_bargain_campaign(actor=None, title="好友砍价", sku_id=world.sku_id, floor_price=1000,
                                       max_helps=3, hours=24, starts_at=utcnow() - timedelta(minutes=1),
                                       ends_at=utcnow() + timedelta(days=7))
        db.session.commit()
        return made.id


def _order(store, number):
    with tenant_context(store.id):
        return db.session.scalar(select(Order).where(Order.number == number))


def test_a_team_is_started_and_joined_each_with_an_order_to_pay(world, platform_client):
    campaign_id = _group_buy(world)
    appid = {"X-Duoshop-AppID": world.alice.appid}
    (listed,) = platform_client.get("/api/v1/group-buys", headers=appid).get_json()["items"]
    assert (listed["id"], listed["group_price"], listed["price"], listed["size"]) == (campaign_id, 3000, 5000, 3)
    assert listed["product"]["images"] == [] and listed["product"]["title"] == "龙井"
    assert platform_client.get("/api/v1/group-buys", headers={"X-Duoshop-AppID": world.tina.appid}).get_json() == {
        "items": []}

    started = api(platform_client, "POST", f"/group-buys/{campaign_id}/teams", world.alice,
                  json={"sku_id": world.sku_id})
    assert started.status_code == 201, started.get_json()
    team = started.get_json()["team"]
    assert (team["seats_taken"], team["seats_left"], team["status"], team["in_team"]) == (1, 2, "open", True)
    order = _order(world.demo, started.get_json()["order_no"])
    assert order.member_id == world.alice.member_id and order.subtotal == 3000 and order.status == Order.PENDING_PAYMENT

    detail = platform_client.get(f"/api/v1/group-buys/{campaign_id}", headers=appid).get_json()
    assert [(t["id"], t["leader"], t["seats_left"]) for t in detail["open_teams"]] == [(team["id"], "阿丽", 2)]

    joined = api(platform_client, "POST", f"/teams/{team['id']}/join", world.bob, json={"sku_id": world.sku_id})
    assert joined.status_code == 201, joined.get_json()
    assert joined.get_json()["team"]["id"] == team["id"] and joined.get_json()["team"]["seats_taken"] == 2
    assert _order(world.demo, joined.get_json()["order_no"]).member_id == world.bob.member_id
    seen = api(platform_client, "GET", f"/teams/{team['id']}", world.carol).get_json()
    assert [m["nickname"] for m in seen["members"]] == ["阿丽", "阿博"] and seen["in_team"] is False

    twice = api(platform_client, "POST", f"/teams/{team['id']}/join", world.bob, json={"sku_id": world.sku_id})
    assert twice.status_code == 409 and twice.get_json()["code"] == "group_buy_problem"
    wrong_sku = api(platform_client, "POST", f"/teams/{team['id']}/join", world.carol, json={"sku_id": 999})
    assert wrong_sku.status_code == 422
    # tea's member finds neither demo's group buy nor its team
    for method, path, body in (("GET", f"/teams/{team['id']}", None),
                               ("POST", f"/teams/{team['id']}/join", {"sku_id": world.sku_id}),
                               ("POST", f"/group-buys/{campaign_id}/teams", {"sku_id": world.sku_id})):
        assert api(platform_client, method, path, world.tina, json=body).status_code == 404, path
    assert platform_client.get(f"/api/v1/group-buys/{campaign_id}",
                               headers={"X-Duoshop-AppID": world.tina.appid}).status_code == 404


def test_a_bargain_is_cut_by_friends_once_each_and_bought_by_its_starter(world, platform_client):
    campaign_id = _bargain_campaign(world)
    (listed,) = platform_client.get("/api/v1/bargains", headers={"X-Duoshop-AppID": world.alice.appid}).get_json()[
        "items"]
    assert (listed["id"], listed["price"], listed["floor_price"]) == (campaign_id, 5000, 1000)

    started = api(platform_client, "POST", f"/bargains/{campaign_id}/start", world.alice)
    assert started.status_code == 201, started.get_json()
    session = started.get_json()
    assert (session["price_now"], session["is_starter"], session["can_buy"]) == (5000, True, True)

    helped = api(platform_client, "POST", f"/bargain-sessions/{session['id']}/help", world.bob)
    assert helped.status_code == 200, helped.get_json()
    cut = helped.get_json()
    assert cut["cut"] >= 1 and cut["price_now"] == 5000 - cut["cut"]
    again = api(platform_client, "POST", f"/bargain-sessions/{session['id']}/help", world.bob)
    assert again.status_code == 409 and again.get_json()["code"] == "bargain_problem"
    own = api(platform_client, "POST", f"/bargain-sessions/{session['id']}/help", world.alice)
    assert own.status_code == 403

    seen = api(platform_client, "GET", f"/bargain-sessions/{session['id']}", world.bob).get_json()
    assert seen["helped"] is True and seen["can_buy"] is False and seen["price_now"] == cut["price_now"]
    assert [h["nickname"] for h in seen["helpers"]] == ["阿博"]

    assert api(platform_client, "POST", f"/bargain-sessions/{session['id']}/buy", world.bob, json={}).status_code == 404
    bought = api(platform_client, "POST", f"/bargain-sessions/{session['id']}/buy", world.alice, json={})
    assert bought.status_code == 201, bought.get_json()
    order = _order(world.demo, bought.get_json()["order_no"])
    assert order.subtotal == cut["price_now"] and order.member_id == world.alice.member_id
    assert api(platform_client, "GET", f"/bargain-sessions/{session['id']}", world.alice).get_json()["status"] == "ordered"
    # another store: nothing to see or cut
    for method, path in (("GET", f"/bargain-sessions/{session['id']}"),
                         ("POST", f"/bargain-sessions/{session['id']}/help"),
                         ("POST", f"/bargains/{campaign_id}/start")):
        assert api(platform_client, method, path, world.tina).status_code == 404, path


def test_the_running_flash_sale_shows_units_left(world, platform_client):
    appid = {"X-Duoshop-AppID": world.alice.appid}
    assert platform_client.get("/api/v1/flash-sales/current", headers=appid).get_json() == {"sale": None, "items": []}
    with tenant_context(world.demo.id):
        create_flash_sale(actor=None, title="双十二秒杀", starts_at=utcnow() - timedelta(minutes=1),
                          ends_at=utcnow() + timedelta(hours=1), items=[(world.sku_id, 2900, 8, 1)])
        db.session.commit()
    current = platform_client.get("/api/v1/flash-sales/current", headers=appid).get_json()
    assert current["sale"]["title"] == "双十二秒杀"
    (item,) = current["items"]
    assert (item["sku_id"], item["price"], item["original_price"], item["units_left"]) == (world.sku_id, 2900, 5000, 8)
    assert platform_client.get("/api/v1/flash-sales/current",
                               headers={"X-Duoshop-AppID": world.tina.appid}).get_json()["sale"] is None


def test_a_campaign_order_goes_to_one_of_the_members_own_addresses(world, platform_client):
    campaign_id = _group_buy(world)
    path = f"/group-buys/{campaign_id}/teams"
    others = api(platform_client, "POST", path, world.alice, json={"sku_id": world.sku_id,
                                                                   "address_id": world.bob.address_id})
    assert others.status_code == 404
    chosen = api(platform_client, "POST", path, world.alice, json={"sku_id": world.sku_id,
                                                                   "address_id": world.alice.address_id,
                                                                   "remark": "周末送"})
    assert chosen.status_code == 201, chosen.get_json()
    order = _order(world.demo, chosen.get_json()["order_no"])
    assert order.ship_name == "张三" and order.shopper_note == "周末送"
    assert platform_client.post(f"/api/v1{path}", json={"sku_id": world.sku_id},
                                headers={"X-Duoshop-AppID": world.alice.appid}).status_code == 401
