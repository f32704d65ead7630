"""Redis down takes nothing down: with ``REDIS_URL`` at a port where nothing listens, shoppers
get every page from the database (nothing stale, one warning in the log, not one per
request), merchants sign in with the login still rate-limited in memory, and ``/readyz``
says what is missing while ``/healthz`` stays 200. Built as a second app on the same
database, as a web process whose Redis went away would be."""
import logging
import uuid
from datetime import timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import delete, insert, update

from commerce.catalog.categories import create_category
from commerce.catalog.models import Product
from core.breaker import quick_redis
from core.extensions import db, limiter
from core.models import utcnow
from core.outbox import OutboxEvent
from core.tenancy import tenant_context
from duoshop.app import create_app
from tests.conftest import HostClient
from tests.factories import create_member, create_product, create_store, login_staff, sku_of

CLOSED_PORT = "redis://127.0.0.1:1/0"
EN = {"Accept-Language": "en"}


def restore_limiter(app):
    """The limiter is one object per process: give it back the suite's storage, alive."""
    limiter.init_app(app)
    limiter._storage_dead = False  # noqa: SLF001 — no public way to say the suite's storage is fine


@pytest.fixture
def no_redis(app, app_overrides):
    """An app like the suite's whose Redis (cache and rate limits) is a closed port."""
    degraded = create_app("test", overrides={**app_overrides, "REDIS_URL": CLOSED_PORT,
                                             "RATELIMIT_STORAGE_URI": CLOSED_PORT, "JOB_MODE": "eager"})
    degraded.test_client_class = HostClient
    yield degraded
    restore_limiter(app)


@pytest.fixture
def stores(app_ctx):
    demo, tea = create_store("demo", name="Demo Shop"), create_store("tea", name="Tea House")
    with tenant_context(demo.id):
        shirts = create_category(actor=None, name="短袖")
        db.session.commit()
        category_id = shirts.id
    product_id = create_product(demo, "纯棉短袖T恤", price=7900, category_name="短袖")
    create_product(tea, "特级绿茶礼盒", price=29800)
    return demo, tea, product_id, category_id


def client_of(app, host, address):
    client = app.test_client(host=host)
    client.environ_base["REMOTE_ADDR"] = address  # rate limits count per client address
    return client


def test_store_pages_and_the_api_are_served_from_the_database_with_one_warning(no_redis, stores, caplog):
    demo, _tea, product_id, category_id = stores
    shopper = client_of(no_redis, "demo.duoshop.test", "10.1.0.1")
    caplog.set_level(logging.WARNING, logger="core.breaker")
    for _ in range(2):  # the second visit would be the cached one
        home = shopper.get("/", headers=EN)
        assert home.status_code == 200 and "纯棉短袖T恤" in home.get_data(as_text=True)
        assert "特级绿茶礼盒" not in home.get_data(as_text=True)
        product = shopper.get(f"/products/{product_id}", headers=EN)
        assert product.status_code == 200 and "纯棉短袖T恤" in product.get_data(as_text=True)
        category = shopper.get(f"/c/{category_id}", headers=EN)
        assert category.status_code == 200 and "纯棉短袖T恤" in category.get_data(as_text=True)
        api = shopper.get("/api/v1/products", headers=EN)
        assert api.status_code == 200 and [item["title"] for item in api.get_json()["items"]] == ["纯棉短袖T恤"]
    warnings = [record for record in caplog.records if record.name == "core.breaker"]
    assert len(warnings) == 1 and "unreachable" in warnings[0].getMessage()


def test_a_change_shows_at_once_while_redis_is_down(no_redis, stores):
    demo, _tea, product_id, _category_id = stores
    shopper = client_of(no_redis, "demo.duoshop.test", "10.1.0.2")
    assert "纯棉短袖T恤" in shopper.get(f"/products/{product_id}").get_data(as_text=True)
    with tenant_context(demo.id):  # the version bump for this change cannot reach Redis either
        db.session.execute(update(Product).where(Product.id == product_id).values(title="加厚卫衣"))
        db.session.commit()
    body = shopper.get(f"/products/{product_id}").get_data(as_text=True)
    assert "加厚卫衣" in body and "纯棉短袖T恤" not in body


def test_console_sign_in_works_and_is_still_rate_limited_in_memory(no_redis, stores):
    demo = stores[0]
    merchant = client_of(no_redis, "duoshop.test", "10.1.0.3")
    refused = login_staff(merchant, demo, password="not-the-password-1")
    assert refused.status_code == 401
    assert "Store address, email or password is not correct." in refused.get_data(as_text=True)
    signed_in = login_staff(merchant, demo)
    assert signed_in.status_code == 302 and signed_in.location.endswith("/console/")
    assert merchant.get("/console/", headers=EN).status_code == 200

    guesser = client_of(no_redis, "duoshop.test", "10.1.0.4")
    statuses = [login_staff(guesser, demo, password="wrong-password-1").status_code for _ in range(6)]
    assert statuses == [401] * 5 + [429]  # LOGIN_RATE_LIMIT is 5 per minute in tests


def test_sign_up_works_without_redis(no_redis, app_ctx):
    from tests.conftest import csrf_from

    visitor = client_of(no_redis, "duoshop.test", "10.1.0.5")
    response = visitor.post("/signup", headers=EN, data={
        "csrf_token": csrf_from(visitor, "/signup"), "email": "new@shop.example.com", "password": "correct-horse-42",
        "store_name": "New Shop", "slug": "new-shop"})
    assert response.status_code == 302 and "/console/" in response.location


def test_healthz_answers_and_readyz_names_redis_when_it_is_down(no_redis):
    client = client_of(no_redis, "unknown-store.duoshop.test", "10.1.0.6")  # every host, known or not
    live = client.get("/healthz")
    assert live.status_code == 200 and live.get_json()["status"] == "ok"
    ready = client.get("/readyz")
    body = ready.get_json()
    assert ready.status_code == 503 and body["status"] == "unavailable"
    assert body["checks"]["redis"]["ok"] is False and body["checks"]["database"]["ok"] is True
    for response in (live, ready):
        assert response.headers["Cache-Control"] == "no-store" and "Set-Cookie" not in response.headers


@pytest.mark.redis
def test_readyz_is_200_with_the_database_and_redis_up(app, stores, store_client, platform_client):
    for client in (platform_client, store_client("demo")):
        ready = client.get("/readyz")
        assert ready.status_code == 200, ready.get_json()
        assert {name: check["ok"] for name, check in ready.get_json()["checks"].items()} == {
            "database": True, "redis": True, "outbox": True}
        assert "Set-Cookie" not in ready.headers


@pytest.mark.redis
def test_a_page_cached_before_redis_went_away_is_not_served_after_a_change(app, stores, store_client):
    """The process keeps its own copy of cached pages; with the version unreadable it must
    not hand that copy out, since the change that would have bumped the version is unseen."""
    demo, _tea, product_id, _category_id = stores
    shopper = store_client("demo")
    assert "纯棉短袖T恤" in shopper.get(f"/products/{product_id}").get_data(as_text=True)  # now cached, near too
    backend = app.extensions["duoshop_cache"]
    reachable = backend.redis
    backend.redis = quick_redis(CLOSED_PORT, 0.25)  # Redis goes away
    try:
        with tenant_context(demo.id):  # the merchant renames it; the version bump cannot reach Redis
            db.session.get(Product, product_id).title = "加厚卫衣"
            db.session.commit()
        response = shopper.get(f"/products/{product_id}")
        assert response.status_code == 200 and "加厚卫衣" in response.get_data(as_text=True)
    finally:
        backend.redis = reachable
        backend.breaker._open_until = 0  # noqa: SLF001 — Redis is back: do not wait out the pause



def test_the_platform_queue_screen_says_redis_is_away_instead_of_failing(app, app_overrides, app_ctx):
    from tests.billing.test_platform_console import sign_in_new_admin

    queued = create_app("test", overrides={**app_overrides, "REDIS_URL": CLOSED_PORT,
                                           "RATELIMIT_STORAGE_URI": CLOSED_PORT, "JOB_MODE": "rq"})
    queued.test_client_class = HostClient
    try:
        admin = sign_in_new_admin(client_of(queued, "duoshop.test", "10.1.0.7"))
        response = admin.get("/platform/queues", headers=EN)
        assert response.status_code == 200
        assert "Redis does not answer, so the queues cannot be shown now." in response.get_data(as_text=True)
    finally:
        restore_limiter(app)


def test_the_flash_sale_gate_steps_aside_and_the_sale_still_sells_exactly_its_units(no_redis, stores):
    from commerce.marketing.flash_sales.errors import FlashSaleProblem
    from tests.commerce.marketing.flash_sales.test_flash_sales import buy, flash_sale

    demo, _tea, product_id, _category_id = stores
    no_redis.config["FLASH_SALE_GATE"] = True
    with no_redis.app_context(), force_locale("en"):  # a web process whose Redis is gone, the gate on
        sku_id = sku_of(demo, product_id)
        flash_sale(demo, sku_id, units=3, limit=2)
        assert buy(demo, create_member(demo), sku_id, quantity=2).subtotal == 1980
        assert buy(demo, create_member(demo, nickname="乙"), sku_id).subtotal == 990
        with pytest.raises(FlashSaleProblem, match="sold out"):
            buy(demo, create_member(demo, nickname="丙"), sku_id)


@pytest.mark.redis
def test_a_version_bump_lost_while_redis_was_away_is_made_when_it_answers_again(app_ctx, monkeypatch):
    from core import cache

    monkeypatch.setitem(app_ctx.config, "CACHE_VERSION_MEMO_SECONDS", 0)
    before = cache.current_versions(41, "catalog")[0]
    other_store = cache.current_versions(42, "catalog")[0]
    backend = app_ctx.extensions["duoshop_cache"]
    reachable = backend.redis
    backend.redis = quick_redis(CLOSED_PORT, 0.25)
    try:
        assert cache.bump_version(41, "catalog") is None  # a product changed; Redis did not hear of it
        assert cache.current_versions(41, "catalog")[0] < 0  # unknown: matches no cached page
    finally:
        backend.redis = reachable
        backend.breaker._open_until = 0  # noqa: SLF001 — Redis is back: do not wait out the pause
    assert cache.current_versions(41, "catalog") == [before + 1]
    assert cache.current_versions(42, "catalog") == [other_store]


def test_readyz_fails_when_outbox_events_wait_longer_than_allowed(owner_engine, platform_client):
    """Work after commit that nobody hands out (no relay, no worker) makes the process not ready."""
    event_id = str(uuid.uuid4())
    with owner_engine.begin() as connection:  # beside the app's sessions: no after-commit relay hands it out
        connection.execute(insert(OutboxEvent).values(id=event_id, tenant_id=None, topic="test.stuck", payload={},
                                                      available_at=utcnow() - timedelta(minutes=10), attempts=0,
                                                      created_at=utcnow() - timedelta(minutes=10)))
    try:
        ready = platform_client.get("/readyz")
        assert ready.status_code == 503
        assert ready.get_json()["checks"]["outbox"]["ok"] is False
        assert "waited" in ready.get_json()["checks"]["outbox"]["error"]
    finally:
        with owner_engine.begin() as connection:
            connection.execute(delete(OutboxEvent).where(OutboxEvent.id == event_id))
    outbox = platform_client.get("/readyz").get_json()["checks"]["outbox"]
    assert outbox["ok"] is True and outbox["detail"]["lag_seconds"] < 300
