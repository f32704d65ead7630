"""A member level's discount at checkout: on goods at their regular price only (not flash
sale, group-buy or bargain prices), floored to the fen, its own line at checkout and on the
order, taken before coupons and points, and only the member's own store's levels count."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from commerce.marketing.flash_sales.service import create_flash_sale
from commerce.marketing.group_buys.service import create_group_buy
from commerce.members.levels import level_discount, save_level
from commerce.members.models import Address, Member
from commerce.members.points import adjust_points
from commerce.orders.models import Order
from commerce.orders.service import Wanted, place_order
from commerce.pricing import Campaign
from core.extensions import db
from core.models import utcnow
from core.tenancy import tenant_context
from tests.commerce.members.test_top_ups import signed_in
from tests.commerce.orders.test_checkout_and_pay import DESKTOP, add_to_cart
from tests.conftest import csrf_from
from tests.factories import create_member, create_product, create_store, sku_of


@pytest.fixture
def shop(app_ctx):
    """demo sells 龙井 (¥50) and 红茶 (¥20); its 金卡 level (growth 0) pays 95 %; 小明 is a
    member: ``(demo, tea, (龙井 product, sku), (红茶 product, sku), (member id, address id))``."""
    demo, tea = create_store("demo"), create_store("tea")
    longjing, hongcha = create_product(demo, "龙井", price=5000, stock=20), create_product(demo, "红茶", price=2000,
                                                                                           stock=20)
    member = create_member(demo, nickname="小明")
    with tenant_context(demo.id):
        save_level(name="金卡", growth_threshold=0, discount_percent=95)  # every member reaches it
        db.session.commit()
    return demo, tea, (longjing, sku_of(demo, longjing)), (hongcha, sku_of(demo, hongcha)), member


def order_of(store, member, lines, **options):
    with tenant_context(store.id):
        order = place_order(member_id=member[0], wanted=[Wanted(sku, quantity) for sku, quantity in lines],
                            address=db.session.get(Address, member[1]), **options)
        db.session.commit()
        return order


@pytest.mark.parametrize(("goods", "percent", "discount"), [
    (10000, 95, 500),
    (9999, 95, 500),  # ¥94.9905 is floored to ¥94.99: 5.00 off
    (1, 95, 1),  # 0.95 fen floors to 0: the fen is taken off
    (10000, 100, 0),
    (10000, None, 0),  # a level without a discount
    (0, 95, 0),
])
def test_the_discount_floors_the_discounted_price_to_the_fen(shop, goods, percent, discount):
    demo, _tea, _lj, _hc, member = shop
    with tenant_context(demo.id):
        level = save_level(name="银卡", growth_threshold=1000, discount_percent=percent)
        db.session.get(Member, member[0]).level_id = level.id
        assert level_discount(member[0], goods) == discount
        db.session.rollback()


def test_the_discount_is_its_own_line_at_checkout_and_on_the_order_before_points(shop, store_client):
    demo, _tea, (lj_product, lj_sku), _hc, member = shop
    with tenant_context(demo.id):
        adjust_points(db.session.get(Member, member[0]), 100_000, actor=None, note="送", ref="gift")
        db.session.commit()
    shopper = signed_in(store_client("demo"), member[0])
    add_to_cart(shopper, lj_product, lj_sku, quantity=2)
    page = shopper.get("/checkout", headers=DESKTOP).get_data(as_text=True)
    assert "Member discount" in page and 'class="member-discount">−¥5.00<' in page
    assert "Use 4750 points: ¥47.50 off" in page  # at most 50 % of the ¥95.00 left after the level's discount
    token = csrf_from(shopper, "/checkout")
    shopper.post("/checkout", data={"csrf_token": token, "address_id": str(member[1]), "points": "1"},
                 headers=DESKTOP)
    with tenant_context(demo.id):
        order = db.session.scalar(select(Order))
        assert (order.member_discount, order.subtotal, order.discount) == (500, 9500, 4750)
        assert order.total == 9500 - 4750 + order.shipping_fee
    detail = shopper.get(f"/orders/{order.number}", headers=DESKTOP).get_data(as_text=True)
    assert 'class="member-discount">−¥5.00<' in detail and "¥100.00" in detail  # the goods before it


def test_flash_sale_units_get_no_level_discount_while_regular_goods_in_the_same_order_do(shop):
    demo, _tea, (_lj, lj_sku), (_hc, hc_sku), member = shop
    with tenant_context(demo.id):
        create_flash_sale(actor=None, title="秒杀", starts_at=utcnow() - timedelta(minutes=1),
                          ends_at=utcnow() + timedelta(hours=1), items=[(lj_sku, 3000, 5, 2)])
        db.session.commit()
    order = order_of(demo, member, [(lj_sku, 1), (hc_sku, 1)])
    assert (order.member_discount, order.subtotal) == (100, 3000 + 2000 - 100)  # 5 % of the ¥20 红茶 only


def test_a_group_buy_price_gets_no_level_discount(shop):
    demo, _tea, (_lj, lj_sku), _hc, member = shop
    with tenant_context(demo.id):
        campaign = create_group_buy(actor=None, title="二人团", sku_id=lj_sku, group_price=3000, size=2, hours=24,
                                    ends_at=utcnow() + timedelta(days=1))
        db.session.commit()
    order = order_of(demo, member, [(lj_sku, 1)], campaign=Campaign("group_buy", campaign.id))
    assert (order.member_discount, order.subtotal) == (0, 3000)


def test_without_a_level_or_in_another_store_there_is_no_discount(shop):
    demo, tea, _lj, _hc, _member = shop
    tea_sku = sku_of(tea, create_product(tea, "普洱", price=5000, stock=5))
    tea_member = create_member(tea)
    assert order_of(tea, tea_member, [(tea_sku, 1)]).member_discount == 0  # demo's 金卡 is not tea's
    with tenant_context(demo.id):
        db.session.execute(Member.__table__.update().values(level_id=None))
        db.session.commit()
    newcomer = create_member(demo, nickname="新人")
    with tenant_context(demo.id):
        assert db.session.get(Member, newcomer[0]).level_id is None
    lj_sku = sku_of(demo, shop[2][0])
    assert order_of(demo, newcomer, [(lj_sku, 1)]).member_discount == 0
