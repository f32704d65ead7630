"""A whole mini-program session over HTTP, as the client in miniprogram/ calls it: sign in with
wx.login's code, browse the published home page, put two SKUs in the cart, claim a coupon and
spend it at checkout, pay in the WeChat Pay sandbox, join a friend's group buy and help their
bargain, see the orders and ask for an after-sale. Every answer is checked against the served
OpenAPI document (spectree already refuses to send one that is not), and every link any answer
carries is fetched as the client would (no AppID, no token) and loads."""
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from commerce.catalog.images import add_product_image
from commerce.catalog.models import Product
from commerce.marketing.bargains.service import create_bargain_campaign
from commerce.marketing.coupons.models import Coupon
from commerce.marketing.coupons.service import create_coupon
from commerce.marketing.group_buys.service import create_group_buy
from core.extensions import db
from core.models import utcnow
from core.tenancy import tenant_context
from tenants.models import StaffUser
from tests.commerce.orders.test_balance_payments import give_balance
from tests.storefront.api.test_orders import pay_in_sandbox
from tests.storefront.api_links import fetch_status, png_upload, uri_values
from themes.models import Page
from themes.pages import publish_page, save_draft

HOME = {"blocks": {"hello": {"type": "notice", "settings": {"text": "新茶上市"}},
                   "grid": {"type": "product_grid", "settings": {"title": "热卖", "source": "newest", "count": 4}}},
        "order": ["hello", "grid"]}


class Session:
    """What the client saw: each answer checked against the document's schema for it, and the
    links in it kept to be fetched at the end."""

    def __init__(self, shopper, document):
        self.shopper, self.document, self.links = shopper, document, []

    def call(self, method, path, documented, expect, json=None, **params):
        answer = self.shopper.call(method, path, json=json, **params)
        assert answer.status_code == expect, (method, path, answer.get_json())
        operation = self.document["paths"][f"/api/v1{documented}"][method.lower()]
        assert str(expect) in operation["responses"], f"{method} {documented} answered an undocumented {expect}"
        body = answer.get_json()
        content = operation["responses"][str(expect)].get("content", {})
        if content:
            schema = next(iter(content.values()))["schema"]
            self.links += uri_values(self.document, schema, body)
        return body


def _publish_home(store):
    with tenant_context(store.id):
        page = db.session.scalar(select(Page).where(Page.kind == Page.HOME))
        owner = db.session.scalar(select(StaffUser).where(StaffUser.role == StaffUser.OWNER))
        save_draft(page, HOME, expected_revision=page.draft_revision, actor=owner)
        publish_page(page, actor=owner)
        db.session.commit()


def _picture(store, product_id):
    with tenant_context(store.id):
        owner = db.session.scalar(select(StaffUser).where(StaffUser.role == StaffUser.OWNER))
        add_product_image(db.session.get(Product, product_id), png_upload("teal"), actor=owner)
        db.session.commit()


def _campaigns(store, sku_id):
    fields = {"name": "满60减10", "kind": Coupon.AMOUNT_OFF, "amount_off": 1000, "threshold": 6000,
              "percent_off": None, "max_discount": None, "scope": Coupon.ALL, "target_ids": [], "valid_from": None,
              "valid_until": None, "valid_days": 7, "total_quantity": 100, "per_member_limit": 1,
              "stackable": False}
    with tenant_context(store.id):
        coupon = create_coupon(fields, actor=None)
        group_buy = create_group_buy(actor=None, title="两人团", sku_id=sku_id, group_price=3900, size=2, hours=24,
                                     ends_at=utcnow() + timedelta(days=3))
        bargain = create_bargain_campaign(actor=None, title="好友砍价", sku_id=sku_id, floor_price=2000, max_helps=3,
                                          hours=24, starts_at=utcnow() - timedelta(minutes=1),
                                          ends_at=utcnow() + timedelta(days=3))
        db.session.commit()
        return coupon.id, group_buy.id, bargain.id


@pytest.mark.parametrize("pay_with", ["wechat", "balance"])
def test_a_shopper_buys_joins_helps_and_asks_for_an_after_sale_through_the_api(
        app, stores, sign_in, wechat, platform_client, pay_with):
    demo, _tea, goods = stores
    longjing_sku, biluochun_sku = goods["longjing"][1], goods["biluochun"][1]
    _publish_home(demo)
    _picture(demo, goods["longjing"][0])
    coupon_id, group_buy_id, bargain_id = _campaigns(demo, longjing_sku)
    document = platform_client.get("/api/v1/openapi.json").get_json()
    friend = sign_in(nickname="小红")
    me = Session(sign_in(nickname="小明"), document)

    # browse: the store with its colours, the published home page with its products
    store = me.call("GET", "/store", "/store", 200)
    assert store["colors"]["primary"].startswith("#")
    home = me.call("GET", "/home", "/home", 200)
    assert [block["type"] for block in home["blocks"]] == ["notice", "product_grid"]
    assert {p["id"] for p in home["blocks"][1]["products"]} >= {goods["longjing"][0], goods["biluochun"][0]}
    me.call("GET", f"/products/{goods['longjing'][0]}", "/products/{product_id}", 200)

    # two SKUs in the cart
    me.call("POST", "/cart/items", "/cart/items", 201, json={"sku_id": longjing_sku, "quantity": 1})
    cart = me.call("POST", "/cart/items", "/cart/items", 201, json={"sku_id": biluochun_sku, "quantity": 2})
    assert sorted((line["sku_id"], line["quantity"]) for line in cart["lines"]) == [(longjing_sku, 1),
                                                                                  (biluochun_sku, 2)]

    # claim the coupon and spend it: the order is exactly the preview
    claimable = me.call("GET", "/coupons", "/coupons", 200)["items"]
    assert [c["id"] for c in claimable] == [coupon_id]
    mine = me.call("POST", f"/coupons/{coupon_id}/claim", "/coupons/{coupon_id}/claim", 201)
    line_ids = [line["id"] for line in cart["lines"]]
    preview = me.call("POST", "/checkout/preview", "/checkout/preview", 200,
                      json={"line_ids": line_ids, "coupon_id": mine["id"]})
    assert preview["coupon"]["id"] == mine["id"] and preview["problems"] == []
    assert preview["goods"] == 5000 + 2 * 3000 and any(d["amount"] == 1000 for d in preview["discounts"])
    order = me.call("POST", "/orders", "/orders", 201, json={"line_ids": line_ids, "coupon_id": mine["id"],
                                                             "request_id": uuid.uuid4().hex})
    assert order["amounts"]["total"] == preview["total"]
    assert me.call("GET", "/cart", "/cart", 200)["lines"] == []
    assert me.call("GET", "/me/coupons", "/me/coupons", 200, status="used")["items"][0]["id"] == mine["id"]

    # pay: in the sandbox (wx.requestPayment's parameters, then WeChat's notification), or from the balance
    if pay_with == "balance":
        give_balance(demo, me.shopper.member_id, 20000)
    payment = me.call("POST", f"/orders/{order['order_no']}/payment", "/orders/{order_no}/payment", 200,
                      json={"method": pay_with})
    if pay_with == "wechat":
        assert payment["params"]["package"].startswith("prepay_id=")
        pay_in_sandbox(wechat, platform_client, demo, order["order_no"])
    else:
        assert "params" not in payment and payment["order"]["paid_with"] == "balance"
    assert me.call("GET", f"/orders/{order['order_no']}", "/orders/{order_no}", 200)["status"] == "unshipped"

    # a friend starts a two-person team; joining it makes my order for the group price
    team = friend.post(f"/group-buys/{group_buy_id}/teams", {"sku_id": longjing_sku}).get_json()["team"]
    joined = me.call("POST", f"/teams/{team['id']}/join", "/teams/{team_id}/join", 201,
                     json={"sku_id": longjing_sku})
    assert joined["team"]["seats_taken"] == 2
    team_order = me.call("GET", f"/orders/{joined['order_no']}", "/orders/{order_no}", 200)
    assert [(line["sku_id"], line["unit_price"]) for line in team_order["lines"]] == [(longjing_sku, 3900)]
    assert team_order["status"] == "unpaid" and "pay" in team_order["actions"]

    # the friend's bargain: my help takes something off, once
    bargain = friend.post(f"/bargains/{bargain_id}/start").get_json()
    cut = me.call("POST", f"/bargain-sessions/{bargain['id']}/help", "/bargain-sessions/{session_id}/help", 200)
    assert cut["cut"] >= 1 and cut["price_now"] == bargain["price_now"] - cut["cut"]

    # my orders, newest first, and an after-sale on the paid one
    listed = me.call("GET", "/orders", "/orders", 200)["items"]
    assert [o["order_no"] for o in listed] == [joined["order_no"], order["order_no"]]
    asked = me.call("POST", f"/orders/{order['order_no']}/aftersales", "/orders/{order_no}/aftersales", 201,
                    json={"kind": "refund_only", "reason": "other", "description": "买多了"})
    assert asked["status"] == "requested" and asked["amount"] == order["amounts"]["total"]
    assert [a["id"] for a in me.call("GET", "/aftersales", "/aftersales", 200)["items"]] == [asked["id"]]

    # every link of every answer loads, on the store's own host
    assert me.links and all(link.startswith("http://demo.duoshop.test/") for link in me.links)
    assert {link: fetch_status(app, link) for link in set(me.links)} == {link: 200 for link in set(me.links)}
