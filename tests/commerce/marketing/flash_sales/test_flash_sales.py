"""Flash sales: the flash price and campaign stock during the window only, a per-member
limit, units back on cancel, no oversell with 500 racing buyers, and stores kept apart."""
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from commerce.catalog.models import SKU
from commerce.marketing.flash_sales.errors import FlashSaleProblem
from commerce.marketing.flash_sales.models import FlashSaleItem
from commerce.marketing.flash_sales.service import create_flash_sale
from commerce.members.models import Address
from commerce.orders.errors import SoldOut
from commerce.orders.models import Order, OrderLine
from commerce.orders.service import Wanted, cancel_order, place_order
from core.extensions import db
from core.models import utcnow
from core.tenancy import tenant_context
from tests.factories import create_member, create_product, create_store, sku_of


def flash_sale(store, sku_id, *, price=990, units=3, limit=2, starts=-1, ends=60):
    now = utcnow()
    with tenant_context(store.id):
        sale = create_flash_sale(actor=None, title="双十二秒杀", starts_at=now + timedelta(minutes=starts),
                                 ends_at=now + timedelta(minutes=ends), items=[(sku_id, price, units, limit)])
        db.session.commit()
        return sale.items[0].id


def buy(store, member, sku_id, quantity=1, seen_price=None):
    with tenant_context(store.id):
        try:
            order = place_order(member_id=member[0], wanted=[Wanted(sku_id, quantity, seen_price)],
                                address=db.session.get(Address, member[1]))
            db.session.commit()
            return order
        except Exception:
            db.session.rollback()
            raise


@pytest.fixture
def shop(app_ctx):
    demo, tea = create_store("demo"), create_store("tea")
    product = create_product(demo, "秒杀茶礼", price=5000, stock=50)
    return demo, tea, sku_of(demo, product)


def test_during_the_window_the_flash_price_and_campaign_units_apply(shop):
    demo, _tea, sku_id = shop
    item_id = flash_sale(demo, sku_id)
    shopper = create_member(demo)
    order = buy(demo, shopper, sku_id, quantity=2, seen_price=990)
    assert (order.subtotal, order.total) == (1980, 1980)
    with tenant_context(demo.id):
        line = db.session.scalar(select(OrderLine).where(OrderLine.order_id == order.id))
        assert (line.price, line.flash_sale_item_id) == (990, item_id)
        assert db.session.get(FlashSaleItem, item_id).stock == 1
        assert db.session.get(SKU, sku_id).stock == 48
    with pytest.raises(FlashSaleProblem, match="at most 2"):
        buy(demo, shopper, sku_id)
    buy(demo, create_member(demo, nickname="乙"), sku_id)
    with pytest.raises(FlashSaleProblem, match="sold out"):
        buy(demo, create_member(demo, nickname="丙"), sku_id)


@pytest.mark.parametrize("gate", [True, False], ids=["cache gate", "conditional update alone"])
def test_cancelling_gives_the_units_and_the_quota_back(shop, app, gate, monkeypatch):
    monkeypatch.setitem(app.config, "FLASH_SALE_GATE", gate)
    demo, _tea, sku_id = shop
    item_id = flash_sale(demo, sku_id, units=2, limit=2)
    shopper = create_member(demo)
    order = buy(demo, shopper, sku_id, quantity=2)
    with tenant_context(demo.id):
        assert cancel_order(db.session.get(Order, order.id), reason="shopper")
        db.session.commit()
        assert db.session.get(FlashSaleItem, item_id).stock == 2
        assert db.session.get(SKU, sku_id).stock == 50
    assert buy(demo, shopper, sku_id, quantity=2).subtotal == 1980  # the quota is free again


@pytest.mark.parametrize("starts, ends", [(10, 60), (-60, -1)])
def test_before_and_after_the_window_the_normal_price_applies(shop, starts, ends):
    demo, _tea, sku_id = shop
    item_id = flash_sale(demo, sku_id, starts=starts, ends=ends)
    order = buy(demo, create_member(demo), sku_id, quantity=3)
    assert order.subtotal == 15000
    with tenant_context(demo.id):
        assert db.session.get(FlashSaleItem, item_id).stock == 3


def test_a_flash_price_seen_in_the_cart_is_checked_like_any_price(shop):
    demo, _tea, sku_id = shop
    flash_sale(demo, sku_id)
    with pytest.raises(Exception, match="changed from ¥50.00 to ¥9.90"):
        buy(demo, create_member(demo), sku_id, seen_price=5000)


def test_another_stores_sku_cannot_be_put_on_sale(shop):
    demo, tea, sku_id = shop
    with tenant_context(tea.id), pytest.raises(FlashSaleProblem, match="No such SKU"):
        create_flash_sale(actor=None, title="别家", starts_at=utcnow(), ends_at=utcnow() + timedelta(hours=1),
                          items=[(sku_id, 100, 1, 1)])
    with tenant_context(tea.id):
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(FlashSaleItem)) == 0


@pytest.mark.postgres
@pytest.mark.parametrize("gate", [True, False], ids=["cache gate", "conditional update alone"])
def test_five_hundred_buyers_of_twenty_flash_units_make_exactly_twenty_orders(app, gate, monkeypatch):
    monkeypatch.setitem(app.config, "FLASH_SALE_GATE", gate)
    with app.app_context():
        store = create_store("rush")
        sku_id = sku_of(store, create_product(store, "一元秒杀", price=9900, stock=100))
        item_id = flash_sale(store, sku_id, price=100, units=20, limit=1)
        buyers = [create_member(store, nickname=f"抢购{i}") for i in range(500)]
    start = threading.Barrier(25, timeout=60)

    def attempt(buyer):
        with app.app_context():
            if buyer[0] % 20 == 0:
                start.wait(timeout=60)  # bursts of 25 at the same instant
            try:
                buy(store, buyer, sku_id)
                return "ordered"
            except (FlashSaleProblem, SoldOut):
                return "sold out"

    with ThreadPoolExecutor(max_workers=50) as pool:
        outcomes = list(pool.map(attempt, buyers))
    assert outcomes.count("ordered") == 20 and outcomes.count("sold out") == 480
    with app.app_context(), tenant_context(store.id):
        assert db.session.scalar(select(func.count()).select_from(Order)) == 20
        assert db.session.get(FlashSaleItem, item_id).stock == 0
        assert db.session.get(SKU, sku_id).stock == 80


@pytest.fixture
def gate_on(app, monkeypatch):
    monkeypatch.setitem(app.config, "FLASH_SALE_GATE", True)


def test_a_lost_gate_counter_is_set_again_from_the_units_left(shop, app, gate_on):
    demo, _tea, sku_id = shop
    flash_sale(demo, sku_id, units=3, limit=3)
    buy(demo, create_member(demo), sku_id, quantity=2)
    app.extensions["duoshop_cache"].clear()  # Redis restarted, or the key was evicted
    with pytest.raises(FlashSaleProblem, match="sold out"):
        buy(demo, create_member(demo, nickname="乙"), sku_id, quantity=2)
    buy(demo, create_member(demo, nickname="丙"), sku_id)  # the last unit is still there
    with pytest.raises(FlashSaleProblem, match="sold out"):
        buy(demo, create_member(demo, nickname="丁"), sku_id)


@pytest.mark.parametrize("gate", [True, False], ids=["cache gate", "conditional update alone"])
def test_an_order_refused_after_the_stock_was_taken_gives_its_units_back(shop, app, gate, monkeypatch):
    monkeypatch.setitem(app.config, "FLASH_SALE_GATE", gate)
    demo, _tea, sku_id = shop
    flash_sale(demo, sku_id, units=1, limit=1)
    with tenant_context(demo.id):  # the SKU itself runs out: the flash unit was taken, then the order fails
        db.session.get(SKU, sku_id).stock = 0
        db.session.commit()
    with pytest.raises(SoldOut):
        buy(demo, create_member(demo), sku_id)
    with tenant_context(demo.id):
        db.session.get(SKU, sku_id).stock = 5
        db.session.commit()
    assert buy(demo, create_member(demo, nickname="乙"), sku_id).subtotal == 990


def test_the_console_schedules_pauses_and_refuses_bad_flash_sales(shop, platform_client):
    from tests.conftest import csrf_from
    from tests.factories import create_staff, login_staff

    demo, tea, sku_id = shop
    login_staff(platform_client, demo)
    token = csrf_from(platform_client, "/console/flash-sales")
    form = {"csrf_token": token, "title": "周末秒杀", "starts_at": "2026-12-12T20:00", "ends_at": "2026-12-12T22:00",
            "sku_0": str(sku_id), "price_0": "9.9", "units_0": "10", "limit_0": "2"}
    refused = platform_client.post("/console/flash-sales", data={**form, "units_0": "51"},
                                   headers={"Accept-Language": "en"})
    assert refused.status_code == 422 and "Campaign units must be between 1 and the SKU" in refused.get_data(as_text=True)
    assert platform_client.post("/console/flash-sales", data=form).status_code == 302
    with tenant_context(demo.id):
        item = db.session.scalar(select(FlashSaleItem))
        assert (item.price, item.stock, item.per_member_limit) == (990, 10, 2)
        sale_id = item.flash_sale_id
    assert "周末秒杀" in platform_client.get("/console/flash-sales").get_data(as_text=True)
    assert platform_client.post(f"/console/flash-sales/{sale_id}/pause", data={"csrf_token": token}).status_code == 302
    login_staff(platform_client, tea)
    token = csrf_from(platform_client, "/console/flash-sales")
    assert "周末秒杀" not in platform_client.get("/console/flash-sales").get_data(as_text=True)
    assert platform_client.post(f"/console/flash-sales/{sale_id}/resume", data={"csrf_token": token}).status_code == 404
    create_staff(demo, "viewer@demo.example.com", "viewer")
    login_staff(platform_client, demo, email="viewer@demo.example.com")
    token = csrf_from(platform_client, "/console/flash-sales")
    assert platform_client.post("/console/flash-sales", data={**form, "csrf_token": token}).status_code == 403


def test_product_pages_show_the_flash_price_as_soon_as_a_sale_starts(shop, store_client, app):
    from commerce.marketing.flash_sales.models import FlashSale
    from commerce.marketing.windows import refresh_flash_pages

    demo, _tea, sku_id = shop
    with tenant_context(demo.id):
        product_id = db.session.get(SKU, sku_id).product_id
    shopper = store_client("demo")
    assert "¥50.00" in shopper.get(f"/products/{product_id}").get_data(as_text=True)  # cached from now on
    flash_sale(demo, sku_id, starts=5, ends=60)  # scheduled, not started
    page = shopper.get(f"/products/{product_id}").get_data(as_text=True)
    assert "⚡" not in page
    with tenant_context(demo.id):  # the start time comes; the job scheduled for it runs
        db.session.execute(FlashSale.__table__.update().values(starts_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
        refresh_flash_pages()
    page = shopper.get(f"/products/{product_id}").get_data(as_text=True)
    assert "⚡" in page and "¥9.90" in page and 'data-ends-at="' in page
    tea_page = store_client("tea").get("/").get_data(as_text=True)
    assert "¥9.90" not in tea_page


def test_the_flash_sale_block_lists_the_deals_on_now(shop):
    from themes.data import Need, load_page_data

    demo, tea, sku_id = shop
    flash_sale(demo, sku_id)
    with tenant_context(demo.id):
        deals = load_page_data({"b1": [Need("flash_sales", count=4)]})["b1"]["flash_sales"]
        assert [(deal.product.title, deal.price, deal.sku.price) for deal in deals] == [("秒杀茶礼", 990, 5000)]
    with tenant_context(tea.id):
        assert load_page_data({"b1": [Need("flash_sales", count=4)]})["b1"]["flash_sales"] == []


def test_while_a_flash_sale_runs_the_product_page_shows_the_campaign_units_left(app_ctx, store_client):
    demo = create_store("demo")
    product_id = create_product(demo, "秒杀礼盒", price=5000, stock=15)
    sku_id = sku_of(demo, product_id)
    flash_sale(demo, sku_id, units=5)
    page = store_client("demo").get(f"/products/{product_id}").get_data(as_text=True)
    assert "库存：5" in page and "库存：15" not in page
    assert '"stock": 5' in page and '"stock": 15' not in page  # the SKU picker's data
    assert 'max="5"' in page
