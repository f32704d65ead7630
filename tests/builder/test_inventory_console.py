"""The inventory screens in /console: receiving a batch (refusals on the field, nothing
written), a batch's trace to its orders with masked customers, the order page's batches, the
safety-stock list, settings and a SKU's own plan, the turnover report and its CSV — each tried
with a second store, whose batches, SKUs and orders never show."""
import csv
import io

import pytest
from sqlalchemy import func, select

from commerce.inventory.models import StockBatch
from commerce.orders.models import Order
from core.audit import AuditLog
from core.extensions import db
from core.tenancy import tenant_context
from tenants.models import StaffUser
from tests.commerce.inventory.stock_helpers import paid_order, receive, rich_member, ship_all, stock_of
from tests.conftest import csrf_from
from tests.factories import create_product, create_staff, create_store, login_staff, sku_of

EN = {"Accept-Language": "en"}
ZH = {"Accept-Language": "zh"}


@pytest.fixture
def stores(app_ctx):
    """demo sells 龙井 (batch LJ-1 of 20 received); tea has its own 龙井 with batch TEA-1."""
    demo, tea = create_store("demo"), create_store("tea")
    longjing = sku_of(demo, create_product(demo, "龙井", price=100, stock=0))
    tea_longjing = sku_of(tea, create_product(tea, "龙井", price=100, stock=0))
    receive(demo, longjing, "LJ-1", 20)
    tea_batch = receive(tea, tea_longjing, "TEA-1", 10)
    return demo, tea, longjing, tea_longjing, tea_batch


@pytest.fixture
def console(platform_client, stores):
    login_staff(platform_client, stores[0])
    return platform_client


def receive_form(console, **fields):
    token = csrf_from(console, "/console/inventory/batches/new")
    return console.post("/console/inventory/batches/new", headers=EN,
                        data={"csrf_token": token, "supplier": "杭州茶厂", **fields})


def batches_of(store):
    with tenant_context(store.id):
        return db.session.scalar(select(func.count()).select_from(StockBatch))


def test_receiving_a_batch_from_the_form_adds_to_stock_and_opens_its_page(console, stores):
    demo, _tea, longjing, *_ = stores
    response = receive_form(console, sku_id=longjing, batch_number="LJ-2", quantity="30",
                            produced_on="2026-11-01", expires_on="2027-11-01")
    assert response.status_code == 302 and "/console/inventory/batches/" in response.headers["Location"]
    page = console.get(response.headers["Location"], headers=EN).get_data(as_text=True)
    assert "LJ-2" in page and "杭州茶厂" in page and "2027-11-01" in page
    assert stock_of(demo, longjing) == (50, 50)


@pytest.mark.parametrize(("fields", "message"), [
    ({"batch_number": "LJ-3", "quantity": "0"}, "Must be at least 1."),
    ({"batch_number": "LJ-3", "quantity": "十"}, "Enter a whole number"),
    ({"batch_number": "", "quantity": "5"}, "Enter the batch number."),
    ({"batch_number": "LJ-1", "quantity": "5"}, "This SKU already has a batch LJ-1."),
    ({"batch_number": "LJ-3", "quantity": "5", "produced_on": "2026-12-01", "expires_on": "2026-11-01"},
     "The expiry date cannot be before the production date."),
])
def test_a_bad_receipt_shows_the_message_on_the_form_and_writes_nothing(console, stores, fields, message):
    demo, _tea, longjing, *_ = stores
    response = receive_form(console, sku_id=longjing, **fields)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert batches_of(demo) == 1 and stock_of(demo, longjing) == (20, 20)


def test_a_receipt_without_the_csrf_token_is_refused(console, stores):
    demo, _tea, longjing, *_ = stores
    response = console.post("/console/inventory/batches/new", headers=EN,
                            data={"sku_id": longjing, "batch_number": "LJ-9", "supplier": "x", "quantity": "5"})
    assert response.status_code in (400, 422)
    assert batches_of(demo) == 1


def test_another_stores_skus_and_batches_are_not_found(console, stores):
    demo, tea, _longjing, tea_longjing, tea_batch = stores
    assert console.get(f"/console/inventory/batches/{tea_batch}").status_code == 404
    assert console.get(f"/console/inventory/skus/{tea_longjing}").status_code == 404
    assert console.get(f"/console/inventory/batches/new?sku={tea_longjing}").status_code == 404
    response = receive_form(console, sku_id=tea_longjing, batch_number="X-1", quantity="5")
    assert response.status_code == 422  # not one of this store's choices
    assert batches_of(tea) == 1 and batches_of(demo) == 1
    listed = console.get("/console/inventory/batches", headers=EN).get_data(as_text=True)
    assert "LJ-1" in listed and "TEA-1" not in listed


def test_a_batch_traces_to_its_orders_with_masked_customers_and_the_order_page_names_the_batch(console, stores):
    demo, tea, longjing, tea_longjing, _tea_batch = stores
    order_id = paid_order(demo, rich_member(demo, nickname="王小明"), [(longjing, 3)])
    ship_all(demo, order_id)
    ship_all(tea, paid_order(tea, rich_member(tea, nickname="李四"), [(tea_longjing, 2)]))
    with tenant_context(demo.id):
        number = db.session.get(Order, order_id).number
        batch_id = db.session.scalar(select(StockBatch.id).where(StockBatch.batch_number == "LJ-1"))
    trace = console.get(f"/console/inventory/batches/{batch_id}", headers=EN).get_data(as_text=True)
    assert number in trace and "王**" in trace and "王小明" not in trace
    assert "李" not in trace
    order_page = console.get(f"/console/orders/{number}", headers=EN).get_data(as_text=True)
    assert f"/console/inventory/batches/{batch_id}" in order_page and "LJ-1</a> × 3" in order_page


def test_the_safety_stock_list_flags_low_options_and_a_sku_plan_overrides_it(console, stores):
    demo, _tea, longjing, *_ = stores
    page = console.get("/console/inventory?show=low", headers=EN).get_data(as_text=True)
    assert "No option is low on stock." in page  # 20 in stock, no sales: safety stock 0
    token = csrf_from(console, f"/console/inventory/skus/{longjing}")
    response = console.post(f"/console/inventory/skus/{longjing}", headers=EN,
                            data={"csrf_token": token, "safety_stock": "25", "lead_time_days": "12"})
    assert response.status_code == 302
    form = console.get(f"/console/inventory/skus/{longjing}", headers=EN).get_data(as_text=True)
    assert 'name="safety_stock" type="text" value="25"' in form and 'name="lead_time_days" type="text" value="12"' in form
    page = console.get("/console/inventory?show=low", headers=EN).get_data(as_text=True)
    assert f"/console/inventory/skus/{longjing}" in page and "(your own)" in page
    refused = console.post(f"/console/inventory/skus/{longjing}", headers=EN,
                           data={"csrf_token": token, "safety_stock": "-1", "lead_time_days": ""})
    assert refused.status_code == 422 and "Must be at least 0." in refused.get_data(as_text=True)


def test_settings_below_the_20_percent_hot_buffer_are_refused_on_their_field(console, stores):
    demo, *_ = stores
    token = csrf_from(console, "/console/inventory")
    values = {"window_days": "30", "lead_time_days": "10", "buffer_percent": "10", "hot_buffer_percent": "10",
              "hot_share_percent": "20", "turnover_target_days": "45"}
    refused = console.post("/console/inventory/settings", headers=EN, data={"csrf_token": token, **values})
    assert refused.status_code == 422 and "Enter a whole number from 20 to 300." in refused.get_data(as_text=True)
    saved = console.post("/console/inventory/settings", headers=EN,
                         data={"csrf_token": token, **values, "hot_buffer_percent": "25"})
    assert saved.status_code == 302
    with tenant_context(demo.id):
        assert db.session.scalar(select(func.count()).select_from(AuditLog)
                                 .where(AuditLog.action == "inventory.settings")) == 1


def test_the_turnover_report_and_its_csv_show_days_of_inventory_of_this_store_only(console, stores):
    demo, tea, longjing, tea_longjing, _ = stores
    ship_all(demo, paid_order(demo, rich_member(demo), [(longjing, 6)]))  # 14 left, 0.2 a day: 70 days
    create_product(tea, "别家的茶", stock=99)
    page = console.get("/console/inventory/turnover", headers=ZH).get_data(as_text=True)
    assert "龙井" in page and "70" in page and "别家的茶" not in page
    exported = console.get("/console/inventory/turnover.csv", headers=EN)
    rows = list(csv.reader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][0] == "Product" and rows[1][0] == "龙井" and rows[1][3:] == ["14", "6", "70", "Yes"]
    assert len(rows) == 2


def test_a_viewer_sees_the_screens_but_cannot_receive_or_change_settings(platform_client, stores):
    demo, _tea, longjing, *_ = stores
    create_staff(demo, "viewer@demo.example.com", StaffUser.VIEWER)
    login_staff(platform_client, demo, email="viewer@demo.example.com")
    for path in ("/console/inventory", "/console/inventory/turnover", "/console/inventory/batches"):
        assert platform_client.get(path).status_code == 200
    assert platform_client.get("/console/inventory/batches/new").status_code == 403
    token = csrf_from(platform_client, "/console/inventory")
    assert platform_client.post("/console/inventory/settings", data={"csrf_token": token}).status_code == 403


def test_the_screens_read_in_chinese(console, stores):
    page = console.get("/console/inventory", headers=ZH).get_data(as_text=True)
    assert "安全库存" in page and "周转" in page and "批次" in page


def test_percentages_read_as_one_percent_sign_in_both_languages(console, stores):
    english = console.get("/console/inventory", headers=EN).get_data(as_text=True)
    chinese = console.get("/console/inventory", headers=ZH).get_data(as_text=True)
    assert "a buffer of at least 20%." in english and "不低于 20%。" in chinese
    assert "%%" not in english and "%%" not in chinese
