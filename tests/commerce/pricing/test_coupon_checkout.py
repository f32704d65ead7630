"""Coupons on the store host: the home page's coupon strip lists what can be claimed (and
follows the merchant's changes through the page cache), claiming is guarded by origin, and
checkout offers the shopper's coupons with the best one chosen and spends it."""
from sqlalchemy import select

from commerce.marketing.coupons.models import Coupon, MemberCoupon
from commerce.marketing.coupons.service import pause_coupon
from core.extensions import db
from core.tenancy import tenant_context
from tenants.models import StaffUser
from tests.commerce.marketing.coupons.test_coupons import new_coupon
from tests.commerce.orders.test_checkout_and_pay import DESKTOP, add_to_cart, check_out, the_order
from themes.models import Page
from themes.pages import publish_page, save_draft

STRIP = {"blocks": {"c": {"type": "coupon_strip", "settings": {"title": "领券中心", "count": 4}}}, "order": ["c"]}


def with_coupon_strip(store):
    with tenant_context(store.id):
        page = db.session.scalar(select(Page).where(Page.kind == Page.HOME))
        owner = db.session.scalar(select(StaffUser).where(StaffUser.role == StaffUser.OWNER))
        save_draft(page, STRIP, expected_revision=page.draft_revision, actor=owner)
        publish_page(page, actor=owner)
        db.session.commit()


def claim(client, coupon_id, origin=True):
    headers = {**DESKTOP, "Origin": f"http://{client.host}"} if origin else DESKTOP
    return client.post(f"/coupons/{coupon_id}/claim", headers=headers)


def test_the_coupon_strip_lists_claimable_coupons_and_follows_changes(shop, store_client):
    demo, tea, _product, _sku = shop
    with_coupon_strip(demo)
    with_coupon_strip(tea)
    shopper = store_client("demo")
    assert "No coupons yet" in shopper.get("/", headers=DESKTOP).get_data(as_text=True)
    coupon_id = new_coupon(demo, name="满100减10")
    home = shopper.get("/", headers=DESKTOP).get_data(as_text=True)
    assert "满100减10" in home and f'formaction="/coupons/{coupon_id}/claim"' in home
    assert "满100减10" not in store_client("tea").get("/", headers=DESKTOP).get_data(as_text=True)
    with tenant_context(demo.id):
        pause_coupon(db.session.get(Coupon, coupon_id), actor=None)
        db.session.commit()
    assert "满100减10" not in shopper.get("/", headers=DESKTOP).get_data(as_text=True)


def test_claiming_needs_the_stores_own_origin(shop, store_client):
    demo, _tea, _product, _sku = shop
    coupon_id = new_coupon(demo)
    shopper = store_client("demo")
    assert claim(shopper, coupon_id, origin=False).status_code == 403
    assert shopper.post(f"/coupons/{coupon_id}/claim",
                        headers={**DESKTOP, "Origin": "https://evil.example"}).status_code == 403
    assert claim(shopper, coupon_id).status_code == 302
    again = claim(shopper, coupon_id)
    assert "You already have this coupon." in shopper.get(again.location, headers=DESKTOP).get_data(as_text=True)
    with tenant_context(demo.id):
        assert len(db.session.scalars(select(MemberCoupon)).all()) == 1


def test_another_stores_coupon_cannot_be_claimed(shop, store_client):
    _demo, tea, _product, _sku = shop
    coupon_id = new_coupon(tea)
    shopper = store_client("demo")
    claim(shopper, coupon_id)
    with tenant_context(tea.id):
        assert db.session.scalars(select(MemberCoupon)).all() == []


def test_checkout_offers_the_best_coupon_and_the_order_spends_it(shop, store_client):
    demo, _tea, product_id, sku_id = shop
    small, big = new_coupon(demo, name="满100减10"), new_coupon(demo, name="满100减30", amount_off=3000)
    shopper = store_client("demo")
    claim(shopper, small)
    claim(shopper, big)
    add_to_cart(shopper, product_id, sku_id, quantity=2)  # ¥100: both thresholds reached exactly
    page = shopper.get("/checkout", headers=DESKTOP).get_data(as_text=True)
    with tenant_context(demo.id):
        copies = {copy.coupon_id: copy.id for copy in db.session.scalars(select(MemberCoupon))}
    assert f'value="{copies[big]}" checked' in page and f'value="{copies[small]}" >' in page
    assert "¥70.00" in page  # ¥100 − ¥30, free shipping

    placed = check_out(shopper, coupon_id=str(copies[big]))
    assert placed.status_code == 302
    order = the_order(demo)
    assert (order.subtotal, order.discount, order.total) == (10000, 3000, 7000 + order.shipping_fee)
    with tenant_context(demo.id):
        assert db.session.get(MemberCoupon, copies[big]).status == MemberCoupon.USED
        assert db.session.get(MemberCoupon, copies[small]).status == MemberCoupon.AVAILABLE


def test_cancelling_the_order_gives_the_coupon_back(shop, store_client):
    demo, _tea, product_id, sku_id = shop
    coupon_id = new_coupon(demo)
    shopper = store_client("demo")
    claim(shopper, coupon_id)
    add_to_cart(shopper, product_id, sku_id, quantity=2)
    with tenant_context(demo.id):
        copy_id = db.session.scalar(select(MemberCoupon.id))
    check_out(shopper, coupon_id=str(copy_id))
    order = the_order(demo)
    assert order.discount == 1000
    from tests.conftest import csrf_from

    token = csrf_from(shopper, f"/orders/{order.number}")
    shopper.post(f"/orders/{order.number}/cancel", data={"csrf_token": token}, headers=DESKTOP)
    assert the_order(demo).status == "cancelled"
    with tenant_context(demo.id):
        assert db.session.get(MemberCoupon, copy_id).status == MemberCoupon.RETURNED
