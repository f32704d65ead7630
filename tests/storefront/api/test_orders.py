"""The shopper's orders through the API: lists by status in keyset pages, the order with its
price lines, cancel, confirm receipt, parcel tracks, and paying — wx.requestPayment parameters
signed for the mini-program's AppID and the member's openid by the real wechatpayv3 SDK against
the WeChat Pay sandbox, or the balance. Another member's or store's order is 404."""
import base64
import uuid

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from sqlalchemy import select

from commerce.members.models import Member
from commerce.orders.models import Order
from commerce.shipping.parcels import ship_order
from core.extensions import db
from core.tenancy import tenant_context
from tests.commerce.orders.test_balance_payments import give_balance
from tests.storefront.api.conftest import DEMO_APPID, TEA_APPID


def place(shopper, sku_id, quantity=1):
    answer = shopper.post("/orders", {"items": [{"sku_id": sku_id, "quantity": quantity}],
                                      "request_id": uuid.uuid4().hex})
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


def pay_in_sandbox(wechat, platform_client, store, order_no):
    trade, _status = wechat.pay_transaction(order_no, send=False)
    headers, body = wechat.payment_notification(trade)
    assert platform_client.post(f"/payments/wechatpay/notify/{store.id}", data=body, headers=headers).status_code == 204


def ship(store, order_no, carrier="shunfeng", number="SF1234567890"):
    with tenant_context(store.id):
        order = db.session.scalar(select(Order).where(Order.number == order_no))
        ship_order(order, [(carrier, number, [(line.id, line.quantity) for line in order.lines])], actor=None)
        db.session.commit()


def test_wechat_payment_gives_request_payment_params_for_the_mini_program(stores, sign_in, wechat, app,
                                                                           platform_client):
    demo, _tea, goods = stores
    shopper = sign_in()
    order = place(shopper, goods["longjing"][1], 2)
    answer = shopper.post(f"/orders/{order['order_no']}/payment", {"method": "wechat"})
    assert answer.status_code == 200, answer.get_json()
    params = answer.get_json()["params"]
    assert params["appId"] == DEMO_APPID and params["signType"] == "RSA"
    trade = wechat.ledger.find_by_prepay_id(params["package"].removeprefix("prepay_id="))
    assert (trade.sub_appid, trade.payer, trade.total) == (DEMO_APPID, {"sub_openid": shopper.openid}, 10000)
    message = "".join(f"{params[k]}\n" for k in ("appId", "timeStamp", "nonceStr", "package")).encode()
    public_key = load_pem_private_key(app.config["WECHATPAY_SP_PRIVATE_KEY"].encode(), password=None).public_key()
    public_key.verify(base64.b64decode(params["paySign"]), message, padding.PKCS1v15(), hashes.SHA256())

    pay_in_sandbox(wechat, platform_client, demo, order["order_no"])
    paid = shopper.get(f"/orders/{order['order_no']}").get_json()
    assert (paid["status"], paid["state"], paid["paid_with"], paid["amounts"]["paid"]) == (
        "unshipped", "paid", "wechat", 10000)
    assert paid["paid_at"] and paid["pay_deadline"] is None and paid["actions"] == ["aftersale"]
    again = shopper.post(f"/orders/{order['order_no']}/payment", {"method": "wechat"})
    assert again.status_code == 409 and again.get_json()["code"] == "order_state_error"


def test_balance_payment_pays_at_once_and_refuses_a_short_balance(stores, sign_in):
    demo, _tea, goods = stores
    shopper = sign_in()
    order = place(shopper, goods["longjing"][1], 1)
    short = shopper.post(f"/orders/{order['order_no']}/payment", {"method": "balance"})
    assert short.status_code == 409 and short.get_json()["code"] == "not_enough"
    give_balance(demo, shopper.member_id, 8000)
    paid = shopper.post(f"/orders/{order['order_no']}/payment", {"method": "balance"})
    assert paid.status_code == 200, paid.get_json()
    assert paid.get_json()["method"] == "balance" and paid.get_json()["order"]["paid_with"] == "balance"
    assert paid.get_json()["order"]["status"] == "unshipped"
    with tenant_context(demo.id):
        assert db.session.get(Member, shopper.member_id).balance == 3000


def test_lists_by_status_in_pages_cancel_and_confirm_receipt(stores, sign_in, wechat, platform_client):
    demo, _tea, goods = stores
    shopper = sign_in()
    placed = [place(shopper, goods["biluochun"][1]) for _ in range(5)]
    numbers = [order["order_no"] for order in placed]
    cancelled = shopper.post(f"/orders/{numbers[0]}/cancel")
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "closed"
    assert cancelled.get_json()["status_label"] == "Cancelled"
    assert shopper.post(f"/orders/{numbers[0]}/cancel").status_code == 409
    for number in numbers[1:3]:
        shopper.post(f"/orders/{number}/payment", {"method": "wechat"})
        pay_in_sandbox(wechat, platform_client, demo, number)
    ship(demo, numbers[2])
    assert shopper.post(f"/orders/{numbers[1]}/receipt").status_code == 409  # not shipped yet
    shipped = shopper.get(f"/orders/{numbers[2]}").get_json()
    assert shipped["status"] == "shipped" and "confirm" in shipped["actions"]
    assert shipped["parcels"][0]["carrier_name"] == "顺丰速运"
    tracks = shopper.get(f"/orders/{numbers[2]}/tracks").get_json()
    assert tracks["parcels"][0]["tracking_number"] == "SF1234567890" and tracks["parcels"][0]["events"] == []
    done = shopper.post(f"/orders/{numbers[2]}/receipt")
    assert done.status_code == 200 and done.get_json()["status"] == "done"

    def listed(**params):
        return [order["order_no"] for order in shopper.get("/orders", **params).get_json()["items"]]

    assert listed() == numbers[::-1]
    assert listed(status="unpaid") == numbers[4:2:-1]
    assert (listed(status="unshipped"), listed(status="done"), listed(status="closed"), listed(status="shipped")) == (
        [numbers[1]], [numbers[2]], [numbers[0]], [])
    seen, cursor = [], None
    while True:
        page = shopper.get("/orders", limit=2, **({"cursor": cursor} if cursor else {})).get_json()
        assert len(page["items"]) <= 2
        seen += [order["order_no"] for order in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == numbers[::-1]
    forged = shopper.get("/orders", cursor="not-a-cursor")
    assert forged.status_code == 400 and forged.get_json()["invalid_params"][0]["name"] == "cursor"
    bad_status = shopper.get("/orders", status="lost")
    assert bad_status.status_code == 400


def test_another_members_or_stores_orders_are_404(stores, sign_in):
    _demo, _tea, goods = stores
    mine, theirs = sign_in(), sign_in(nickname="小红")
    number = place(mine, goods["longjing"][1])["order_no"]
    for method, path, body in (("GET", "", None), ("POST", "/cancel", {}), ("POST", "/receipt", {}),
                               ("GET", "/tracks", None), ("POST", "/payment", {"method": "balance"}),
                               ("POST", "/aftersales", {"kind": "refund_only", "reason": "other"})):
        assert theirs.call(method, f"/orders/{number}{path}", json=body).status_code == 404, path
    assert theirs.get("/orders").get_json()["items"] == []
    tea_shopper = sign_in(TEA_APPID)
    assert tea_shopper.get(f"/orders/{number}").status_code == 404
    assert tea_shopper.get("/orders").get_json()["items"] == []
    assert mine.get(f"/orders/{number}").status_code == 200
    assert mine.get("/orders/" + "9" * 40).status_code == 404
