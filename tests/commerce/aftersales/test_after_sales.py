"""After-sales: a shopper asks with photos, the merchant approves (WeChat Pay refund, goods
back in stock) or rejects with a note; one decision per request, one store's requests
invisible to another."""
import io

from PIL import Image
from sqlalchemy import select

from commerce.aftersales.models import AfterSale
from commerce.aftersales.service import approve_after_sale
from commerce.catalog.models import SKU
from commerce.orders.models import Order
from core.extensions import db
from core.storage import media_storage
from core.tenancy import tenant_context
from tests.commerce.orders.test_checkout_and_pay import (
    DESKTOP,
    paid_order,
    settle_at_wechat,
    the_order,
)
from tests.conftest import csrf_from
from tests.factories import create_staff, login_staff


def png():
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def ask(shopper, order, *, kind="return_and_refund", amount="50.00", quantity=1, photos=1, reason="damaged"):
    token = csrf_from(shopper, f"/orders/{order.number}/after-sale")
    with tenant_context(order.tenant_id):
        line_id = db.session.get(Order, order.id).lines[0].id
    data = {"csrf_token": token, "kind": kind, "reason": reason, "amount": amount, "description": "盒子压坏了",
            f"line_{line_id}": str(quantity),
            "photos": [(io.BytesIO(png()), f"p{i}.png") for i in range(photos)]}
    return shopper.post(f"/orders/{order.number}/after-sale", data=data, content_type="multipart/form-data",
                        headers=DESKTOP)


def the_request(store):
    with tenant_context(store.id):  # fresh from the database, without expiring the test's other objects
        return db.session.scalar(select(AfterSale).execution_options(populate_existing=True))


def test_shopper_asks_with_a_photo_and_the_approval_refunds_and_restocks(shop, store_client, platform_client,
                                                                          wechat, jobs):
    demo, _tea, product_id, sku_id = shop
    shopper = store_client("demo")
    order, trade = paid_order(shopper, demo, product_id, sku_id, wechat, platform_client, quantity=2)
    assert ask(shopper, order).status_code == 302
    request = the_request(demo)
    assert (request.kind, request.amount, request.status, len(request.photos)) == ("return_and_refund", 5000,
                                                                                   "requested", 1)
    with tenant_context(demo.id):
        assert media_storage().read(demo.id, request.photos[0]).startswith(b"\x89PNG")
    again = ask(shopper, order)
    assert again.status_code == 422 and "already has a request" in again.get_data(as_text=True)

    login_staff(platform_client, demo)
    token = csrf_from(platform_client, "/console/after-sales")
    listing = platform_client.get("/console/after-sales").get_data(as_text=True)
    assert "¥50.00" in listing and f"/media/{demo.id}/{request.photos[0]}" in listing
    approved = platform_client.post(f"/console/after-sales/{request.id}/approve", data={"csrf_token": token})
    assert approved.status_code == 302
    with tenant_context(demo.id):
        assert db.session.get(SKU, sku_id).stock == 4  # 5 − 2 + 1 returned
    settle_at_wechat(wechat, platform_client, demo, trade)
    assert (the_order(demo).refunded_amount, the_request(demo).status) == (5000, "approved")
    # A second approval (another staff member's stale page) refunds nothing more.
    platform_client.post(f"/console/after-sales/{request.id}/approve", data={"csrf_token": token})
    assert trade.refunded == 5000


def test_a_rejection_carries_a_note_the_shopper_sees(shop, store_client, platform_client, wechat):
    demo, _tea, product_id, sku_id = shop
    shopper = store_client("demo")
    order, _trade = paid_order(shopper, demo, product_id, sku_id, wechat, platform_client)
    ask(shopper, order, kind="refund_only", amount="10", photos=0, reason="changed_mind")
    login_staff(platform_client, demo)
    token = csrf_from(platform_client, "/console/after-sales")
    request = the_request(demo)
    refused = platform_client.post(f"/console/after-sales/{request.id}/reject", data={"csrf_token": token})
    assert refused.status_code == 302 and the_request(demo).status == "requested"  # a note is required
    platform_client.post(f"/console/after-sales/{request.id}/reject", data={"csrf_token": token, "note": "已发货，请拒收"})
    assert the_request(demo).status == "rejected"
    assert "已发货，请拒收" in shopper.get(f"/orders/{order.number}", headers=DESKTOP).get_data(as_text=True)


def test_bad_requests_are_refused_by_field_and_store_nothing(shop, store_client, platform_client, wechat):
    demo, _tea, product_id, sku_id = shop
    shopper = store_client("demo")
    order, _trade = paid_order(shopper, demo, product_id, sku_id, wechat, platform_client)
    for changes, message in (({"amount": "51"}, "between ¥0.01 and ¥50.00"), ({"amount": "abc"}, "between"),
                             ({"quantity": 2}, "at most 1 can go back"), ({"photos": 4}, "At most 3 photos"),
                             ({"reason": "bored"}, "Choose a reason")):
        response = ask(shopper, order, **changes)
        assert response.status_code == 422 and message in response.get_data(as_text=True), changes
    assert the_request(demo) is None


def test_unpaid_orders_cannot_ask_and_other_stores_cannot_decide(shop, store_client, platform_client, wechat):
    demo, tea, product_id, sku_id = shop
    shopper = store_client("demo")
    order, _trade = paid_order(shopper, demo, product_id, sku_id, wechat, platform_client)
    ask(shopper, order, kind="refund_only", photos=0)
    request = the_request(demo)
    login_staff(platform_client, tea)
    token = csrf_from(platform_client, "/console/after-sales")
    assert "盒子压坏了" not in platform_client.get("/console/after-sales").get_data(as_text=True)
    assert platform_client.post(f"/console/after-sales/{request.id}/approve",
                                data={"csrf_token": token}).status_code == 404
    assert the_request(demo).status == "requested"


def test_a_viewer_cannot_decide(shop, store_client, platform_client, wechat):
    demo, _tea, product_id, sku_id = shop
    shopper = store_client("demo")
    order, _trade = paid_order(shopper, demo, product_id, sku_id, wechat, platform_client)
    ask(shopper, order, kind="refund_only", photos=0)
    create_staff(demo, "viewer@demo.example.com", "viewer")
    login_staff(platform_client, demo, email="viewer@demo.example.com")
    token = csrf_from(platform_client, "/console/after-sales")
    request = the_request(demo)
    assert platform_client.post(f"/console/after-sales/{request.id}/approve",
                                data={"csrf_token": token}).status_code == 403


def test_two_approvals_at_once_refund_once(shop, store_client, platform_client, wechat):
    demo, _tea, product_id, sku_id = shop
    shopper = store_client("demo")
    order, trade = paid_order(shopper, demo, product_id, sku_id, wechat, platform_client)
    ask(shopper, order, kind="refund_only", photos=0, amount="20")
    with tenant_context(demo.id):
        request = db.session.scalar(select(AfterSale))
        stale = AfterSale(**{c.name: getattr(request, c.name) for c in AfterSale.__table__.columns})
        approve_after_sale(request, actor=None)
        db.session.commit()
        try:
            approve_after_sale(stale, actor=None)  # a copy loaded before the first decision
            raised = False
        except Exception as refusal:  # noqa: BLE001  (asserted below)
            raised = "already been decided" in str(refusal)
        db.session.rollback()
    assert raised and trade.refunded == 2000
    assert the_order(demo).status == Order.REFUNDING
