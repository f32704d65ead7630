"""The API product list costs the same few SQL statements for a page of 5 or of 20 products,
images included (no query per product), pages in SQL rather than in memory, and is served
from the cache until the store's catalog changes."""
import pytest
from sqlalchemy import event

from commerce.catalog.models import Product, ProductImage
from core.extensions import db
from core.tenancy import tenant_context
from tenants.models import MiniProgram
from tests.factories import create_store

APPID = "wx0123456789abcdef"


@pytest.fixture
def store_with_images(app_ctx):
    store = create_store("demo", name="Demo Shop")
    with tenant_context(store.id):
        db.session.add(MiniProgram(appid=APPID))
        products = [Product(title=f"商品{i}", price=1000 + i, stock=5, status=Product.ON_SALE) for i in range(45)]
        db.session.add_all(products)
        db.session.flush()
        for product in products:
            db.session.add_all(ProductImage(product_id=product.id, filename=f"p{product.id}-{n}.jpg", width=800,
                                            height=800, position=n) for n in range(2))
        db.session.commit()
    return store


def list_statements(app, client, path="/api/v1/products", **params):
    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip().upper().startswith(("SELECT SET_CONFIG", "PRAGMA")):
            statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        response = client.get(path, query_string=params, headers={"X-Duoshop-AppID": APPID})
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert response.status_code == 200, response.get_json()
    return response.get_json(), statements


@pytest.mark.parametrize("sort", ["newest", "price_asc", "price_desc", "sales"])
def test_a_page_of_twenty_products_costs_as_many_statements_as_a_page_of_five(app, store_with_images,
                                                                             platform_client, sort):
    list_statements(app, platform_client, "/api/v1/store")  # the first call also looks the AppID up
    five, five_statements = list_statements(app, platform_client, limit=5, sort=sort)
    twenty, twenty_statements = list_statements(app, platform_client, limit=20, sort=sort)
    assert len(five["items"]) == 5 and len(twenty["items"]) == 20
    assert all(len(item["images"]) == 2 for item in twenty["items"])
    assert len(twenty_statements) == len(five_statements) == 2, twenty_statements  # products, their images
    following, following_statements = list_statements(app, platform_client, limit=20, sort=sort,
                                                       cursor=twenty["next_cursor"])
    assert len(following_statements) == len(twenty_statements)
    assert not {item["id"] for item in following["items"]} & {item["id"] for item in twenty["items"]}


def test_the_list_reads_only_one_page_of_products(app, store_with_images, platform_client):
    _body, statements = list_statements(app, platform_client, limit=20)
    product_queries = [s for s in statements if "FROM products" in s and "product_images" not in s]
    assert len(product_queries) == 1 and "LIMIT" in product_queries[0].upper()


def test_a_repeated_list_costs_no_sql_until_the_catalog_changes(app, store_with_images, platform_client):
    first, _statements = list_statements(app, platform_client, limit=20)
    again, statements = list_statements(app, platform_client, limit=20)
    assert again == first and statements == []
    with tenant_context(store_with_images.id):
        newest = db.session.get(Product, first["items"][0]["id"])
        newest.title = "改名后的商品"
        db.session.commit()
    changed, statements = list_statements(app, platform_client, limit=20)
    assert changed["items"][0]["title"] == "改名后的商品" and statements
