"""The page-shown beacon: ``POST /t`` answers 204 with no SQL on its way (the event waits in
the process's buffer until ``flush_events``), gives the browser a visitor id and its channel,
refuses other sites, and cached pages stay the same bytes for everyone, with the beacon
script in them."""
import re

import pytest
from sqlalchemy import func, select

from commerce.analytics.collect import _take, flush_events, pending_events
from commerce.analytics.models import AnalyticsEvent
from core.extensions import db
from core.tenancy import tenant_context
from tests.factories import create_product, create_store, sku_of
from tests.themes.test_page_cache_invalidation import count_statements

ORIGIN = {"Origin": "http://demo.duoshop.test"}


@pytest.fixture
def stores(app_ctx):
    _take()
    demo, tea = create_store("demo"), create_store("tea")
    yield demo, tea, create_product(demo, "龙井", price=5000)
    _take()


def events_of(store):
    with tenant_context(store.id):
        return db.session.scalars(select(AnalyticsEvent).order_by(AnalyticsEvent.id)).all()


def cookie(response, name):
    for header in response.headers.getlist("Set-Cookie"):
        if header.startswith(f"{name}="):
            return header
    return None


def test_the_beacon_answers_204_without_sql_and_the_flush_writes_the_event(app, stores, store_client):
    demo, tea, product = stores
    store_client("demo").post("/t", data={"page": "home"}, headers=ORIGIN)  # the store's route is known from now on
    _take()
    client = store_client("demo")
    response, statements = count_statements(app, lambda: client.post(
        "/t", data={"page": "product", "product_id": product, "utm_source": "moments"}, headers=ORIGIN))
    assert response.status_code == 204 and statements == []
    assert pending_events() == 1 and events_of(demo) == []
    assert flush_events() == 1
    [event] = events_of(demo)
    visitor = cookie(response, "ds_vid") or ""
    assert (event.kind, event.product_id, event.channel, event.page) == ("product_view", product, "moments", "product")
    assert visitor.startswith(f"ds_vid={event.visitor_id}.") and "HttpOnly" in visitor and "SameSite=Lax" in visitor
    assert "ds_ch=moments" in cookie(response, "ds_ch") and "Max-Age=86400" in cookie(response, "ds_ch")
    assert events_of(tea) == []


def test_the_visitor_keeps_its_id_and_the_last_channel_is_remembered(stores, store_client):
    demo, _tea, _product = stores
    client = store_client("demo")
    first = client.post("/t", data={"page": "home", "utm_source": "group"}, headers=ORIGIN)
    again = client.post("/t", data={"page": "list"}, headers=ORIGIN)
    assert cookie(first, "ds_vid") and cookie(again, "ds_vid") is None and cookie(again, "ds_ch") is None
    flush_events()
    events = events_of(demo)
    assert [(e.kind, e.page, e.channel) for e in events] == [("page_view", "home", "group"), ("page_view", "list", "group")]
    assert events[0].visitor_id == events[1].visitor_id


def test_a_visitor_id_older_than_30_days_is_replaced(stores, store_client):
    client = store_client("demo")
    client.set_cookie("ds_vid", "oldvisitor1234.1000000000", domain="demo.duoshop.test")
    response = client.post("/t", data={"page": "home"}, headers=ORIGIN)
    assert "oldvisitor1234" not in cookie(response, "ds_vid")


def test_another_site_cannot_send_the_beacon(stores, store_client):
    response = store_client("demo").post("/t", data={"page": "home"}, headers={"Origin": "https://evil.example"})
    assert response.status_code == 403 and pending_events() == 0


def test_a_beacon_naming_an_unknown_page_is_ignored(stores, store_client):
    response = store_client("demo").post("/t", data={"page": "<script>"}, headers=ORIGIN)
    assert response.status_code == 204 and pending_events() == 0 and cookie(response, "ds_vid") is None


def test_cached_pages_carry_the_beacon_and_stay_the_same_bytes(stores, store_client):
    _demo, _tea, product = stores
    client = store_client("demo")
    for path, page in (("/", "home"), ("/products", "list"), (f"/products/{product}", "product")):
        first, second = client.get(path), client.get(path)
        html = first.get_data(as_text=True)
        assert first.status_code == 200 and second.get_data() == first.get_data()
        assert re.search(rf'<script src="[^"]*beacon\.js" integrity="sha384-[^"]+" crossorigin="anonymous" defer '
                         rf'data-page="{page}"', html), path
        assert second.headers.getlist("Set-Cookie") == []
    assert f'data-product="{product}"' in client.get(f"/products/{product}").get_data(as_text=True)
    assert pending_events() == 0  # showing a page records nothing: its beacon does


def test_the_storefront_records_search_cart_checkout_and_order(stores, store_client):
    demo, _tea, product = stores
    client = store_client("demo")
    client.post("/t", data={"page": "home", "utm_source": "mp_article"}, headers=ORIGIN)
    client.get("/search", query_string={"q": "  白茶  "})
    client.get("/search", query_string={"q": "龙井"})
    sku = sku_of(demo, product)
    assert client.post("/cart/items", data={"sku_id": sku, "quantity": 1}, headers=ORIGIN).status_code == 302
    assert client.get("/checkout").status_code == 200
    flush_events()
    with tenant_context(demo.id):
        assert db.session.scalar(select(func.count()).select_from(AnalyticsEvent)) == 5
    events = events_of(demo)
    assert [(e.kind, e.channel) for e in events] == [("page_view", "mp_article"), ("search", "mp_article"),
                                                     ("search", "mp_article"), ("add_to_cart", "mp_article"),
                                                     ("checkout_started", "mp_article")]
    assert [(e.words, e.result_count) for e in events if e.kind == "search"] == [("白茶", 0), ("龙井", 1)]
    assert events[3].product_id == product
    assert len({e.visitor_id for e in events}) == 1


def test_an_order_placed_on_the_h5_checkout_is_recorded_as_the_members(stores, store_client):
    from commerce.orders.models import Order
    from tests.conftest import csrf_from
    from tests.factories import create_member

    demo, _tea, product = stores
    member_id, address_id = create_member(demo)
    client = store_client("demo")
    with client.session_transaction(base_url=f"http://{client.host}") as session:
        session["member_id"] = member_id
    client.post("/cart/items", data={"sku_id": sku_of(demo, product), "quantity": 2}, headers=ORIGIN)
    token = csrf_from(client, "/checkout")
    placed = client.post("/checkout", data={"csrf_token": token, "address_id": address_id})
    assert placed.status_code == 302 and "/pay" in placed.location
    flush_events()
    with tenant_context(demo.id):
        order = db.session.scalar(select(Order))
    events = events_of(demo)
    assert [e.kind for e in events] == ["add_to_cart", "checkout_started", "order_placed"]
    assert (events[2].order_id, events[2].amount, events[2].member_id) == (order.id, order.total, member_id)
    assert all(e.member_id == member_id for e in events)
