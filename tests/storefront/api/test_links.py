"""Every URL the shopping endpoints answer (cart lines', the preview's and the order's pictures)
is absolute on the store's host and loads, found through the OpenAPI document's format: uri."""
import uuid

from sqlalchemy import select

from commerce.catalog.images import add_product_image
from commerce.catalog.models import Product
from core.extensions import db
from core.tenancy import tenant_context
from tenants.models import StaffUser
from tests.storefront.api_links import answer_schema, fetch_status, png_upload, uri_values


def test_every_picture_of_the_cart_preview_and_order_loads(app, stores, sign_in):
    demo, _tea, goods = stores
    product_id, sku_id = goods["longjing"]
    with tenant_context(demo.id):
        owner = db.session.scalar(select(StaffUser).where(StaffUser.role == StaffUser.OWNER))
        add_product_image(db.session.get(Product, product_id), png_upload("red"), actor=owner)
        db.session.commit()
    shopper = sign_in()
    document = shopper.client.get("/api/v1/openapi.json").get_json()
    cart = shopper.post("/cart/items", {"sku_id": sku_id, "quantity": 1})
    preview = shopper.post("/checkout/preview", {})
    order = shopper.post("/orders", {"request_id": uuid.uuid4().hex})
    answers = [(cart, "/api/v1/cart/items", "POST", 201), (preview, "/api/v1/checkout/preview", "POST", 200),
               (order, "/api/v1/orders", "POST", 201)]
    number = order.get_json()["order_no"]
    answers += [(shopper.get(f"/orders/{number}"), "/api/v1/orders/{order_no}", "GET", 200),
                (shopper.get("/orders"), "/api/v1/orders", "GET", 200)]
    links = []
    for response, path, method, status in answers:
        assert response.status_code == status, (path, response.get_json())
        links += uri_values(document, answer_schema(document, path, method, status), response.get_json())
    assert len(links) == 5
    assert all(link.startswith("http://demo.duoshop.test/media/") for link in links)
    assert {fetch_status(app, link) for link in links} == {200}
