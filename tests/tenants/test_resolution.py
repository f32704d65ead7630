"""Which store a request reaches: subdomain, custom domain, AppID, and the refusals."""
import pytest

from core.extensions import db
from core.tenancy import tenant_context
from tenants.models import Domain, MiniProgram
from tenants.resolve import PLATFORM, STORE, StoreNotFound, appid_from_request, normalize_host, resolve_tenant
from tests.conftest import PLATFORM_HOST
from tests.factories import create_store

DEMO_APPID = "wx0123456789abcdef"
TEA_APPID = "wxfedcba9876543210"


@pytest.fixture
def stores(app_ctx):
    demo, tea = create_store("demo", name="Demo Shop"), create_store("tea", name="Tea House")
    with tenant_context(demo.id):
        db.session.add(MiniProgram(appid=DEMO_APPID))
        db.session.add(Domain(hostname="shop.demo-brand.cn", verified=True, verification_token="t1"))
        db.session.add(Domain(hostname="unverified.example.com", verified=False, verification_token="t2"))
        db.session.commit()
    with tenant_context(tea.id):
        db.session.add(MiniProgram(appid=TEA_APPID))
        db.session.commit()
    return demo, tea


def resolve(host, **kwargs):
    return resolve_tenant(host, platform_domain=PLATFORM_HOST, **kwargs)


@pytest.mark.parametrize("host, expected", [
    ("demo.duoshop.test", "demo"),
    ("DEMO.Duoshop.TEST", "demo"),
    ("demo.duoshop.test:5000", "demo"),
    ("demo.duoshop.test.", "demo"),
    ("tea.duoshop.test:443", "tea"),
    ("shop.demo-brand.cn", "demo"),
    ("SHOP.demo-brand.cn:8080", "demo"),
])
def test_store_hosts_resolve_to_their_store(stores, host, expected):
    resolution = resolve(host)
    assert resolution.site == STORE
    assert resolution.tenant.slug == expected


@pytest.mark.parametrize("host", [
    "nosuch.duoshop.test",
    "unverified.example.com",
    "a.demo.duoshop.test",
    "www2.example.org",
    "api.duoshop.test",
    "admin.duoshop.test",
    "static.duoshop.test",
])
def test_unknown_unverified_nested_or_reserved_hosts_find_no_store(stores, host):
    with pytest.raises(StoreNotFound):
        resolve(host)


@pytest.mark.parametrize("host", ["duoshop.test", "DUOSHOP.test:5000", "www.duoshop.test"])
def test_platform_host_is_the_platform(stores, host):
    resolution = resolve(host)
    assert resolution.site == PLATFORM and resolution.tenant is None


def test_api_on_platform_host_picks_store_by_header_appid(stores):
    resolution = resolve(PLATFORM_HOST, path="/api/v1/products", appid_header=TEA_APPID)
    assert resolution.tenant.slug == "tea"


@pytest.mark.parametrize("version", ["0", "17", "devtools"])
def test_api_on_platform_host_picks_store_by_miniprogram_referer(stores, version):
    referer = f"https://servicewechat.com/{DEMO_APPID}/{version}/page-frame.html"
    assert resolve(PLATFORM_HOST, path="/api/v1/store", referer=referer).tenant.slug == "demo"


def test_header_appid_wins_over_referer(stores):
    referer = f"https://servicewechat.com/{DEMO_APPID}/3/page-frame.html"
    resolution = resolve(PLATFORM_HOST, path="/api/v1/store", referer=referer, appid_header=TEA_APPID)
    assert resolution.tenant.slug == "tea"


def test_unknown_appid_finds_no_store(stores):
    with pytest.raises(StoreNotFound):
        resolve(PLATFORM_HOST, path="/api/v1/store", appid_header="wx1111111111111111")


@pytest.mark.parametrize("referer", [
    "https://evil.example/wx0123456789abcdef/1/page-frame.html",
    "http://servicewechat.com/wx0123456789abcdef/1/page-frame.html",
    "https://servicewechat.com/wx0123456789abcdef/beta/page-frame.html",
    "https://servicewechat.com/WX0123456789ABCDEF/1/page-frame.html",
])
def test_malformed_referers_name_no_appid(referer):
    assert appid_from_request(None, referer) is None


def test_appid_outside_api_paths_is_ignored_on_platform(stores):
    assert resolve(PLATFORM_HOST, path="/signup", appid_header=DEMO_APPID).site == PLATFORM


@pytest.mark.parametrize("raw, expected", [
    ("Demo.LocalHost:5000", "demo.localhost"), ("[::1]:5000", "[::1]"), ("shop.cn.", "shop.cn"), ("", ""),
])
def test_normalize_host(raw, expected):
    assert normalize_host(raw) == expected


def test_unknown_store_host_gets_friendly_404_page(stores, store_client):
    response = store_client("nosuch").get("/", headers={"Accept-Language": "en"})
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    assert "Store not found" in body
    assert "Traceback" not in body


def test_custom_domain_serves_the_store_only_once_verified(stores, app):
    verified = app.test_client(host="shop.demo-brand.cn").get("/")
    unverified = app.test_client(host="unverified.example.com").get("/")
    assert verified.status_code == 200 and "Demo Shop" in verified.get_data(as_text=True)
    assert unverified.status_code == 404


def test_api_problem_details_for_unknown_appid(stores, platform_client):
    response = platform_client.get("/api/v1/products", headers={"X-Duoshop-AppID": "wx1111111111111111"})
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["status"] == 404


def test_api_by_referer_returns_that_stores_data(stores, platform_client):
    referer = f"https://servicewechat.com/{TEA_APPID}/0/page-frame.html"
    response = platform_client.get("/api/v1/store", headers={"Referer": referer})
    assert response.get_json()["name"] == "Tea House"


def test_platform_pages_are_not_served_on_store_hosts(stores, store_client):
    assert store_client("demo").get("/signup").status_code == 404
    assert store_client("demo").get("/console/login").status_code == 404
    assert store_client("demo").get("/platform/login").status_code == 404


def test_store_pages_are_not_served_on_the_platform_host(stores, platform_client):
    assert platform_client.get("/products/1").status_code == 404
