"""What a shopper sees on a store's lists, product pages, sitemap and link previews, with a
second store next to it whose products must never show up."""
import re
from xml.etree import ElementTree

import pytest
from sqlalchemy import update

from commerce.catalog.categories import create_category
from commerce.catalog.models import Product
from core.extensions import db
from core.tenancy import tenant_context
from tests.factories import create_product, create_store

CARD_TITLE = re.compile(r'<span class="product-title">([^<]*)</span>')
MORE_LINK = re.compile(r'href="(/[^"]*cursor=[^"]*)"')


@pytest.fixture
def stores(app_ctx):
    return create_store("demo"), create_store("tea")


def titles(body):
    return CARD_TITLE.findall(body)


def set_columns(store, product_id, **values):
    with tenant_context(store.id):
        db.session.execute(update(Product).where(Product.id == product_id).values(**values))
        db.session.commit()


def walk_pages(client, path):
    """Every product title of a list, following its "more" links to the end."""
    seen, pages = [], 0
    while path:
        body = client.get(path).get_data(as_text=True)
        seen += titles(body)
        more = MORE_LINK.search(body)
        path = more.group(1).replace("&amp;", "&") if more else None
        pages += 1
    return seen, pages


def test_sort_tabs_order_by_price_sales_and_newest(stores, store_client):
    demo, tea = stores
    cheap = create_product(demo, "便宜茶", price=500)
    dear = create_product(demo, "贵茶", price=9900)
    middle = create_product(demo, "中等茶", price=2000)
    set_columns(demo, middle, sold_count=50)
    set_columns(demo, cheap, sold_count=5)
    create_product(tea, "别家的茶", price=1)
    client = store_client("demo")
    assert titles(client.get("/products?sort=price_asc").get_data(as_text=True)) == ["便宜茶", "中等茶", "贵茶"]
    assert titles(client.get("/products?sort=price_desc").get_data(as_text=True)) == ["贵茶", "中等茶", "便宜茶"]
    assert titles(client.get("/products?sort=sales").get_data(as_text=True)) == ["中等茶", "便宜茶", "贵茶"]
    assert titles(client.get("/products?sort=newest").get_data(as_text=True)) == ["中等茶", "贵茶", "便宜茶"]
    assert dear


def test_recommended_order_puts_sold_out_products_last(stores, store_client):
    demo, _tea = stores
    create_product(demo, "卖完了", stock=0)
    create_product(demo, "有货", stock=3)
    body = store_client("demo").get("/products").get_data(as_text=True)
    assert titles(body) == ["有货", "卖完了"]
    assert "售罄" in body  # the sold-out badge, in the shopper's default language


def test_more_links_walk_every_product_exactly_once_in_every_sort(stores, store_client):
    demo, tea = stores
    for i in range(45):
        product_id = create_product(demo, f"商品{i:02d}", price=1000 + (i % 7) * 100, stock=i % 4)
        set_columns(demo, product_id, sold_count=i % 5)
    create_product(tea, "别家的商品")
    client = store_client("demo")
    for sort in ("default", "sales", "price_asc", "price_desc", "newest"):
        seen, pages = walk_pages(client, f"/products?sort={sort}")
        assert sorted(seen) == [f"商品{i:02d}" for i in range(45)], sort
        assert pages == 3


def test_price_and_stock_filters_narrow_the_list(stores, store_client):
    demo, _tea = stores
    create_product(demo, "十元", price=1000)
    create_product(demo, "二十元", price=2000)
    create_product(demo, "二十元售罄", price=2000, stock=0)
    create_product(demo, "五十元", price=5000)
    client = store_client("demo")
    assert sorted(titles(client.get("/products?min=15&max=30").get_data(as_text=True))) == ["二十元", "二十元售罄"]
    assert titles(client.get("/products?min=15&max=30&stock=1").get_data(as_text=True)) == ["二十元"]
    assert sorted(titles(client.get("/products?min=30&max=15").get_data(as_text=True))) == ["二十元", "二十元售罄"]
    assert "No products match" in client.get("/products?min=90", headers={"Accept-Language": "en"}).get_data(
        as_text=True)


def test_a_price_that_is_not_an_amount_is_named_and_ignored(stores, store_client):
    demo, _tea = stores
    create_product(demo, "十元", price=1000)
    response = store_client("demo").get("/products?min=abc", headers={"Accept-Language": "en"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "“abc” is not an amount in yuan" in body and titles(body) == ["十元"]


@pytest.mark.parametrize("cursor", ["garbage", "WyJuZXdlc3QiLCJ4Il0", "WyJzYWxlcyIsMV0"])
def test_a_broken_more_link_gets_a_clear_page_not_an_error(stores, store_client, cursor):
    response = store_client("demo").get(f"/products?sort=newest&cursor={cursor}", headers={"Accept-Language": "en"})
    assert response.status_code == 400
    assert "This link is out of date" in response.get_data(as_text=True)


def test_category_page_includes_subcategories_and_links_to_them(stores, store_client):
    demo, tea = stores
    with tenant_context(demo.id):
        parent = create_category(actor=None, name="茶叶")
        child = create_category(actor=None, name="绿茶", parent_id=parent.id)
        db.session.commit()
        parent_id, child_id = parent.id, child.id
    top = create_product(demo, "茶叶礼盒")
    inner = create_product(demo, "龙井")
    create_product(demo, "T恤", category_name="服饰")
    set_columns(demo, top, category_id=parent_id)
    set_columns(demo, inner, category_id=child_id)
    body = store_client("demo").get(f"/c/{parent_id}").get_data(as_text=True)
    assert sorted(titles(body)) == ["茶叶礼盒", "龙井"]
    assert f'href="/c/{child_id}"' in body
    assert titles(store_client("demo").get(f"/c/{child_id}").get_data(as_text=True)) == ["龙井"]
    assert store_client("tea").get(f"/c/{parent_id}").status_code == 404
    assert tea


def test_product_page_has_details_tags_and_link_preview(stores, store_client):
    demo, _tea = stores
    product_id = create_product(demo, '特级"绿茶"<礼盒>')
    set_columns(demo, product_id, subtitle="明前采摘", tags=["新品", "包邮"],
                description="<p>产地：杭州</p>", video_url="https://cdn.example.com/tea.mp4")
    body = store_client("demo").get(f"/products/{product_id}").get_data(as_text=True)
    assert '<meta name="description" content="明前采摘">' in body
    assert '<meta property="og:title" content="特级&#34;绿茶&#34;&lt;礼盒&gt;">' in body  # the share card's title
    assert '<meta property="og:type" content="product">' in body
    assert f'<link rel="canonical" href="http://demo.duoshop.test/products/{product_id}">' in body
    assert '<span class="tag">新品</span>' in body and "<p>产地：杭州</p>" in body
    assert '<video class="gallery-item" src="https://cdn.example.com/tea.mp4"' in body


def test_sitemap_lists_this_stores_pages_categories_and_products_only(stores, store_client):
    demo, tea = stores
    mine = create_product(demo, "龙井")
    hidden = create_product(demo, "草稿", status=Product.DRAFT)
    theirs = create_product(tea, "碧螺春")
    response = store_client("demo").get("/sitemap.xml")
    assert response.status_code == 200 and response.mimetype == "application/xml"
    namespace = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    urls = [loc.text for loc in ElementTree.fromstring(response.data).findall("s:url/s:loc", namespace)]
    assert "http://demo.duoshop.test/" in urls
    assert f"http://demo.duoshop.test/products/{mine}" in urls
    assert f"http://demo.duoshop.test/products/{hidden}" not in urls
    assert all(url.startswith("http://demo.duoshop.test/") for url in urls)
    assert any(url.startswith("http://demo.duoshop.test/c/") for url in urls)  # sample categories
    tea_urls = store_client("tea").get("/sitemap.xml").get_data(as_text=True)
    assert f"/products/{theirs}<" in tea_urls and f"/products/{mine}<" not in tea_urls


def test_robots_points_at_the_stores_own_sitemap(stores, store_client):
    body = store_client("tea").get("/robots.txt").get_data(as_text=True)
    assert "Sitemap: http://tea.duoshop.test/sitemap.xml" in body


def test_every_store_page_links_to_the_cart_orders_and_member_center_and_a_guest_can_sign_in(stores, store_client):
    shopper = store_client("demo")
    home = shopper.get("/").get_data(as_text=True)
    assert all(f'href="{path}"' in home for path in ("/cart", "/orders", "/me"))
    me = shopper.get("/me").get_data(as_text=True)
    assert 'href="/login?next=/me"' in me
    assert shopper.get("/login?next=/me").status_code == 200
