"""Chinese product search, on both engines, never across stores."""
import pytest

from commerce.catalog.models import Product
from commerce.catalog.search import search_products
from core.extensions import db
from core.tenancy import tenant_context
from tests.factories import create_product, create_store


@pytest.fixture
def stores(app_ctx):
    demo, tea = create_store("demo"), create_store("tea")
    create_product(tea, "特级绿茶礼盒")
    create_product(tea, "西湖龙井 250g")
    create_product(tea, "100%纯棉茶巾")
    create_product(tea, "茶_具套装")
    create_product(tea, "绿茶饼干", status=Product.DRAFT)
    create_product(demo, "明前绿茶")
    return demo, tea


def titles(store, query, **options):
    with tenant_context(store.id):
        return sorted(product.title for product in search_products(query, **options))


@pytest.mark.parametrize("query, expected", [
    ("绿茶", ["特级绿茶礼盒"]),
    ("特级绿茶", ["特级绿茶礼盒"]),
    ("绿茶礼盒", ["特级绿茶礼盒"]),
    ("茶", ["100%纯棉茶巾", "特级绿茶礼盒", "茶_具套装"]),
    ("龙井", ["西湖龙井 250g"]),
    ("250G", ["西湖龙井 250g"]),
    ("西湖 250g", ["西湖龙井 250g"]),
    ("红茶", []),
    ("", []),
    ("   ", []),
])
def test_chinese_queries_find_titles_containing_them(stores, query, expected):
    _demo, tea = stores
    assert titles(tea, query) == expected


@pytest.mark.parametrize("query, expected", [
    ("%", ["100%纯棉茶巾"]),
    ("_", ["茶_具套装"]),
    ("0%纯", ["100%纯棉茶巾"]),
    ("茶_具", ["茶_具套装"]),
    ("茶%具", []),
    ('"', []),
    ('绿茶" OR "龙井', []),
])
def test_wildcards_and_quotes_are_literal(stores, query, expected):
    _demo, tea = stores
    assert titles(tea, query) == expected


def test_another_stores_products_never_appear(stores):
    demo, tea = stores
    assert titles(demo, "绿茶") == ["明前绿茶"]
    assert titles(demo, "特级绿茶") == []
    assert "明前绿茶" not in titles(tea, "绿茶")
    assert titles(tea, "明前绿茶") == []


def test_console_search_includes_drafts(stores):
    _demo, tea = stores
    assert titles(tea, "绿茶", statuses=None) == ["特级绿茶礼盒", "绿茶饼干"]


def test_renamed_and_deleted_products_follow_in_search(stores):
    _demo, tea = stores
    with tenant_context(tea.id):
        product = search_products("特级绿茶")[0]
        product.title = "特级红茶礼盒"
        db.session.commit()
    assert titles(tea, "绿茶礼盒") == []
    assert titles(tea, "红茶礼盒") == ["特级红茶礼盒"]
    with tenant_context(tea.id):
        db.session.delete(search_products("红茶礼盒")[0])
        db.session.commit()
    assert titles(tea, "红茶礼盒") == []


def test_storefront_search_page_uses_it(stores, store_client):
    body = store_client("tea").get("/search?q=绿茶").get_data(as_text=True)
    assert "特级绿茶礼盒" in body and "明前绿茶" not in body


def test_control_characters_in_a_query_are_ignored_not_an_error(app_ctx, store_client):
    from tests.factories import create_store

    create_store("nulshop")
    response = store_client("nulshop").get("/search?q=%E7%BB%BF%00%E8%8C%B6")
    assert response.status_code == 200
