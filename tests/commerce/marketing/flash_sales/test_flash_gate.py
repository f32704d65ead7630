"""The flash-sale gate over HTTP: the sold-out get 「已抢光」 (409 problem+json on the API) after one
lookup (was this request placed already?) and no other database statement, a lost or stale counter is rebuilt from the database, units come
back from refused and cancelled orders, another store's counters are untouched, and with
Redis away the database alone decides."""
import time
import uuid
from contextlib import contextmanager

import pytest
from sqlalchemy import event, func, select

from commerce.marketing.flash_sales import gate
from commerce.marketing.flash_sales.models import FlashSaleItem
from commerce.orders.models import Order
from commerce.orders.service import cancel_order
from core.extensions import db
from core.tenancy import tenant_context
from tests.commerce.marketing.flash_sales.test_flash_sales import flash_sale
from tests.factories import create_product, sku_of
from tests.storefront.api import conftest as api_tests
from tests.storefront.api.conftest import api, shopper

ZH = {"Accept-Language": "zh-CN"}


@contextmanager
def statements():
    """The SQL statements sent while the block runs (a list filled as they go)."""
    sent = []

    def seen(conn, cursor, statement, *args):
        sent.append(statement)

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        yield sent
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)


def only_the_retry_lookup(sent):
    """The statements of a sold-out answer: was this request_id placed already (on PostgreSQL
    with the transaction's tenant setting first)?"""
    lookups = [s for s in sent if "FROM orders" in s and "orders.request_id = " in s]
    rest = [s for s in sent if s not in lookups and "set_config('duoshop.tenant_id'" not in s]
    return len(lookups) == 1 and rest == []


def order(client, who, sku_id, quantity=1, headers=None, request_id=None):
    return api(client, "POST", "/orders", who, headers=headers or {},
               json={"items": [{"sku_id": sku_id, "quantity": quantity}], "request_id": request_id or uuid.uuid4().hex})


def units_left(store, item_id):
    with tenant_context(store.id):
        db.session.expire_all()
        return db.session.get(FlashSaleItem, item_id).stock


def orders_of(store):
    with tenant_context(store.id):
        return db.session.scalar(select(func.count()).select_from(Order))


def set_counter(store, sku_id, item_id, units):
    """Make the counter say ``units`` whatever the database says (a restored snapshot, a lost
    give-back)."""
    gate.forget(store.id, sku_id)
    gate._backend().build(gate._full_key(store.id, sku_id), item_id, units, time.time(), 3600)  # noqa: SLF001

world = api_tests.world  # the API tests' fixture: demo (龙井 ×20, alice, bob, carol) and tea (tina), with mini-programs


@pytest.fixture
def sale(world, platform_client):
    item_id = flash_sale(world.demo, world.sku_id, price=990, units=2, limit=1)
    return item_id


def test_the_sold_out_get_409_problem_json_before_any_database_work(world, sale, platform_client):
    assert order(platform_client, world.alice, world.sku_id).status_code == 201
    assert order(platform_client, world.bob, world.sku_id).status_code == 201
    with statements() as sent:
        refused = order(platform_client, world.carol, world.sku_id, headers=ZH)
    assert refused.status_code == 409
    assert refused.mimetype == "application/problem+json"
    body = refused.get_json()
    assert body["code"] == "flash_sale_sold_out" and "已抢光" in body["detail"]
    assert only_the_retry_lookup(sent)
    assert orders_of(world.demo) == 2 and units_left(world.demo, sale) == 0


def test_a_retry_of_a_placed_order_after_the_sale_sold_out_answers_that_order(world, sale, platform_client):
    placed = order(platform_client, world.alice, world.sku_id, request_id="alice-flash-1")
    assert placed.status_code == 201
    assert order(platform_client, world.bob, world.sku_id).status_code == 201
    again = order(platform_client, world.alice, world.sku_id, request_id="alice-flash-1")
    assert again.status_code == 201 and again.get_json()["order_no"] == placed.get_json()["order_no"]
    refused = order(platform_client, world.alice, world.sku_id, request_id="alice-flash-2")
    assert refused.status_code == 409 and refused.get_json()["code"] == "flash_sale_sold_out"
    assert orders_of(world.demo) == 2


def test_the_h5_buy_now_of_a_sold_out_sale_says_so_before_any_database_work(world, sale, platform_client,
                                                                             store_client):
    order(platform_client, world.alice, world.sku_id)
    order(platform_client, world.bob, world.sku_id)
    browser = store_client("demo")
    assert browser.get(f"/products/{world.product_id}", headers=ZH).status_code == 200
    form = {"sku_id": str(world.sku_id), "quantity": "1", "then": "checkout"}
    with statements() as sent:
        page = browser.post("/cart/items", data=form, headers={**ZH, "Origin": f"http://{browser.host}"})
    assert page.status_code == 409 and "已抢光" in page.get_data(as_text=True)
    # the page's layout reads the store's theme (on PostgreSQL with the transaction's tenant setting), nothing else
    assert [s for s in sent if "FROM store_themes" not in s and "set_config('duoshop.tenant_id'" not in s] == []
    in_place = browser.post("/cart/items", data=form, headers={**ZH, "Origin": f"http://{browser.host}",
                                                              "Accept": "application/json"})
    assert in_place.status_code == 409 and "已抢光" in in_place.get_json()["message"]


def test_a_lost_counter_is_rebuilt_from_the_database(world, sale, platform_client, app):
    assert order(platform_client, world.alice, world.sku_id).status_code == 201
    app.extensions["duoshop_cache"].clear()  # Redis flushed or restarted
    assert order(platform_client, world.bob, world.sku_id).status_code == 201  # the last unit is still there
    with statements() as sent:
        assert order(platform_client, world.carol, world.sku_id).status_code == 409
    assert only_the_retry_lookup(sent)  # the rebuilt counter answers alone
    assert orders_of(world.demo) == 2


def test_a_counter_that_promises_units_the_database_has_not_is_dropped_and_rebuilt(world, sale, platform_client):
    order(platform_client, world.alice, world.sku_id)
    order(platform_client, world.bob, world.sku_id)
    set_counter(world.demo, world.sku_id, sale, 5)  # stale high
    refused = order(platform_client, world.carol, world.sku_id)
    assert refused.status_code == 409 and refused.get_json()["code"] == "flash_sale_sold_out"  # the database said no
    assert orders_of(world.demo) == 2
    order(platform_client, world.carol, world.sku_id)  # rebuilds the counter: 0
    with statements() as sent:
        assert order(platform_client, world.carol, world.sku_id).status_code == 409
    assert only_the_retry_lookup(sent)


def test_a_counter_that_says_sold_out_while_units_are_left_is_rechecked(world, sale, platform_client, monkeypatch):
    set_counter(world.demo, world.sku_id, sale, 0)  # stale low: a give-back lost while Redis was away
    api(platform_client, "GET", "/flash-sales/current", world.alice)  # the store's AppID resolved once, as usual
    with statements() as sent:
        assert order(platform_client, world.alice, world.sku_id).status_code == 409  # trusted for a moment …
    assert only_the_retry_lookup(sent)
    monkeypatch.setattr(gate, "RECHECK_SECONDS", 0)  # … then one buyer checks the database
    assert order(platform_client, world.alice, world.sku_id).status_code == 201
    assert order(platform_client, world.bob, world.sku_id).status_code == 201
    assert order(platform_client, world.carol, world.sku_id).status_code == 409
    assert orders_of(world.demo) == 2 and units_left(world.demo, sale) == 0


def test_refused_and_cancelled_orders_give_their_units_back_to_the_counter(world, sale, platform_client):
    assert order(platform_client, world.alice, world.sku_id, quantity=2).status_code == 409  # over the limit of 1
    placed = order(platform_client, world.alice, world.sku_id)
    assert placed.status_code == 201
    assert order(platform_client, world.bob, world.sku_id).status_code == 201  # the refused units came back
    with tenant_context(world.demo.id):
        assert cancel_order(db.session.scalar(select(Order).where(Order.number == placed.get_json()["order_no"])),
                            reason="shopper")
        db.session.commit()
    assert order(platform_client, world.carol, world.sku_id).status_code == 201  # the cancelled unit
    assert units_left(world.demo, sale) == 0


def test_another_stores_counters_are_untouched(world, platform_client):
    tea_sku = sku_of(world.tea, create_product(world.tea, "普洱", price=8800, stock=10))
    flash_sale(world.demo, world.sku_id, units=1, limit=1)
    flash_sale(world.tea, tea_sku, units=1, limit=1)
    assert order(platform_client, world.alice, world.sku_id).status_code == 201
    assert order(platform_client, world.bob, world.sku_id).status_code == 409  # demo is sold out …
    # … and demo's SKU id asked in tea meets tea's own (empty) counter: no such SKU there, not sold out
    assert order(platform_client, world.tina, world.sku_id).status_code == 404
    assert order(platform_client, world.tina, tea_sku).status_code == 201  # tea's own sale sells
    assert order(platform_client, shopper(world.tea, "小丁"), tea_sku).status_code == 409
    assert order(platform_client, world.carol, world.sku_id).status_code == 409  # demo's counter as it was


def test_with_redis_away_the_database_alone_sells_exactly_the_units(world, sale, platform_client, app, monkeypatch):
    from core.breaker import Unavailable

    def away(*args, **kwargs):
        raise Unavailable("Redis (cache)")

    for step in ("take", "build", "give", "forget"):
        monkeypatch.setattr(type(gate._backend()), step, away)  # noqa: SLF001
    codes = [order(platform_client, who, world.sku_id).status_code for who in (world.alice, world.bob, world.carol)]
    assert codes == [201, 201, 409]
    assert orders_of(world.demo) == 2 and units_left(world.demo, sale) == 0
