"""A suspended store: its storefront and API answer "store closed" (403, problem+json on the
API), cached pages included; nothing is changed; its console still works so it can pay;
the other store is open throughout; resuming reopens it."""
import pytest
from sqlalchemy import func, select

from billing.subscriptions import subscription_of, transition
from commerce.catalog.models import Product
from core.extensions import db
from core.tenancy import tenant_context
from tenants.models import MiniProgram
from tests.factories import create_product, create_store, login_staff

EN = {"Accept-Language": "en"}
DEMO_APPID = "wx0123456789abcdef"


@pytest.fixture
def stores(app_ctx):
    demo, tea = create_store("demo"), create_store("tea")
    product_id = create_product(demo, "龙井", price=5000)
    with tenant_context(demo.id):
        db.session.add(MiniProgram(appid=DEMO_APPID))
        db.session.commit()
    return demo, tea, product_id


def move(store, event, reason=None):
    with tenant_context(store.id):
        assert transition(subscription_of(), event, reason=reason)
        db.session.commit()


@pytest.mark.parametrize("path", ["/", "/products", "/cart"])
def test_a_suspended_storefront_is_a_polite_closed_page(stores, store_client, path):
    demo, _tea, _product_id = stores
    move(demo, "suspend", "unpaid")
    response = store_client("demo").get(path, headers=EN)
    body = response.get_data(as_text=True)
    assert response.status_code == 403 and response.mimetype == "text/html"
    assert "Store closed" in body and "closed at the moment" in body
    assert "Retry-After" not in response.headers


def test_the_cached_home_page_is_not_served_once_the_store_is_suspended(stores, store_client):
    demo, _tea, _product_id = stores
    shopper = store_client("demo")
    assert shopper.get("/", headers=EN).status_code == 200
    assert shopper.get("/", headers=EN).status_code == 200  # now from the cache
    move(demo, "suspend", "unpaid")
    assert shopper.get("/", headers=EN).status_code == 403


def test_the_api_answers_a_store_closed_problem_by_host_and_by_appid(stores, store_client, platform_client):
    demo, _tea, product_id = stores
    move(demo, "suspend", "unpaid")
    for response in (store_client("demo").get(f"/api/v1/products/{product_id}", headers=EN),
                     platform_client.get("/api/v1/products", headers={"X-Duoshop-AppID": DEMO_APPID, **EN})):
        assert response.status_code == 403 and response.mimetype == "application/problem+json"
        assert response.json["code"] == "store_closed" and response.json["title"] == "Store closed"


def test_suspension_changes_no_data_and_the_console_stays_open_for_paying(stores, platform_client):
    demo, _tea, product_id = stores
    move(demo, "suspend", "unpaid")
    assert login_staff(platform_client, demo).status_code == 302
    billing = platform_client.get("/console/billing", headers=EN)
    assert billing.status_code == 200 and "Your storefront is closed to shoppers" in billing.get_data(as_text=True)
    assert platform_client.get("/console/products", headers=EN).status_code == 200
    with tenant_context(demo.id):
        assert db.session.scalar(select(func.count(Product.id))) == 1
        assert db.session.get(Product, product_id).title == "龙井"


def test_the_other_store_stays_open_and_resuming_reopens(stores, store_client):
    demo, _tea, product_id = stores
    move(demo, "suspend", "abuse report")
    assert store_client("tea").get("/", headers=EN).status_code == 200
    assert store_client("demo").get(f"/products/{product_id}", headers=EN).status_code == 403
    move(demo, "resume")
    assert store_client("demo").get(f"/products/{product_id}", headers=EN).status_code == 200


def test_a_cancelled_store_is_closed_too(stores, store_client):
    demo, _tea, _product_id = stores
    move(demo, "cancel", "merchant left")
    assert store_client("demo").get("/", headers=EN).status_code == 403
