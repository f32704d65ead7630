"""The console's pre-sale screen: create one by deposit (what the merchant typed in yuan and
China time is saved in fen and UTC), bad terms refused on the page with nothing saved,
pause, the warehouse threshold setting, and another store seeing none of it."""
from sqlalchemy import func, select

from commerce.marketing.presales.models import Presale, PresaleItem, PresaleSettings
from commerce.orders.models import Order
from core.clock import to_china
from core.extensions import db
from core.tenancy import tenant_context
from tests.commerce.marketing.presales.test_presales import balance_of, booked_with_balance, pay_part
from tests.conftest import csrf_from
from tests.factories import create_product, create_staff, create_store, login_staff, sku_of

EN = {"Accept-Language": "en"}


def test_the_console_creates_a_deposit_presale_and_refuses_bad_terms(app_ctx, platform_client):
    demo, tea = create_store("demo"), create_store("tea")
    sku_id = sku_of(demo, create_product(demo, "明前龙井", price=12000, stock=50))
    login_staff(platform_client, demo)
    token = csrf_from(platform_client, "/console/presales")
    form = {"csrf_token": token, "title": "明前龙井预售", "starts_at": "2027-03-01T10:00", "ends_at": "2027-03-10T23:59",
            "ships_from": "2027-03-20T09:00", "mode": "deposit", "deposit": "10", "deposit_worth": "30",
            "balance_starts_at": "2027-03-11T00:00", "balance_ends_at": "2027-03-13T23:59",
            "unpaid_balance": "forfeit", "sku_0": str(sku_id), "price_0": "99", "units_0": "20"}
    refused = platform_client.post("/console/presales", data={**form, "deposit_worth": "100"}, headers=EN)
    assert refused.status_code == 422
    assert "The deposit can count for at least itself and less than the pre-sale price." in refused.get_data(as_text=True)
    with tenant_context(demo.id):
        assert db.session.scalar(select(func.count()).select_from(Presale)) == 0
    assert platform_client.post("/console/presales", data=form).status_code == 302
    with tenant_context(demo.id):
        presale = db.session.scalar(select(Presale))
        item = db.session.scalar(select(PresaleItem))
        assert (presale.mode, presale.deposit, presale.deposit_worth, presale.unpaid_balance) == ("deposit", 1000, 3000,
                                                                                                   "forfeit")
        assert to_china(presale.ships_from).strftime("%Y-%m-%d %H:%M") == "2027-03-20 09:00"
        assert (item.price, item.stock) == (9900, 20)
        presale_id = presale.id
    page = platform_client.get("/console/presales", headers=EN).get_data(as_text=True)
    assert "明前龙井预售" in page and "Deposit ¥10.00, counts as ¥30.00" in page
    assert platform_client.post(f"/console/presales/{presale_id}/pause", data={"csrf_token": token}).status_code == 302
    assert platform_client.post("/console/presales/settings", data={"csrf_token": token, "split_threshold": "0",
                                                                      "warehouses": ""}, headers=EN).status_code == 422
    assert platform_client.post("/console/presales/settings", data={"csrf_token": token, "split_threshold": "300",
                                                                      "warehouses": "杭州仓,广州仓"}).status_code == 302
    with tenant_context(demo.id):
        assert db.session.scalar(select(Presale.status)) == "paused"
        assert db.session.scalar(select(PresaleSettings.split_threshold)) == 300

    login_staff(platform_client, tea)
    token = csrf_from(platform_client, "/console/presales")
    assert "明前龙井预售" not in platform_client.get("/console/presales").get_data(as_text=True)
    assert platform_client.post(f"/console/presales/{presale_id}/resume", data={"csrf_token": token}).status_code == 404
    create_staff(demo, "viewer@demo.example.com", "viewer")
    login_staff(platform_client, demo, email="viewer@demo.example.com")
    token = csrf_from(platform_client, "/console/presales")
    assert platform_client.post("/console/presales", data={**form, "csrf_token": token}).status_code == 403


def test_the_merchant_sees_the_parts_and_cancelling_after_the_deposit_gives_it_back(app_ctx, platform_client, jobs):
    demo = create_store("demo")
    create_store("tea")
    product_id = create_product(demo, "明前龙井", price=12000, stock=50)
    member, order_id = booked_with_balance(demo, product_id, sku_of(demo, product_id))
    pay_part(demo, member, order_id)
    with tenant_context(demo.id):
        number = db.session.get(Order, order_id).number
    login_staff(platform_client, demo)
    page = platform_client.get(f"/console/orders/{number}", headers=EN).get_data(as_text=True)
    assert "Pre-sale: 新茶预售" in page and "Deposit" in page and "unpaid" in page
    token = csrf_from(platform_client, f"/console/orders/{number}")
    assert platform_client.post(f"/console/orders/{number}/cancel", data={"csrf_token": token}).status_code == 302
    jobs.drain()
    with tenant_context(demo.id):
        db.session.expire_all()
        assert db.session.get(Order, order_id).status == "cancelled"
    assert balance_of(demo, member[0]) == 20000  # the store cancelled it: the deposit is not the store's to keep
