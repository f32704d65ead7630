"""A shopper's whole path on a store host — cart, checkout, WeChat Pay through the real SDK
against the sandbox over HTTP, the signed notification — and what a replayed, forged or
late notification does (nothing, 401, a refund)."""
import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from commerce.catalog.models import SKU, Product
from commerce.orders.jobs import cancel_unpaid_order
from commerce.orders.models import Cart, Order
from commerce.orders.refunds import InvalidRefund, refund_order
from core.extensions import db
from core.models import utcnow
from core.tenancy import tenant_context
from payments.models import PaymentEvent
from tests.conftest import csrf_from
from tests.factories import create_product

DESKTOP = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/130", "Accept-Language": "en"}
PHONE = {"User-Agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0) Mobile/15E148", "Accept-Language": "en"}
ADDRESS = {"name": "张三", "phone": "138 1234 5678", "province_code": "330000", "city": "杭州市", "district": "西湖区",
           "detail": "文三路 100 号"}


def add_to_cart(client, product_id, sku_id, quantity=1, then="cart", headers=DESKTOP):
    """The product page's form, posted as a browser does: from the store's own origin."""
    assert client.get(f"/products/{product_id}", headers=headers).status_code == 200
    return client.post("/cart/items", data={"sku_id": str(sku_id), "quantity": str(quantity), "then": then},
                       headers={**headers, "Origin": f"http://{client.host}"})


def check_out(client, headers=DESKTOP, **changes):
    token = csrf_from(client, "/checkout")
    return client.post("/checkout", data={"csrf_token": token, **ADDRESS, **changes}, headers=headers)


def order_sent_to_wechat(shopper, store, product_id, sku_id, quantity=1):
    """Cart → checkout → "pay" on a desktop browser: the order is now a Native prepay at WeChat."""
    add_to_cart(shopper, product_id, sku_id, quantity=quantity)
    check_out(shopper)
    order = the_order(store)
    token = csrf_from(shopper, f"/orders/{order.number}/pay")
    shopper.post(f"/orders/{order.number}/pay", data={"csrf_token": token}, headers=DESKTOP)
    return order


def the_order(store):
    with tenant_context(store.id):
        db.session.expire_all()
        return db.session.scalar(select(Order))


def test_cart_checkout_and_native_payment_end_to_end(shop, store_client, platform_client, wechat):
    demo, _tea, product_id, sku_id = shop
    shopper = store_client("demo")
    assert add_to_cart(shopper, product_id, sku_id, quantity=2).status_code == 302
    assert "¥100.00" in shopper.get("/cart", headers=DESKTOP).get_data(as_text=True)
    placed = check_out(shopper)
    assert placed.status_code == 302 and "/pay" in placed.location
    order = the_order(demo)
    assert (order.status, order.total, order.ship_phone) == ("pending_payment", 10000, "13812345678")
    assert shopper.get("/cart", headers=DESKTOP).get_data(as_text=True).count("cart-line") == 0  # bought lines left

    token = csrf_from(shopper, f"/orders/{order.number}/pay")
    page = shopper.post(f"/orders/{order.number}/pay", data={"csrf_token": token}, headers=DESKTOP)
    assert page.status_code == 200 and "<svg" in page.get_data(as_text=True)  # the Native QR code
    assert "http://duoshop.test/sandbox/wechatpay/" in page.get_data(as_text=True)  # where a developer pays

    trade, _status = wechat.pay_transaction(order.number, send=False)
    headers, body = wechat.payment_notification(trade)
    url = f"/payments/wechatpay/notify/{demo.id}"
    assert platform_client.post(url, data=body, headers=headers).status_code == 204
    paid = the_order(demo)
    assert (paid.status, paid.paid_amount, paid.transaction_id) == ("paid", 10000, trade.transaction_id)
    with tenant_context(demo.id):
        assert db.session.get(Product, product_id).sold_count == 2

    # The same notification again (WeChat retries, or two of its servers both deliver): acknowledged, no change.
    assert platform_client.post(url, data=body, headers=headers).status_code == 204
    with tenant_context(demo.id):
        assert db.session.scalar(select(func.count()).select_from(PaymentEvent)) == 1
        assert db.session.get(Product, product_id).sold_count == 2
    detail = shopper.get(f"/orders/{order.number}", headers=DESKTOP).get_data(as_text=True)
    assert "Paid, to be shipped" in detail


def test_a_phone_browser_is_sent_to_wechat_h5_payment(shop, store_client, wechat):
    demo, _tea, product_id, sku_id = shop
    shopper = store_client("demo")
    add_to_cart(shopper, product_id, sku_id, then="checkout", headers=PHONE)
    check_out(shopper, headers=PHONE)
    order = the_order(demo)
    token = csrf_from(shopper, f"/orders/{order.number}/pay")
    response = shopper.post(f"/orders/{order.number}/pay", data={"csrf_token": token}, headers=PHONE)
    assert response.status_code == 302 and response.location.startswith("http://127.0.0.1:")  # WeChat's H5 page


@pytest.mark.parametrize("tamper", ["body", "signature", "no-signature-type", "old"])
def test_a_forged_or_stale_notification_is_refused_and_changes_nothing(shop, store_client, platform_client, wechat,
                                                                        tamper):
    demo, _tea, product_id, sku_id = shop
    order = order_sent_to_wechat(store_client("demo"), demo, product_id, sku_id)
    trade, _status = wechat.pay_transaction(order.number, send=False)
    timestamp = int(utcnow().timestamp()) - 600 if tamper == "old" else None
    headers, body = wechat.payment_notification(trade, timestamp=timestamp)
    if tamper == "body":
        envelope = json.loads(body)
        envelope["summary"] = "支付成功!"
        body = json.dumps(envelope, ensure_ascii=False)
    elif tamper == "signature":
        signature = headers["Wechatpay-Signature"]
        headers = {**headers, "Wechatpay-Signature": ("B" if signature[0] == "A" else "A") + signature[1:]}
    elif tamper == "no-signature-type":
        headers = {name: value for name, value in headers.items() if name.lower() != "wechatpay-signature-type"}
    response = platform_client.post(f"/payments/wechatpay/notify/{demo.id}", data=body, headers=headers)
    assert response.status_code == 401
    assert the_order(demo).status == "pending_payment"


def test_a_notification_sent_to_another_stores_address_is_refused(shop, store_client, platform_client, wechat):
    demo, tea, product_id, sku_id = shop
    order = order_sent_to_wechat(store_client("demo"), demo, product_id, sku_id)
    trade, _status = wechat.pay_transaction(order.number, send=False)
    headers, body = wechat.payment_notification(trade)
    assert platform_client.post(f"/payments/wechatpay/notify/{tea.id}", data=body, headers=headers).status_code == 401
    assert the_order(demo).status == "pending_payment"


def test_the_timeout_asks_wechat_first_and_keeps_an_order_paid_without_notification(shop, store_client, wechat):
    demo, _tea, product_id, sku_id = shop
    order = order_sent_to_wechat(store_client("demo"), demo, product_id, sku_id)
    wechat.pay_transaction(order.number, send=False)  # paid, but the notification is lost
    expire(demo, order)
    with tenant_context(demo.id):
        assert cancel_unpaid_order(order.id) == "paid"
    assert the_order(demo).status == "paid"


def test_an_unpaid_order_is_closed_at_wechat_and_cancelled_with_its_stock_back(shop, store_client, wechat):
    demo, _tea, product_id, sku_id = shop
    order = order_sent_to_wechat(store_client("demo"), demo, product_id, sku_id, quantity=3)
    expire(demo, order)
    with tenant_context(demo.id):
        assert cancel_unpaid_order(order.id) == "cancelled"
        assert db.session.get(SKU, sku_id).stock == 5
    assert [t for t in wechat.ledger.pending()[0] if t.out_trade_no == order.number] == []  # closed at WeChat


def test_a_payment_arriving_after_the_cancel_is_refunded_automatically(shop, store_client, platform_client, wechat,
                                                                       jobs):
    demo, _tea, product_id, sku_id = shop
    order = order_sent_to_wechat(store_client("demo"), demo, product_id, sku_id)
    trade, _status = wechat.pay_transaction(order.number, send=False)
    with tenant_context(demo.id):  # the shopper cancelled a second before WeChat's notification arrived
        from commerce.orders.service import cancel_order

        cancel_order(db.session.get(Order, order.id), reason="shopper")
        db.session.commit()
    headers, body = wechat.payment_notification(trade)
    assert platform_client.post(f"/payments/wechatpay/notify/{demo.id}", data=body, headers=headers).status_code == 204
    jobs.drain()
    assert trade.refunded == the_order(demo).total  # asked of WeChat; it settles refunds later
    settle_at_wechat(wechat, platform_client, demo, trade)
    late = the_order(demo)
    assert (late.status, late.refunded_amount) == ("cancelled", late.total)


def paid_order(shopper, store, product_id, sku_id, wechat, platform_client, quantity=1):
    order = order_sent_to_wechat(shopper, store, product_id, sku_id, quantity=quantity)
    trade, _status = wechat.pay_transaction(order.number, send=False)
    headers, body = wechat.payment_notification(trade)
    assert platform_client.post(f"/payments/wechatpay/notify/{store.id}", data=body, headers=headers).status_code == 204
    return the_order(store), trade


def settle_at_wechat(wechat, platform_client, store, trade):
    """WeChat finishes every refund of ``trade`` and notifies; returns the notifications sent."""
    sent = []
    for refund in [r for r in wechat.ledger.pending()[1] if r.transaction is trade]:
        wechat.complete_refund(refund, send=False)
        headers, body = wechat.refund_notification(refund)
        assert platform_client.post(f"/payments/wechatpay/notify/{store.id}", data=body,
                                    headers=headers).status_code == 204
        sent.append((headers, body))
    return sent


def test_partial_refunds_return_stock_and_the_last_one_makes_the_order_refunded(shop, store_client, platform_client,
                                                                                 wechat):
    demo, _tea, product_id, sku_id = shop
    order, trade = paid_order(store_client("demo"), demo, product_id, sku_id, wechat, platform_client, quantity=2)
    with tenant_context(demo.id):
        order = db.session.get(Order, order.id)
        line_id = order.lines[0].id
        refund_order(order, amount=5000, reason="少发一件", actor=None, restock={line_id: 1})
        db.session.commit()
        assert db.session.get(SKU, sku_id).stock == 4  # 5 − 2 ordered + 1 back
        with pytest.raises(InvalidRefund, match="At most ¥50.00"):
            refund_order(order, amount=5001, reason=None, actor=None)
        db.session.rollback()
    sent = settle_at_wechat(wechat, platform_client, demo, trade)
    assert (the_order(demo).status, the_order(demo).refunded_amount) == ("paid", 5000)
    # The same refund notification again changes nothing.
    assert platform_client.post(f"/payments/wechatpay/notify/{demo.id}", data=sent[0][1],
                                headers=sent[0][0]).status_code == 204
    assert the_order(demo).refunded_amount == 5000
    with tenant_context(demo.id):
        refund_order(db.session.get(Order, order.id), amount=5000, reason="全部退", actor=None)
        db.session.commit()
    settle_at_wechat(wechat, platform_client, demo, trade)
    assert (the_order(demo).status, the_order(demo).refunded_amount) == ("refunded", 10000)
    assert trade.refunded == 10000


def test_checkout_refuses_a_bad_address_with_its_field_and_writes_nothing(shop, store_client):
    demo, _tea, product_id, sku_id = shop
    shopper = store_client("demo")
    add_to_cart(shopper, product_id, sku_id)
    response = check_out(shopper, phone="12345")
    assert response.status_code == 422
    assert "11-digit mobile number" in response.get_data(as_text=True)
    assert the_order(demo) is None
    with tenant_context(demo.id):
        assert db.session.get(SKU, sku_id).stock == 5


def test_a_cart_or_order_of_one_store_is_invisible_on_another(shop, store_client):
    demo, tea, product_id, sku_id = shop
    shopper = store_client("demo")
    add_to_cart(shopper, product_id, sku_id)
    check_out(shopper)
    order = the_order(demo)
    assert shopper.get(f"/orders/{order.number}", headers=DESKTOP).status_code == 200
    stranger = store_client("demo")
    assert stranger.get(f"/orders/{order.number}", headers=DESKTOP).status_code == 404
    tea_shopper = store_client("tea")
    assert tea_shopper.get(f"/orders/{order.number}", headers=DESKTOP).status_code == 404
    refused = tea_shopper.post("/cart/items", data={"sku_id": str(sku_id), "quantity": "1"},
                               headers={**DESKTOP, "Origin": "http://tea.duoshop.test"})
    assert refused.status_code == 302
    with tenant_context(tea.id):
        assert db.session.scalar(select(func.count()).select_from(Cart)) <= 1
        assert db.session.scalar(select(func.count()).select_from(Order)) == 0


@pytest.mark.parametrize("headers", [{"Origin": "https://evil.example"}, {"Referer": "https://evil.example/x"},
                                     {"Origin": "http://tea.duoshop.test"}, {}])
def test_adding_to_the_cart_from_another_site_is_refused(shop, store_client, headers):
    demo, _tea, _product_id, sku_id = shop
    shopper = store_client("demo")
    response = shopper.post("/cart/items", data={"sku_id": str(sku_id), "quantity": "1"}, headers={**DESKTOP, **headers})
    assert response.status_code == 403
    with tenant_context(demo.id):
        assert db.session.scalar(select(func.count()).select_from(Cart)) == 0


def test_product_pages_and_lists_are_served_whole_from_the_cache_to_anonymous_shoppers(shop, store_client, app):
    from tests.themes.test_page_cache_invalidation import count_statements

    demo, _tea, product_id, _sku_id = shop
    shopper = store_client("demo")
    for path in (f"/products/{product_id}", "/products?sort=price_asc", "/products"):
        first = shopper.get(path, headers=DESKTOP)
        assert first.status_code == 200 and "Set-Cookie" not in first.headers
        again, statements = count_statements(app, lambda path=path: shopper.get(path, headers=DESKTOP))
        assert again.data == first.data and statements == [], path
    create_product(demo, "新上架的茶")  # the catalog changed: the list shows it at once
    assert "新上架的茶" in shopper.get("/products", headers=DESKTOP).get_data(as_text=True)


def test_the_guest_cart_is_merged_into_the_members_cart_at_sign_in(shop, store_client):
    demo, _tea, product_id, sku_id = shop
    shopper = store_client("demo")
    add_to_cart(shopper, product_id, sku_id, quantity=2)
    check_out(shopper)  # becomes a member; the cart is now the member's (and emptied by the order)
    add_to_cart(shopper, product_id, sku_id, quantity=1)
    body = shopper.get("/cart", headers=DESKTOP).get_data(as_text=True)
    assert re.search(r'name="quantity"[^>]*value="1"', body)


def expire(store, order):
    with tenant_context(store.id):
        db.session.execute(Order.__table__.update().where(Order.__table__.c.id == order.id)
                           .values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
        db.session.expire_all()


def test_points_come_off_at_checkout_within_the_cap_and_come_back_on_cancel(shop, store_client):
    from commerce.members.models import Member
    from commerce.members.points import adjust_points
    from commerce.orders.service import cancel_order

    demo, _tea, product_id, sku_id = shop
    shopper = store_client("demo")
    add_to_cart(shopper, product_id, sku_id)
    check_out(shopper)  # the first order makes the guest a member
    first = the_order(demo)
    with tenant_context(demo.id):
        member = db.session.get(Member, first.member_id)
        adjust_points(member, 8000, actor=None, note="活动赠送", ref="test:gift")
        db.session.commit()
    add_to_cart(shopper, product_id, sku_id)
    page = shopper.get("/checkout", headers=DESKTOP).get_data(as_text=True)
    assert "Use 2500 points: ¥25.00 off" in page  # at most 50 % of ¥50 goods; 100 points = ¥1
    token = csrf_from(shopper, "/checkout")
    response = shopper.post("/checkout", data={"csrf_token": token, "address_id": _address_of(demo, member.id),
                                               "points": "1"}, headers=DESKTOP)
    assert response.status_code == 302
    with tenant_context(demo.id):
        second = db.session.scalar(select(Order).where(Order.id != first.id))
        assert (second.subtotal, second.discount, second.total) == (5000, 2500, 2500)
        assert db.session.get(Member, member.id, populate_existing=True).points == 5500
        cancel_order(second, reason="shopper")
        db.session.commit()
        assert db.session.get(Member, member.id, populate_existing=True).points == 8000


def _address_of(store, member_id):
    from commerce.members.models import Address

    with tenant_context(store.id):
        return str(db.session.scalar(select(Address.id).where(Address.member_id == member_id)))
