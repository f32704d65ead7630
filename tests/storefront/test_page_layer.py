"""The WSGI layer in front of Flask (storefront/page_layer.py): an anonymous repeat visit of a
cached page is answered without entering Flask, with the very bytes and headers the full path
answers; everything else goes to Flask; a change shows at once; one store's page never shows
on another store's host."""
import pytest
from flask import request_started
from flask.globals import _cv_app
from sqlalchemy import select
from werkzeug.test import Client

from billing.subscriptions import subscription_of, transition
from commerce.catalog.models import Category, Product
from core.extensions import db
from core.tenancy import tenant_context
from tests.factories import create_member, create_product, create_store, login_staff
from tests.themes.test_page_cache_invalidation import document, grid, header, owner, publish
from themes.pages import create_page

EN = {"Accept-Language": "en"}
# What a shopper's browser and any cache in between act on; X-Request-ID differs per request.
HEADERS_THAT_MATTER = ("Content-Type", "Content-Length", "Cache-Control", "ETag", "Vary", "Content-Language",
                       "Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy",
                       "Strict-Transport-Security", "Set-Cookie")


@pytest.fixture
def shop(app_ctx):
    demo, tea = create_store("demo", name="Demo Shop"), create_store("tea", name="Tea House")
    product_id = create_product(demo, "纯棉短袖T恤", price=7900, category_name="上衣")
    create_product(tea, "特级绿茶礼盒", price=29800, category_name="绿茶")
    publish(demo, document(header(), grid("演示新品")))
    publish(tea, document(header(), grid("茶叶新品")))
    with tenant_context(demo.id):
        category_id = db.session.scalar(select(Category.id))
        page = create_page(actor=owner(), title="演示活动", slug="sale")
        db.session.commit()
    publish(demo, document(grid("演示活动")), page=page)
    return demo, tea, product_id, category_id


@pytest.fixture
def flask_entered(app):
    """How many requests reached Flask (the layer answers without a request context)."""
    seen = []

    def count(sender, **extra):
        seen.append(1)

    request_started.connect(count, app)
    yield seen
    request_started.disconnect(count, app)


def full_path(app, host):
    """A client that skips the layer: straight into Flask's own WSGI app."""
    inner = app.extensions["duoshop_page_layer"].wsgi_app

    def wsgi(environ, start_response):
        hidden = _cv_app.set(None)  # its own app context, as in production
        try:
            return inner(environ, start_response)
        finally:
            _cv_app.reset(hidden)

    client = Client(wsgi)
    return lambda path, method="GET", **kwargs: client.open(path, base_url=f"http://{host}", method=method, **kwargs)


def warmed(client, path, **kwargs):
    """Render (miss), then a full-path cache hit the layer keeps."""
    for _ in range(2):
        assert client.get(path, **kwargs).status_code == 200
    return client


def pages(shop):
    _demo, _tea, product_id, category_id = shop
    return ["/", f"/products/{product_id}", f"/c/{category_id}", f"/c/{category_id}?sort=price_asc", "/products",
            "/p/sale"]


def assert_same_answer(layer, full):
    assert layer.status_code == full.status_code
    assert layer.get_data() == full.get_data()
    for name in HEADERS_THAT_MATTER:
        assert layer.headers.getlist(name) == full.headers.getlist(name), name
    assert sorted(layer.headers.keys()) == sorted(full.headers.keys())
    assert layer.headers["X-Request-ID"] and layer.headers["X-Request-ID"] != full.headers["X-Request-ID"]


def test_every_cached_page_answers_the_same_bytes_and_headers_both_ways(app, shop, store_client, flask_entered):
    client = store_client("demo")
    direct = full_path(app, "demo.duoshop.test")
    for path in pages(shop):
        for language in ({}, EN):
            warmed(client, path, headers=language)
            entered = len(flask_entered)
            layer = client.get(path, headers=language)
            assert len(flask_entered) == entered, f"{path} entered Flask"
            full = direct(path, headers=language)
            assert len(flask_entered) == entered + 1
            assert layer.status_code == 200 and layer.headers["ETag"]
            assert_same_answer(layer, full)

            etag = {"If-None-Match": layer.headers["ETag"], **language}
            assert_same_answer(client.get(path, headers=etag), direct(path, headers=etag))
            assert_same_answer(client.head(path, headers=language), direct(path, method="HEAD", headers=language))
            assert len(flask_entered) == entered + 3  # the layer answered the 304 and the HEAD too


def test_the_language_is_part_of_the_copy(shop, store_client):
    client = warmed(store_client("demo"), "/")
    assert '<html lang="zh' in client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in client.get("/", headers=EN).get_data(as_text=True)
    client.set_cookie("lang", "en", domain="demo.duoshop.test")
    assert '<html lang="en">' in client.get("/").get_data(as_text=True)


def test_a_request_id_sent_is_echoed_by_the_layer(shop, store_client, flask_entered):
    client = warmed(store_client("demo"), "/")
    entered = len(flask_entered)
    assert client.get("/", headers={"X-Request-ID": "abcdef0123456789"}).headers["X-Request-ID"] == "abcdef0123456789"
    assert client.get("/", headers={"X-Request-ID": "bad id!"}).headers["X-Request-ID"] != "bad id!"
    assert len(flask_entered) == entered


def test_the_first_visit_goes_to_flask(shop, store_client, flask_entered):
    store_client("demo").get("/")
    assert len(flask_entered) == 1


def test_a_signed_in_shopper_goes_to_flask(shop, store_client, flask_entered):
    demo = shop[0]
    member_id, _ = create_member(demo, nickname="小明")
    client = warmed(store_client("demo"), "/")
    with client.session_transaction(base_url="http://demo.duoshop.test") as session:
        session["member_id"] = member_id
    entered = len(flask_entered)
    assert client.get("/").status_code == 200
    assert len(flask_entered) == entered + 1


def test_a_waiting_message_goes_to_flask_and_is_not_stored(shop, store_client, flask_entered):
    client = warmed(store_client("demo"), "/")
    with client.session_transaction(base_url="http://demo.duoshop.test") as session:
        session["_flashes"] = [("message", "优惠券已领取")]
    entered = len(flask_entered)
    shown = client.get("/")
    assert len(flask_entered) == entered + 1
    assert shown.status_code == 200 and "优惠券已领取" in shown.get_data(as_text=True)
    assert shown.headers["Cache-Control"] == "no-store"


def test_a_remember_me_cookie_goes_to_flask(shop, store_client, flask_entered):
    client = warmed(store_client("demo"), "/")
    client.set_cookie("remember_token", "x", domain="demo.duoshop.test")
    entered = len(flask_entered)
    client.get("/")
    assert len(flask_entered) == entered + 1


def test_a_post_goes_to_flask(shop, store_client, flask_entered):
    client = warmed(store_client("demo"), "/")
    entered = len(flask_entered)
    assert client.post("/").status_code in (400, 403, 405)
    assert len(flask_entered) == entered + 1


def test_a_referral_link_goes_to_flask(shop, store_client, flask_entered):
    client = warmed(store_client("demo"), "/?ref=abc")
    entered = len(flask_entered)
    client.get("/?ref=abc")
    assert len(flask_entered) == entered + 1


def test_the_console_preview_goes_to_flask(shop, platform_client, flask_entered):
    demo = shop[0]
    login_staff(platform_client, demo)
    with tenant_context(demo.id):
        from themes.models import Page  # noqa: PLC0415 - a test's local need

        page_id = db.session.scalar(select(Page.id).where(Page.slug == "sale"))
    for _ in range(3):
        entered = len(flask_entered)
        assert platform_client.get(f"/console/pages/{page_id}/preview").status_code == 200
        assert len(flask_entered) == entered + 1


def test_a_suspended_store_is_closed_at_once(shop, store_client, flask_entered):
    demo = shop[0]
    client = warmed(store_client("demo"), "/", headers=EN)
    with tenant_context(demo.id):
        assert transition(subscription_of(), "suspend", reason="unpaid")
        db.session.commit()
    closed = client.get("/", headers=EN)
    assert closed.status_code == 403 and "Store closed" in closed.get_data(as_text=True)


def test_a_product_edit_shows_in_the_next_hit(shop, store_client, flask_entered):
    demo, _tea, product_id, _category_id = shop
    client = store_client("demo")
    for path in ("/", f"/products/{product_id}"):
        warmed(client, path)
    before = client.get(f"/products/{product_id}")
    with tenant_context(demo.id):
        db.session.get(Product, product_id).title = "限量款T恤"
        db.session.commit()
    for path in ("/", f"/products/{product_id}"):
        after = client.get(path, headers={"If-None-Match": before.headers["ETag"]})
        assert after.status_code == 200 and "限量款T恤" in after.get_data(as_text=True)
        assert client.get(path).get_data() == after.get_data()


def test_one_stores_page_never_answers_on_another_stores_host(shop, store_client, flask_entered):
    demo_client, tea_client = store_client("demo"), store_client("tea")
    for client in (demo_client, tea_client):
        warmed(client, "/")
    for _ in range(2):
        demo_page, tea_page = demo_client.get("/").get_data(as_text=True), tea_client.get("/").get_data(as_text=True)
        assert "演示新品" in demo_page and "茶叶新品" not in demo_page
        assert "茶叶新品" in tea_page and "演示新品" not in tea_page
    warmed(demo_client, "/p/sale")
    assert tea_client.get("/p/sale").status_code == 404  # tea has no such page; demo's copy is not tea's


def test_a_renamed_store_shows_its_new_name_at_once(shop, store_client):
    from tenants.models import Tenant  # noqa: PLC0415 - a test's local need

    demo = shop[0]
    client = warmed(store_client("demo"), "/")
    db.session.get(Tenant, demo.id).name = "Demo Shop 2.0"
    db.session.commit()
    assert "Demo Shop 2.0" in client.get("/").get_data(as_text=True)


def test_with_the_page_cache_off_nothing_is_kept(shop, store_client, flask_entered, app):
    app.config["PAGE_CACHE"] = False
    try:
        client = store_client("demo")
        for _ in range(3):
            assert "演示新品" in client.get("/").get_data(as_text=True)
        assert len(flask_entered) == 3
    finally:
        app.config["PAGE_CACHE"] = True
