"""The mini-program API (/api/v1): each AppID sees only its own store, lists page with
cursors exactly once in every sort, and bad input is a 400 problem naming the parameter."""
import re

import pytest
from sqlalchemy import select

from commerce.catalog.models import Category, Product
from core.extensions import db
from core.tenancy import tenant_context
from tenants.models import MiniProgram, StaffUser
from tests.factories import create_product, create_store
from themes.models import Page
from themes.pages import create_page, publish_page, save_draft

DEMO_APPID = "wx0123456789abcdef"
TEA_APPID = "wxfedcba9876543210"
UNKNOWN_APPID = "wx1111111111111111"
ENGLISH = {"Accept-Language": "en"}

DEMO_PRODUCTS = [  # title, price (fen), sold, category
    ("纯棉短袖T恤", 7900, 5, "服饰"),
    ("牛仔裤", 15900, 40, "服饰"),
    ("羊毛围巾", 9900, 12, "配饰"),
    ("帆布鞋", 12900, 0, None),
    ("棒球帽", 4900, 12, "配饰"),
    ("运动袜", 1900, 99, None),
    ("纯棉睡衣", 9900, 3, "服饰"),
]


def _set_sold(store, product_id, sold):
    with tenant_context(store.id):
        db.session.get(Product, product_id).sold_count = sold
        db.session.commit()


def _bind_appid(store, appid):
    with tenant_context(store.id):
        db.session.add(MiniProgram(appid=appid))
        db.session.commit()


def _publish_home(store, document):
    with tenant_context(store.id):
        page = db.session.scalar(select(Page).where(Page.kind == Page.HOME))
        owner = db.session.scalar(select(StaffUser).where(StaffUser.role == StaffUser.OWNER))
        save_draft(page, document, expected_revision=page.draft_revision, actor=owner)
        publish_page(page, actor=owner)
        db.session.commit()


@pytest.fixture
def world(app_ctx):
    demo, tea = create_store("demo", name="Demo Shop"), create_store("tea", name="Tea House")
    ids = {}
    for title, price, sold, category in DEMO_PRODUCTS:
        ids[title] = create_product(demo, title, price=price, category_name=category)
        _set_sold(demo, ids[title], sold)
    ids["draft"] = create_product(demo, "未上架新品", status=Product.DRAFT)
    ids["tea_shirt"] = create_product(tea, "纯棉短袖T恤", price=6900, category_name="服饰")
    ids["tea_only"] = create_product(tea, "特级绿茶礼盒", price=29800)
    with tenant_context(demo.id):  # 童装 sits under 服饰
        clothes = db.session.scalar(select(Category).where(Category.name == "服饰"))
        kids = Category(name="童装", parent_id=clothes.id)
        db.session.add(kids)
        db.session.commit()
        ids["kids_category"], ids["clothes_category"] = kids.id, clothes.id
    ids["kids_shirt"] = create_product(demo, "儿童T恤", price=3900, category_name="童装")
    _bind_appid(demo, DEMO_APPID)
    _bind_appid(tea, TEA_APPID)
    return demo, tea, ids


@pytest.fixture
def lone_store(app_ctx):
    """One store with an AppID and nothing else: enough to check how parameters are read."""
    store = create_store("demo", name="Demo Shop", provision=False)
    _bind_appid(store, DEMO_APPID)
    return store


def api(client, path, appid=DEMO_APPID, **params):
    headers = {"X-Duoshop-AppID": appid, **ENGLISH} if appid else dict(ENGLISH)
    return client.get(f"/api/v1{path}", query_string=params or None, headers=headers)


def walk(client, limit, **params):
    """Every product of a list, following next_cursor to the end."""
    seen, cursor, pages = [], None, 0
    while True:
        query = {"limit": limit, **params, **({"cursor": cursor} if cursor else {})}
        response = api(client, "/products", **query)
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        assert len(body["items"]) <= limit
        seen.extend(body["items"])
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            return seen, pages
        assert pages < 50, "pagination does not end"


# --- tenants -------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/store", "/home", "/categories", "/products", "/search?q=纯棉"])
def test_each_appid_sees_only_its_own_store(world, platform_client, path):
    demo_body = api(platform_client, path, DEMO_APPID).get_data(as_text=True)
    tea_body = api(platform_client, path, TEA_APPID).get_data(as_text=True)
    assert demo_body != tea_body
    assert "特级绿茶礼盒" not in demo_body and "Tea House" not in demo_body
    for title, *_ in DEMO_PRODUCTS[1:]:
        assert title not in tea_body
    assert "Demo Shop" not in tea_body


def test_same_named_products_are_each_stores_own(world, platform_client):
    _demo, _tea, ids = world
    demo_items = api(platform_client, "/search", DEMO_APPID, q="纯棉短袖").get_json()["items"]
    tea_items = api(platform_client, "/search", TEA_APPID, q="纯棉短袖").get_json()["items"]
    assert [(p["id"], p["price"]) for p in demo_items] == [(ids["纯棉短袖T恤"], 7900)]
    assert [(p["id"], p["price"]) for p in tea_items] == [(ids["tea_shirt"], 6900)]


def test_product_of_another_store_is_a_404_problem(world, platform_client):
    _demo, _tea, ids = world
    response = api(platform_client, f"/products/{ids['tea_only']}", DEMO_APPID)
    assert response.status_code == 404 and response.mimetype == "application/problem+json"
    assert response.get_json()["status"] == 404
    assert api(platform_client, f"/products/{ids['tea_only']}", TEA_APPID).get_json()["title"] == "特级绿茶礼盒"


@pytest.mark.parametrize("path", ["/store", "/home", "/categories", "/products", "/products/1", "/search?q=x"])
def test_unknown_appid_is_a_404_problem(lone_store, platform_client, path):
    response = api(platform_client, path, UNKNOWN_APPID)
    assert response.status_code == 404 and response.mimetype == "application/problem+json"
    assert response.get_json()["title"] == "Store not found"


@pytest.mark.parametrize("path", ["/store", "/products"])
def test_platform_host_without_appid_names_no_store(lone_store, platform_client, path):
    response = api(platform_client, path, appid=None)
    assert response.status_code == 404 and response.mimetype == "application/problem+json"


def test_store_host_needs_no_appid(world, store_client):
    response = store_client("demo").get("/api/v1/store")
    assert response.get_json() == {"slug": "demo", "name": "Demo Shop", "logo_url": None, "theme": "default",
                                   "colors": {"primary": "#07c160", "accent": "#ee0a24", "background": "#f5f5f5"}}


def test_referer_of_the_mini_program_names_the_store(world, platform_client):
    referer = f"https://servicewechat.com/{TEA_APPID}/0/page-frame.html"
    response = platform_client.get("/api/v1/store", headers={"Referer": referer})
    assert response.get_json()["slug"] == "tea"


# --- products: pages, sorts, filters ---------------------------------------------------------

def _on_sale(ids):
    return {ids[title] for title, *_ in DEMO_PRODUCTS} | {ids["kids_shirt"]}


@pytest.mark.parametrize("sort", ["newest", "price_asc", "price_desc", "sales"])
def test_pagination_walks_every_product_exactly_once(world, platform_client, sort):
    _demo, _tea, ids = world
    for limit in (1, 2, 3, 8, 50):
        seen, pages = walk(platform_client, limit, sort=sort)
        seen_ids = [p["id"] for p in seen]
        assert len(seen_ids) == len(set(seen_ids)), f"a product came twice with limit={limit}"
        assert set(seen_ids) == _on_sale(ids)
        assert pages == -(-len(seen_ids) // limit)


def test_newest_first_is_the_default_order(world, platform_client):
    seen, _ = walk(platform_client, 3)
    ids = [p["id"] for p in seen]
    assert ids == sorted(ids, reverse=True)


@pytest.mark.parametrize("sort, key", [
    ("price_asc", lambda p: (p["price"], -p["id"])),
    ("price_desc", lambda p: (-p["price"], -p["id"])),
    ("sales", lambda p: (-p["sold_count"], -p["id"])),
])
def test_sorting_orders_with_ties_broken_newest_first(world, platform_client, sort, key):
    seen, _ = walk(platform_client, 2, sort=sort)
    assert seen == sorted(seen, key=key)
    assert len({p["price"] for p in seen}) < len(seen) or sort == "sales"  # the data has ties to break


def test_list_items_keep_the_documented_fields(world, platform_client):
    item = api(platform_client, "/products", limit=1).get_json()["items"][0]
    assert {"id", "title", "subtitle", "price", "category_id"} <= item.keys()


def test_category_filter_includes_subcategories(world, platform_client):
    _demo, _tea, ids = world
    seen, _ = walk(platform_client, 2, category_id=ids["clothes_category"])
    assert {p["title"] for p in seen} == {"纯棉短袖T恤", "牛仔裤", "纯棉睡衣", "儿童T恤"}
    kids, _ = walk(platform_client, 2, category_id=ids["kids_category"])
    assert [p["title"] for p in kids] == ["儿童T恤"]


def test_category_of_another_store_lists_nothing(world, platform_client):
    with tenant_context(world[1].id):
        tea_category = db.session.scalar(select(Category.id).where(Category.name == "服饰"))
    assert api(platform_client, "/products", category_id=tea_category).get_json()["items"] == []


def test_search_pages_like_the_list(world, platform_client):
    first = api(platform_client, "/search", q="纯棉", limit=1).get_json()
    second = api(platform_client, "/search", q="纯棉", limit=1, cursor=first["next_cursor"]).get_json()
    assert {first["items"][0]["title"], second["items"][0]["title"]} == {"纯棉短袖T恤", "纯棉睡衣"}
    assert second["next_cursor"] is None
    assert api(platform_client, "/products", q="纯棉").get_json()["items"] == first["items"] + second["items"]


def test_drafts_are_not_listed_or_shown(world, platform_client):
    _demo, _tea, ids = world
    assert "未上架新品" not in api(platform_client, "/products", limit=50).get_data(as_text=True)
    assert api(platform_client, f"/products/{ids['draft']}").status_code == 404


def test_product_detail(world, platform_client):
    _demo, _tea, ids = world
    body = api(platform_client, f"/products/{ids['牛仔裤']}").get_json()
    assert body["title"] == "牛仔裤" and body["price"] == 15900 and body["sold_count"] == 40


def test_huge_product_id_is_404_not_a_crash(lone_store, platform_client):
    assert api(platform_client, "/products/99999999999999999999").status_code == 404


# --- bad parameters ------------------------------------------------------------------------

@pytest.mark.parametrize("path, params, name", [
    ("/products", {"limit": "0"}, "limit"),
    ("/products", {"limit": "1000"}, "limit"),
    ("/products", {"limit": "-1"}, "limit"),
    ("/products", {"limit": "ten"}, "limit"),
    ("/products", {"sort": "bogus"}, "sort"),
    ("/products", {"cursor": "garbage"}, "cursor"),
    ("/products", {"cursor": "eyJzIjoibmV3ZXN0IiwiayI6WyJ4Il19"}, "cursor"),  # well-formed, wrong key type
    ("/products", {"category_id": "abc"}, "category_id"),
    ("/products", {"category_id": "0"}, "category_id"),
    ("/products", {"q": "长" * 51}, "q"),
    ("/search", {}, "q"),
    ("/search", {"q": "   "}, "q"),
    ("/search", {"q": "x", "limit": "51"}, "limit"),
])
def test_bad_parameters_are_400_problems_naming_the_parameter(lone_store, platform_client, path, params, name):
    response = api(platform_client, path, **params)
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == 400 and body["title"] == "Bad request"
    assert body["detail"].startswith(name) and body["invalid_params"][0]["name"] == name
    assert "Traceback" not in response.get_data(as_text=True)


def test_cursor_of_another_sort_is_refused(world, platform_client):
    cursor = api(platform_client, "/products", limit=1, sort="price_asc").get_json()["next_cursor"]
    response = api(platform_client, "/products", limit=1, sort="sales", cursor=cursor)
    assert response.status_code == 400 and response.get_json()["invalid_params"][0]["name"] == "cursor"


# --- store, categories, home -----------------------------------------------------------------

def test_categories_are_a_tree(world, platform_client):
    _demo, _tea, ids = world
    roots = api(platform_client, "/categories").get_json()["items"]
    clothes = next(node for node in roots if node["id"] == ids["clothes_category"])
    assert [child["name"] for child in clothes["children"]] == ["童装"]
    assert all(node["parent_id"] is None for node in roots)
    assert "童装" not in [node["name"] for node in roots]


HOME = {
    "blocks": {
        "hello": {"type": "notice", "settings": {"text": "新品上市"}},
        "grid": {"type": "product_grid", "settings": {"title": "热卖", "source": "best_selling", "count": 2}},
        "hidden": {"type": "product_grid", "settings": {"title": "隐藏"}, "hidden": True},
        "cats": {"type": "category_grid", "settings": {"title": "分类", "count": 3}},
    },
    "order": ["hello", "grid", "hidden", "cats"],
}


def test_home_is_the_published_document_with_its_data(world, platform_client):
    demo, _tea, _ids = world
    _publish_home(demo, HOME)
    response = api(platform_client, "/home")
    body = response.get_json()
    assert response.status_code == 200 and body["page"]["version"] == 2
    assert [block["id"] for block in body["blocks"]] == ["hello", "grid", "cats"]
    hello, grid, cats = body["blocks"]
    assert hello["type"] == "notice" and "products" not in hello
    assert grid["settings"]["title"] == "热卖" and grid["settings"]["count"] == 2
    assert [p["title"] for p in grid["products"]] == ["运动袜", "牛仔裤"]
    assert len(cats["categories"]) == 3 and all(c["parent_id"] is None for c in cats["categories"])
    assert "<" not in response.get_data(as_text=True)  # data, not HTML


def test_home_follows_catalog_changes_and_revalidates(world, platform_client):
    demo, _tea, ids = world
    _publish_home(demo, HOME)
    first = api(platform_client, "/home")
    again = platform_client.get("/api/v1/home", headers={"X-Duoshop-AppID": DEMO_APPID, **ENGLISH,
                                                         "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    _set_sold(demo, ids["帆布鞋"], 500)
    grid = api(platform_client, "/home").get_json()["blocks"][1]
    assert grid["products"][0]["title"] == "帆布鞋"


def test_home_of_a_fresh_store_has_no_blocks(world, platform_client):
    body = api(platform_client, "/home", TEA_APPID).get_json()
    assert body["blocks"] == [] and body["page"]["title"]


def test_published_content_may_be_cached_briefly_per_appid(world, platform_client):
    response = api(platform_client, "/products")
    assert response.cache_control.max_age == 60
    assert "X-Duoshop-AppID" in response.headers["Vary"]
    assert "max-age" not in api(platform_client, "/products", limit="0").headers.get("Cache-Control", "")


# --- the OpenAPI document ------------------------------------------------------------------

def test_openapi_document_is_served_on_the_platform_host_without_appid(platform_client):
    response = platform_client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"] == "3.1.0"
    assert {"/api/v1/store", "/api/v1/home", "/api/v1/categories", "/api/v1/products", "/api/v1/products/{product_id}",
            "/api/v1/search", "/api/v1/session", "/api/v1/me"} <= set(document["paths"])
    params = document["components"]["parameters"]
    assert params["AppID"]["name"] == "X-Duoshop-AppID"
    not_found = document["paths"]["/api/v1/products/{product_id}"]["get"]["responses"]["404"]
    assert not_found["content"].keys() == {"application/problem+json"}


def test_every_api_route_is_documented(app, platform_client):
    routes = {re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
              for rule in app.url_map.iter_rules() if rule.endpoint.startswith("api.") and rule.endpoint != "api.openapi_json"}
    assert routes == set(platform_client.get("/api/v1/openapi.json").get_json()["paths"])


def _custom_page(store, slug, *, publish):
    with tenant_context(store.id):
        owner = db.session.scalar(select(StaffUser).where(StaffUser.role == StaffUser.OWNER))
        page = create_page(actor=owner, title=f"活动 {slug}", slug=slug)
        save_draft(page, {"blocks": {"n": {"type": "notice", "settings": {"text": f"{slug} 开抢"}}}, "order": ["n"]},
                   expected_revision=page.draft_revision, actor=owner)
        if publish:
            publish_page(page, actor=owner)
        db.session.commit()


def test_a_published_custom_page_is_served_by_its_slug_and_a_draft_or_another_stores_is_not(world, platform_client):
    demo, tea, _ids = world
    _custom_page(demo, "double-eleven", publish=True)
    _custom_page(demo, "secret-sale", publish=False)
    _custom_page(tea, "tea-week", publish=True)
    body = api(platform_client, "/pages/double-eleven").get_json()
    assert body["page"]["title"] == "活动 double-eleven"
    assert [block["settings"]["text"] for block in body["blocks"]] == ["double-eleven 开抢"]
    assert api(platform_client, "/pages/secret-sale").status_code == 404
    assert api(platform_client, "/pages/tea-week").status_code == 404
    assert api(platform_client, "/pages/tea-week", appid=TEA_APPID).status_code == 200
    assert api(platform_client, "/pages/Bad..Slug").status_code == 404
