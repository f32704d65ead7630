"""End to end through the analytics package: events tracked and rolled up in one store show on
its 概况 and data screens, and never on another store's."""
import pytest

from commerce.analytics.collect import _take
from commerce.analytics.rollup import roll_up_day
from core.clock import china_today
from core.extensions import db
from core.models import utcnow
from core.tenancy import tenant_context
from tests.builder.console_data_helpers import EN
from tests.commerce.analytics.conftest import DAY, at, buy, record
from tests.factories import create_member, create_product, create_store, login_staff, sku_of


@pytest.fixture(autouse=True)
def _empty_buffer(jobs):
    from tests.commerce.analytics import conftest as analytics

    _take()
    analytics._drain[:] = [jobs.drain]
    yield
    _take()


@pytest.fixture
def shop(app_ctx):
    demo, tea = create_store("demo"), create_store("tea")
    product = create_product(demo, "龙井", price=5000, stock=50)
    tea_product = create_product(tea, "普洱", price=8000, stock=50)
    return {"demo": demo, "tea": tea, "product": product, "sku": sku_of(demo, product),
            "tea_sku": sku_of(tea, tea_product), "alice": create_member(demo), "tea_member": create_member(tea)}


def rolled(store, day):
    with tenant_context(store.id):
        roll_up_day(day)
        db.session.commit()


def browse_and_buy(shop, store, sku, member, moment, visitor):
    record(store, "page_view", moment, visitor_id=visitor, channel="moments", page="home")
    record(store, "product_view", moment, visitor_id=visitor, channel="moments", product_id=shop["product"])
    record(store, "add_to_cart", moment, visitor_id=visitor, channel="moments", product_id=shop["product"])
    record(store, "checkout_started", moment, visitor_id=visitor, channel="moments", member_id=member[0])
    buy(store, member, sku, moment, quantity=2, channel="moments", visitor_id=visitor)


def test_a_day_of_shopping_shows_on_the_funnel_and_channels_of_its_store_only(shop, app):
    demo, tea = shop["demo"], shop["tea"]
    browse_and_buy(shop, demo, shop["sku"], shop["alice"], at(10), "v1")
    record(demo, "page_view", at(11), visitor_id="v2", page="home")
    record(demo, "search", at(11, 1), visitor_id="v2", words="白茶", result_count=0)
    rolled(demo, DAY)
    day = f"from={DAY.isoformat()}&to={DAY.isoformat()}"

    demo_console, tea_console = app.test_client(), app.test_client()
    login_staff(demo_console, demo)
    login_staff(tea_console, tea)
    funnel = demo_console.get(f"/console/data/funnel.csv?{day}", headers=EN).get_data(as_text=True)
    assert funnel.splitlines()[1:] == ["Store visit,2,100.0%,", "Product view,1,50.0%,50.0%",
                                       "Add to cart,1,50.0%,0.0%", "Checkout started,1,50.0%,0.0%",
                                       "Paid order,1,50.0%,0.0%"]
    moments = demo_console.get(f"/console/data/funnel.csv?{day}&channel=moments", headers=EN).get_data(as_text=True)
    assert [line.split(",")[1] for line in moments.splitlines()[1:]] == ["1", "1", "1", "1", "1"]
    channels = demo_console.get(f"/console/data/channels.csv?{day}", headers=EN).get_data(as_text=True)
    assert "WeChat Moments,1,1,100.00,100.0%" in channels
    assert "白茶" in demo_console.get(f"/console/data/searches?{day}", headers=EN).get_data(as_text=True)
    assert "龙井" in demo_console.get(f"/console/data/products?{day}&by=sales", headers=EN).get_data(as_text=True)

    for path in ("/console/data/", "/console/data/products", "/console/data/searches", "/console/data/channels",
                 "/console/data/buyers"):
        text = tea_console.get(f"{path}?{day}", headers=EN).get_data(as_text=True)
        assert "白茶" not in text and "龙井" not in text and "100.00" not in text, path
    tea_funnel = tea_console.get(f"/console/data/funnel.csv?{day}", headers=EN).get_data(as_text=True)
    assert [line.split(",")[1] for line in tea_funnel.splitlines()[1:]] == ["0"] * 5


def test_todays_shopping_shows_on_the_overview_after_the_roll_up(shop, app):
    demo, tea = shop["demo"], shop["tea"]
    now = utcnow()
    browse_and_buy(shop, demo, shop["sku"], shop["alice"], now, "v1")
    browse_and_buy(shop, tea, shop["tea_sku"], shop["tea_member"], now, "t1")
    demo_console = app.test_client()
    login_staff(demo_console, demo)
    before = demo_console.get("/console/overview.json").get_json()
    assert before["cards"][0]["value"] == "¥0.00"  # the console reads roll-ups only
    rolled(demo, china_today())
    overview = demo_console.get("/console/overview.json").get_json()
    cards = {card["key"]: card["value"] for card in overview["cards"]}
    assert cards == {"gmv": "¥100.00", "paid_orders": "1", "average_order_value": "¥100.00", "visitors": "1",
                     "conversion": "100.0%"}
    assert overview["chart"]["gmv"][-1] == 100.0 and overview["chart"]["orders"][-1] == 1
    assert {item["key"]: item["count"] for item in overview["todos"]}["to_ship"] == 1


def test_a_second_member_of_the_other_store_is_not_a_returning_buyer_here(shop, app):
    demo, tea = shop["demo"], shop["tea"]
    buy(tea, shop["tea_member"], shop["tea_sku"], at(9))
    buy(tea, shop["tea_member"], shop["tea_sku"], at(10))
    buy(demo, create_member(demo, nickname="新客"), shop["sku"], at(11))
    rolled(tea, DAY)
    rolled(demo, DAY)
    console = app.test_client()
    login_staff(console, demo)
    rows = console.get(f"/console/data/buyers.csv?from={DAY}&to={DAY}", headers=EN).get_data(as_text=True)
    assert rows.splitlines()[1] == "1,0,1,0.0%,40.0%"
