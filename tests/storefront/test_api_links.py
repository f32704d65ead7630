"""Every URL the catalog endpoints answer is absolute and loads (the mini-program has no
host of its own): the check that would have caught ``"<bound method ProductImage.url …>"``."""

import pytest
from sqlalchemy import select

from commerce.catalog.images import add_product_image
from commerce.catalog.models import Product
from core.extensions import db
from core.tenancy import tenant_context
from tenants.models import MiniProgram, StaffUser
from tests.factories import create_product, create_store
from tests.storefront.api_links import answer_schema, fetch_status, png_upload, uri_values

APPIDS = {"demo": "wx0123456789abcdef", "tea": "wxfedcba9876543210"}


@pytest.fixture
def stores(app_ctx):
    made = {}
    for slug, colour in (("demo", "red"), ("tea", "green")):
        store = create_store(slug)
        product_id = create_product(store, f"{slug} 商品", price=1200)
        with tenant_context(store.id):
            owner = db.session.scalar(select(StaffUser).where(StaffUser.role == StaffUser.OWNER))
            add_product_image(db.session.get(Product, product_id), png_upload(colour), actor=owner)
            db.session.add(MiniProgram(appid=APPIDS[slug]))
            db.session.commit()
        made[slug] = (store, product_id)
    return made


def _get(client, path, slug):
    return client.get(path, headers={"X-Duoshop-AppID": APPIDS[slug]})


@pytest.mark.parametrize("slug", ["demo", "tea"])
def test_every_image_url_of_the_catalog_is_absolute_on_the_store_host_and_loads(app, stores, platform_client, slug):
    document = platform_client.get("/api/v1/openapi.json").get_json()
    _store, product_id = stores[slug]
    answers = [("/api/v1/products", "/api/v1/products"),
               (f"/api/v1/products/{product_id}", "/api/v1/products/{product_id}"),
               ("/api/v1/search?q=商品", "/api/v1/search")]
    links = []
    for path, documented in answers:
        response = _get(platform_client, path, slug)
        assert response.status_code == 200, path
        links += uri_values(document, answer_schema(document, documented, "GET", 200), response.get_json())
    assert len(links) == 7  # a picture and its thumbnail, in the list, the detail and the search; the share card's
    assert all(link.startswith(f"http://{slug}.duoshop.test/media/") for link in links)
    assert {fetch_status(app, link) for link in links} == {200}


def test_one_stores_image_url_does_not_load_on_another_stores_host(app, stores, platform_client):
    _store, product_id = stores["demo"]
    link = _get(platform_client, f"/api/v1/products/{product_id}", "demo").get_json()["images"][0]["url"]
    assert fetch_status(app, link.replace("//demo.", "//tea.")) == 404


def test_an_api_problem_carries_a_stable_code_and_a_chinese_detail(stores, platform_client):
    response = platform_client.get("/api/v1/me", headers={"X-Duoshop-AppID": APPIDS["demo"],
                                                          "Accept-Language": "zh-CN"})
    body = response.get_json()
    assert response.status_code == 401 and response.mimetype == "application/problem+json"
    assert body["code"] == "not_authenticated"
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["detail"])
    missing = platform_client.get("/api/v1/products/999999", headers={"X-Duoshop-AppID": APPIDS["demo"]})
    assert missing.get_json()["code"] == "not_found"
