"""``safe_next``: every ``next`` parameter goes to a page of this host and nowhere else."""
import pytest

from core.redirects import safe_next
from tests.conftest import csrf_from
from tests.factories import create_member, create_store

HOST = "demo.duoshop.test"

HOSTILE = [
    "//evil.example",
    "///evil.example",
    "////evil.example/path",
    "/\t/evil.example",
    "/%09/evil.example",
    "/%2509/evil.example",
    "/\n/evil.example",
    "/%0a/evil.example",
    "/%0d%0aSet-Cookie:x=1",
    "/me\r\nLocation: https://evil.example",
    "/%00/evil.example",
    "\\\\evil.example",
    "/\\evil.example",
    "/%5cevil.example",
    "/%5Cevil.example",
    "\\/evil.example",
    "https://evil.example/",
    "http://evil.example",
    "HTTPS://EVIL.EXAMPLE",
    "https:evil.example",
    "http://demo.duoshop.test@evil.example/",
    "http://demo.duoshop.test.evil.example/",
    "ftp://demo.duoshop.test/",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(document.cookie)",
    "data:text/html,<script>alert(1)</script>",
    " //evil.example",
    "\x00//evil.example",
    "/%2F/evil.example",
    "/%252F%252Fevil.example",
    "/\u3000/evil.example",
    "/\u200b/evil.example",
    "evil.example",
    "me",
    "",
    None,
    "/" + "a" * 3000,
]

LEGITIMATE = [
    ("/", "/"),
    ("/me", "/me"),
    ("/products/7?sort=price#reviews", "/products/7?sort=price#reviews"),
    ("/search?q=%E9%99%B6%E7%93%B7", "/search?q=%E9%99%B6%E7%93%B7"),
    ("/console/orders?status=paid&page=2", "/console/orders?status=paid&page=2"),
    ("/商品/龙井", "/商品/龙井"),
    ("http://demo.duoshop.test/cart", "/cart"),
    ("https://demo.duoshop.test/orders?x=1", "/orders?x=1"),
    ("http://DEMO.duoshop.test", "/"),
]


@pytest.mark.parametrize("url", HOSTILE)
def test_a_hostile_next_falls_back(app, url):
    with app.test_request_context("/", base_url=f"http://{HOST}"):
        assert safe_next(url, "FALLBACK") == "FALLBACK"


@pytest.mark.parametrize(("url", "expected"), LEGITIMATE)
def test_a_page_of_this_host_is_kept(app, url, expected):
    with app.test_request_context("/", base_url=f"http://{HOST}"):
        assert safe_next(url, "FALLBACK") == expected


# --- every ``next`` in the app goes through it ------------------------------------------------

ATTACKS = ["/%09/evil.example", "/%0a/evil.example", "/%0d%0a/evil.example", "//evil.example",
           "https://evil.example/", "/%5Cevil.example"]


def _stays_home(response, *acceptable):
    assert response.status_code == 302, response.status_code
    location = response.headers["Location"]
    assert "evil" not in location and "\t" not in location and "\n" not in location
    assert location in acceptable, location


@pytest.mark.parametrize("query", ATTACKS)
def test_the_language_switch_stays_on_the_site(app_ctx, store_client, query):
    create_store("demo")
    response = store_client("demo").get(f"/lang/en?next={query}")
    _stays_home(response, "/")


@pytest.mark.parametrize("query", ATTACKS)
def test_a_signed_in_shopper_at_the_store_login_stays_in_the_store(app_ctx, store_client, query):
    demo = create_store("demo")
    member_id, _ = create_member(demo, openid="o-demo-1")
    shopper = store_client("demo")
    with shopper.session_transaction(base_url=f"http://{HOST}") as session:
        session["member_id"] = member_id
    _stays_home(shopper.get(f"/login?next={query}"), "/orders")


@pytest.mark.parametrize("query", ATTACKS)
def test_the_console_login_stays_in_the_console(app_ctx, platform_client, query):
    demo = create_store("demo")
    response = platform_client.post(f"/console/login?next={query}", data={
        "csrf_token": csrf_from(platform_client, "/console/login"), "slug": demo.slug,
        "email": demo.owner_email, "password": demo.password})
    _stays_home(response, "/console/")


def test_the_console_login_still_returns_to_the_page_asked_for(app_ctx, platform_client):
    demo = create_store("demo")
    asked = platform_client.get("/console/orders")
    assert asked.status_code == 302 and "next=" in asked.location
    response = platform_client.post(asked.location, data={
        "csrf_token": csrf_from(platform_client, asked.location),
        "slug": demo.slug, "email": demo.owner_email, "password": demo.password})
    assert response.status_code == 302 and response.headers["Location"] == "/console/orders"
