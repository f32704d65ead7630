"""Order numbers and CSV file names carry China's date, the date every screen shows: at
17:00 UTC it is already the next day in China."""
from datetime import UTC, datetime

import pytest

import core.clock
from commerce.members.models import Address
from commerce.orders.service import Wanted, place_order
from core.clock import CHINA_TZ
from core.extensions import db
from core.tenancy import tenant_context
from tests.factories import create_member, create_product, create_store, login_staff, sku_of

UTC_EVENING = datetime(2026, 12, 4, 17, 0, tzinfo=UTC)  # 2026-12-05 01:00 in China
# For the file names: a day that is not today on any clock, so the server's own date can't pass.
LATE_UTC = datetime(2027, 3, 9, 17, 30, tzinfo=UTC)  # 2027-03-10 01:30 in China


@pytest.fixture
def demo(app_ctx):
    return create_store("demo")


@pytest.fixture
def console(platform_client, demo):
    login_staff(platform_client, demo)
    return platform_client


@pytest.fixture
def china_clock_after_utc_midnight(monkeypatch):
    monkeypatch.setattr(core.clock, "china_now", lambda: LATE_UTC.astimezone(CHINA_TZ))


def test_an_order_placed_at_17_utc_is_numbered_with_the_next_china_day(demo):
    product = create_product(demo, "龙井", price=5000, stock=5)
    member_id, address_id = create_member(demo)
    with tenant_context(demo.id):
        order = place_order(member_id=member_id, address=db.session.get(Address, address_id),
                            wanted=[Wanted(sku_of(demo, product), 1)], now=UTC_EVENING)
        db.session.commit()
    assert order.number.startswith("20261205010000")


def test_the_orders_export_is_named_with_china_s_date(console, china_clock_after_utc_midnight):
    response = console.get("/console/orders/export.csv")
    assert response.status_code == 200
    assert 'filename="orders-demo-2027-03-10.csv"' in response.headers["Content-Disposition"]


def test_the_products_export_is_named_with_china_s_date(console, china_clock_after_utc_midnight):
    response = console.get("/console/products/export")
    assert response.status_code == 200
    assert 'filename="products-demo-2027-03-10.csv"' in response.headers["Content-Disposition"]
