"""The one price quote at work: the checkout pages (regular, group buy, bargain) show what
``place_order`` charges — shipping included —, the shopper's and the console's order pages
show the lines the order was priced with, older orders get theirs from their columns, and
another store's coupons and campaigns never enter a quote."""
import re
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from commerce.catalog.models import SKU, Product
from commerce.marketing.bargains.models import BargainCampaign
from commerce.marketing.bargains.service import create_bargain_campaign, start_bargain
from commerce.marketing.coupons.errors import CouponUnavailable
from commerce.marketing.coupons.models import Coupon
from commerce.marketing.coupons.service import create_coupon, issue_to_members
from commerce.marketing.flash_sales.service import create_flash_sale
from commerce.marketing.group_buys.service import create_group_buy
from commerce.members.levels import recompute_level, save_level
from commerce.members.models import Address, Member
from commerce.members.points import adjust_points
from commerce.orders.models import Order
from commerce.orders.service import Wanted, place_order
from commerce.pricing import Campaign, CampaignUnavailable, Item, order_receipt, quote_for
from commerce.pricing.receipts import derived_receipt
from commerce.shipping.service import create_template
from core.extensions import db
from core.models import utcnow
from core.tenancy import tenant_context
from tests.commerce.marketing.coupons.test_coupons import coupon
from tests.commerce.members.test_top_ups import signed_in
from tests.commerce.orders.test_checkout_and_pay import DESKTOP, add_to_cart
from tests.conftest import csrf_from
from tests.factories import create_member, create_product, create_store, login_staff, sku_of

FEE = 1200  # demo charges ¥12 a parcel anywhere, free from ¥200 of goods (after the level's discount)


@pytest.fixture
def shop(app_ctx):
    """demo sells 龙井 ¥50 and 红茶 ¥20 with paid shipping and a 95 % 金卡 level every member
    reaches: ``(demo, tea, {name: (product id, sku id)})``."""
    demo, tea = create_store("demo"), create_store("tea")
    goods = {}
    for title, price in (("龙井", 5000), ("红茶", 2000)):
        product = create_product(demo, title, price=price, stock=10_000)
        goods[title] = (product, sku_of(demo, product))
    with tenant_context(demo.id):
        create_template(actor=None, name="快递", free_over=20000, is_default=True, rules=[
            {"regions": [], "first_weight_g": 1000, "first_fee": FEE, "extra_weight_g": 1000, "extra_fee": 0}])
        save_level(name="金卡", growth_threshold=0, discount_percent=95)
        db.session.commit()
    return demo, tea, goods


def gold_member(store, **fields):
    """A member of ``store`` at its 金卡 level (growth 0 reaches it): ``(member id, address id)``."""
    member = create_member(store, **fields)
    with tenant_context(store.id):
        recompute_level(db.session.get(Member, member[0]))
        db.session.commit()
    return member


def totals(html, css="totals"):
    """The price lines of a page as ``[(dd class, amount)]``, the total last."""
    block = re.search(rf'<dl class="{css}">(.*?)</dl>', html, re.S).group(1)
    return [(cls, value.strip()) for cls, value in re.findall(r'<dd(?: class="([^"]*)")?>(.*?)</dd>', block, re.S)]


def amount(text):
    return int(text.replace("¥", "").replace(",", "").replace(".", ""))


def test_the_group_buy_checkout_shows_the_shipping_fee_the_order_charges(shop, store_client):
    demo, _tea, goods = shop
    with tenant_context(demo.id):
        campaign = create_group_buy(actor=None, title="二人团", sku_id=goods["龙井"][1], group_price=3000, size=2,
                                    hours=24, ends_at=utcnow() + timedelta(days=1))
        member = create_member(demo)
        made = create_coupon(coupon(name="无门槛5元", kind=Coupon.NO_THRESHOLD, amount_off=500, threshold=0), actor=None)
        issue_to_members(made, [member[0]], actor=None)  # a campaign's checkout offers no coupons
        db.session.commit()
    shopper = signed_in(store_client("demo"), member[0])
    shopper.post(f"/group-buys/{campaign.id}/start", headers={**DESKTOP, "Origin": "http://demo.duoshop.test"})
    page = shopper.get("/checkout/group", headers=DESKTOP).get_data(as_text=True)
    assert ("shipping-fee", "¥12.00") in totals(page) and "¥42.00" in page  # ¥30 + ¥12, no level discount
    assert 'name="coupon_id"' not in page
    token = csrf_from(shopper, "/checkout/group")
    address_id = re.search(r'name="address_id" value="(\d+)"', page).group(1)
    assert shopper.post("/checkout/group", data={"csrf_token": token, "address_id": address_id},
                        headers=DESKTOP).status_code == 302
    with tenant_context(demo.id):
        order = db.session.scalar(select(Order))
        assert (order.shipping_fee, order.total) == (FEE, 4200)


def test_the_bargain_checkout_shows_the_shipping_fee_the_order_charges(shop, store_client):
    demo, _tea, goods = shop
    member = create_member(demo, nickname="小红", openid="o-demo-xh")
    with tenant_context(demo.id):
        campaign = create_bargain_campaign(actor=None, title="好友砍价", sku_id=goods["红茶"][1], floor_price=1000,
                                           max_helps=5, hours=24, starts_at=utcnow(),
                                           ends_at=utcnow() + timedelta(days=7))
        bargain = start_bargain(campaign, db.session.get(Member, member[0]))
        db.session.commit()
        bargain_id = bargain.id
    shopper = signed_in(store_client("demo"), member[0])
    page = shopper.get(f"/bargains/{bargain_id}/checkout", headers=DESKTOP).get_data(as_text=True)
    assert ("shipping-fee", "¥12.00") in totals(page) and "¥32.00" in page
    token = csrf_from(shopper, f"/bargains/{bargain_id}/checkout")
    assert shopper.post(f"/bargains/{bargain_id}/checkout", data={"csrf_token": token, "address_id": str(member[1])},
                        headers=DESKTOP).status_code == 302
    with tenant_context(demo.id):
        order = db.session.scalar(select(Order))
        assert (order.shipping_fee, order.total) == (FEE, 3200)


def test_the_order_pages_show_the_lines_the_checkout_showed(shop, store_client, platform_client):
    demo, _tea, goods = shop
    member = gold_member(demo)
    with tenant_context(demo.id):
        made = create_coupon(coupon(name="满100减10"), actor=None)
        issue_to_members(made, [member[0]], actor=None)
        db.session.commit()
    shopper = signed_in(store_client("demo"), member[0])
    add_to_cart(shopper, *goods["龙井"], quantity=2)
    add_to_cart(shopper, *goods["红茶"], quantity=1)
    preview = shopper.get("/checkout", headers=DESKTOP).get_data(as_text=True)
    shown = totals(preview)
    # ¥120 of goods, 金卡 −¥6.00, 满100减10 −¥10.00, ¥12 shipping (¥114 is under ¥200): ¥116.00 to pay
    assert shown == [("", "¥120.00"), ("member-discount", "−¥6.00"), ("coupon-discount", "−¥10.00"),
                     ("shipping-fee", "¥12.00"), ("price order-total", "¥116.00")]
    copy_id = re.search(r'name="coupon_id" value="(\d+)" checked', preview).group(1)
    token = csrf_from(shopper, "/checkout")
    placed = shopper.post("/checkout", data={"csrf_token": token, "address_id": str(member[1]), "coupon_id": copy_id},
                          headers=DESKTOP)
    number = placed.location.rsplit("/", 2)[-2]
    assert totals(shopper.get(f"/orders/{number}", headers=DESKTOP).get_data(as_text=True)) == shown
    login_staff(platform_client, demo)
    console = platform_client.get(f"/console/orders/{number}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert totals(console.split('class="card price-lines"')[1], css="facts") == shown
    with tenant_context(demo.id):
        order = db.session.scalar(select(Order))
        assert (order.subtotal, order.member_discount, order.discount, order.shipping_fee, order.total) == (
            11400, 600, 1000, FEE, 11600)
        assert [(a["kind"], a["name"], a["amount"]) for a in order.price_lines["adjustments"]] == [
            ("level", "金卡", 600), ("coupon", "满100减10", 1000)]


def test_an_order_placed_before_price_lines_gets_them_from_its_columns(shop, store_client):
    demo, _tea, goods = shop
    member = gold_member(demo)
    with tenant_context(demo.id):
        order = place_order(member_id=member[0], wanted=[Wanted(goods["龙井"][1], 2)],
                            address=db.session.get(Address, member[1]))
        db.session.commit()
        kept = order_receipt(order)
        order.price_lines = None  # as 0022 leaves the orders before it
        db.session.commit()
        derived = order_receipt(order)
        assert derived == derived_receipt(order)
        assert (derived.lines, derived.goods, derived.shipping, derived.total) == (
            kept.lines, kept.goods, kept.shipping, kept.total)
        assert [(a.kind, a.amount) for a in derived.adjustments] == [("level", 500)]  # the level's name was not kept
    page = signed_in(store_client("demo"), member[0]).get(f"/orders/{order.number}", headers=DESKTOP)
    assert totals(page.get_data(as_text=True)) == [("", "¥100.00"), ("member-discount", "−¥5.00"),
                                                   ("shipping-fee", "¥12.00"), ("price order-total", "¥107.00")]


def test_another_stores_coupons_and_campaigns_never_enter_a_quote(shop):
    demo, tea, goods = shop
    tea_sku = sku_of(tea, create_product(tea, "普洱", price=5000, stock=5))
    tea_member, member = create_member(tea), create_member(demo)
    with tenant_context(tea.id):
        tea_coupon = create_coupon(coupon(name="茶店券", kind=Coupon.NO_THRESHOLD, threshold=0), actor=None)
        issue_to_members(tea_coupon, [tea_member[0]], actor=None)
        tea_campaign = create_group_buy(actor=None, title="茶店团", sku_id=tea_sku, group_price=100, size=2, hours=1,
                                        ends_at=utcnow() + timedelta(days=1))
        create_flash_sale(actor=None, title="茶店秒杀", starts_at=utcnow() - timedelta(minutes=1),
                          ends_at=utcnow() + timedelta(hours=1), items=[(tea_sku, 100, 5, 5)])
        db.session.commit()
        tea_copy, tea_campaign_id = tea_coupon.id, tea_campaign.id
    with tenant_context(demo.id):
        sku, product = db.session.execute(select(SKU, Product).join(Product, Product.id == SKU.product_id)
                                          .where(SKU.id == goods["龙井"][1])).one()
        priced = quote_for([(sku, product)], [Item(sku.id, 1)], member_id=tea_member[0], province_code="330000",
                           now=utcnow())
        assert priced.coupon_offers == () and priced.level_discount == 0  # tea's member is nobody here
        with pytest.raises(CouponUnavailable):
            place_order(member_id=member[0], wanted=[Wanted(sku.id, 1)], address=db.session.get(Address, member[1]),
                        coupon_ids=[tea_copy])
        db.session.rollback()
        with pytest.raises(CampaignUnavailable):
            place_order(member_id=member[0], wanted=[Wanted(sku.id, 1)], address=db.session.get(Address, member[1]),
                        campaign=Campaign("group_buy", tea_campaign_id))
        db.session.rollback()
        assert db.session.scalar(select(BargainCampaign)) is None


LEVELS = st.booleans()
CARTS = st.lists(st.tuples(st.sampled_from(["龙井", "红茶"]), st.integers(1, 4)), min_size=1, max_size=3)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cart=CARTS, level=LEVELS, flash=st.booleans(), coupons=st.sets(st.sampled_from(["fixed", "percent", "free"])),
       pick=st.sampled_from(["best", "none", "all"]), points=st.integers(0, 30_000), use_points=st.booleans())
def test_the_preview_total_always_equals_the_placed_orders_total(shop, cart, level, flash, coupons, pick, points,
                                                                 use_points):
    demo, _tea, goods = shop
    member = gold_member(demo) if level else create_member(demo)
    wanted = {}
    for title, quantity in cart:
        wanted[goods[title][1]] = wanted.get(goods[title][1], 0) + quantity
    with tenant_context(demo.id):
        now = utcnow()
        if flash:
            create_flash_sale(actor=None, title="秒杀", starts_at=now - timedelta(minutes=1),
                              ends_at=now + timedelta(hours=1), items=[(goods["龙井"][1], 3000, 100, 20)])
        kinds = {"fixed": coupon(name="满100减10"), "free": coupon(name="无门槛5元", kind=Coupon.NO_THRESHOLD,
                                                                   amount_off=500, threshold=0, stackable=True),
                 "percent": coupon(name="九折", kind=Coupon.PERCENT_OFF, amount_off=None, percent_off=10,
                                   max_discount=800)}
        for kind in sorted(coupons):
            issue_to_members(create_coupon(kinds[kind], actor=None), [member[0]], actor=None)
        held = db.session.get(Member, member[0])
        if points:
            adjust_points(held, points, actor=None, note="送", ref=f"gift:{member[0]}")
        db.session.flush()
        rows = db.session.execute(select(SKU, Product).join(Product, Product.id == SKU.product_id)
                                  .where(SKU.id.in_(list(wanted)))).all()
        items = [Item(sku_id, quantity) for sku_id, quantity in wanted.items()]
        preview = quote_for(rows, items, member_id=member[0], province_code="330000", coupon_ids=None, now=now)
        chosen = {"best": list(preview.chosen_coupon_ids), "none": [],
                  "all": [offer.held.id for offer in preview.coupon_offers]}[pick]
        preview = quote_for(rows, items, member_id=member[0], province_code="330000", coupon_ids=chosen,
                            use_points=use_points, now=now)
        try:
            order = place_order(member_id=member[0], address=db.session.get(Address, member[1]), coupon_ids=chosen,
                                use_points=use_points, wanted=[Wanted(s, q) for s, q in wanted.items()], now=now)
        except CouponUnavailable:
            assert any(r.kind == "coupon" for r in preview.blocking)  # the preview said so too
        else:
            assert not preview.blocking
            assert (order.total, order.shipping_fee, order.subtotal) == (preview.total, preview.shipping,
                                                                         preview.subtotal)
            assert order_receipt(order) == preview.receipt()
        db.session.rollback()


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cart=CARTS, level=LEVELS, coupons=st.sets(st.sampled_from(["fixed", "free"])))
def test_the_checkout_page_total_is_what_the_order_charges(shop, store_client, cart, level, coupons):
    demo, _tea, goods = shop
    member = gold_member(demo) if level else create_member(demo)
    with tenant_context(demo.id):
        kinds = {"fixed": coupon(name="满100减10"),
                 "free": coupon(name="无门槛5元", kind=Coupon.NO_THRESHOLD, amount_off=500, threshold=0, stackable=True)}
        for kind in sorted(coupons):
            issue_to_members(create_coupon(kinds[kind], actor=None), [member[0]], actor=None)
        db.session.commit()
    shopper = signed_in(store_client("demo"), member[0])
    for title, quantity in cart:
        add_to_cart(shopper, *goods[title], quantity=quantity)
    page = shopper.get("/checkout", headers=DESKTOP).get_data(as_text=True)
    to_pay = amount(re.search(r'<strong class="price">(.*?)</strong>', page).group(1))
    assert to_pay == amount(totals(page)[-1][1])
    chosen = re.findall(r'name="coupon_id" value="(\d+)" checked', page)
    placed = shopper.post("/checkout", data={"csrf_token": csrf_from(shopper, "/checkout"),
                                             "address_id": str(member[1]), "coupon_id": chosen}, headers=DESKTOP)
    assert placed.status_code == 302
    with tenant_context(demo.id):
        order = db.session.scalar(select(Order).where(Order.member_id == member[0]))
        assert order.total == to_pay
