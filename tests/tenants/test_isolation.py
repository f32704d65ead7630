"""Two stores with the same product names and the same staff email: nothing of one is
reachable through the other's host, AppID, session or ids."""
import pytest
from flask import g
from sqlalchemy import select

from core.extensions import db
from core.tenancy import tenant_context
from tenants.auth import load_staff
from tenants.models import MiniProgram, StaffUser, Tenant
from tests.conftest import csrf_from
from tests.factories import create_product, create_staff, create_store, login_staff

SHARED_EMAIL = "zhang@shared.test"
DEMO_APPID = "wx0123456789abcdef"
TEA_APPID = "wxfedcba9876543210"


@pytest.fixture
def world(app_ctx):
    demo = create_store("demo", name="Demo Shop")
    tea = create_store("tea", name="Tea House")
    ids = {
        "demo_shirt": create_product(demo, "纯棉短袖T恤", price=7900, category_name="服饰"),
        "tea_shirt": create_product(tea, "纯棉短袖T恤", price=6900, category_name="服饰"),
        "tea_only": create_product(tea, "特级绿茶礼盒", price=29800),
        "demo_staff": create_staff(demo, SHARED_EMAIL, StaffUser.OPERATOR, password="demo-pass-1234"),
        "tea_staff": create_staff(tea, SHARED_EMAIL, StaffUser.OPERATOR, password="tea-pass-12345"),
    }
    for store, appid in ((demo, DEMO_APPID), (tea, TEA_APPID)):
        with tenant_context(store.id):
            db.session.add(MiniProgram(appid=appid))
            db.session.commit()
    return demo, tea, ids


def test_storefront_lists_only_own_products(world, store_client):
    _demo, _tea, _ids = world
    demo_home = store_client("demo").get("/").get_data(as_text=True)
    tea_home = store_client("tea").get("/").get_data(as_text=True)
    assert "¥79.00" in demo_home and "¥69.00" not in demo_home and "特级绿茶礼盒" not in demo_home
    assert "¥69.00" in tea_home and "特级绿茶礼盒" in tea_home and "¥79.00" not in tea_home


def test_product_detail_of_other_store_is_404_on_this_host(world, store_client):
    _demo, _tea, ids = world
    assert store_client("demo").get(f"/products/{ids['demo_shirt']}").status_code == 200
    assert store_client("demo").get(f"/products/{ids['tea_only']}").status_code == 404
    assert store_client("tea").get(f"/products/{ids['demo_shirt']}").status_code == 404


@pytest.mark.parametrize("path", ["/api/v1/products", "/api/v1/categories", "/api/v1/store"])
def test_api_by_appid_returns_only_that_stores_data(world, platform_client, path):
    demo_body = platform_client.get(path, headers={"X-Duoshop-AppID": DEMO_APPID}).get_data(as_text=True)
    tea_body = platform_client.get(path, headers={"X-Duoshop-AppID": TEA_APPID}).get_data(as_text=True)
    assert demo_body != tea_body
    assert "特级绿茶礼盒" not in demo_body and "Tea House" not in demo_body


def test_api_product_detail_of_other_store_is_problem_404(world, platform_client):
    _demo, _tea, ids = world
    response = platform_client.get(f"/api/v1/products/{ids['tea_only']}", headers={"X-Duoshop-AppID": DEMO_APPID})
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    ok = platform_client.get(f"/api/v1/products/{ids['tea_only']}", headers={"X-Duoshop-AppID": TEA_APPID})
    assert ok.get_json()["title"] == "特级绿茶礼盒"


def test_same_email_in_two_stores_signs_in_only_with_that_stores_password(world, platform_client):
    demo, tea, _ids = world
    wrong = login_staff(platform_client, tea, email=SHARED_EMAIL, password="demo-pass-1234")
    assert wrong.status_code == 401
    right = login_staff(platform_client, tea, email=SHARED_EMAIL, password="tea-pass-12345")
    assert right.status_code == 302


def test_console_lists_only_own_staff(world, platform_client):
    demo, _tea, _ids = world
    login_staff(platform_client, demo)
    page = platform_client.get("/console/staff").get_data(as_text=True)
    assert page.count(SHARED_EMAIL) == 1
    assert "owner@tea.example.com" not in page and "owner@demo.example.com" in page


def test_crafted_role_change_for_other_stores_staff_is_refused(world, platform_client):
    demo, tea, ids = world
    login_staff(platform_client, demo)
    token = csrf_from(platform_client, "/console/staff")
    response = platform_client.post(f"/console/staff/{ids['tea_staff']}/role",
                                    data={"csrf_token": token, "role": "viewer"})
    assert response.status_code == 404
    with tenant_context(tea.id):
        assert db.session.get(StaffUser, ids["tea_staff"]).role == StaffUser.OPERATOR


def test_session_cookie_is_host_only(world, platform_client):
    demo, _tea, _ids = world
    response = login_staff(platform_client, demo)
    cookie_header = " ".join(response.headers.getlist("Set-Cookie"))
    assert "session=" in cookie_header
    assert "Domain=" not in cookie_header  # never the parent domain: stores cannot see it


def test_session_cookie_from_platform_host_is_not_sent_to_a_store_host(world, platform_client, app):
    demo, _tea, _ids = world
    login_staff(platform_client, demo)
    assert platform_client.get_cookie("session", domain="duoshop.test") is not None
    assert platform_client.get_cookie("session", domain="tea.duoshop.test") is None


def test_staff_session_of_one_store_is_not_signed_in_on_another_stores_host(world, app):
    demo, tea, ids = world
    with app.test_request_context("/", base_url="http://tea.duoshop.test"):
        g.tenant = db.session.get(Tenant, tea.id)
        assert load_staff(f"{demo.id}:{ids['demo_staff']}") is None
        assert load_staff(f"{tea.id}:{ids['tea_staff']}") is not None


def test_forged_session_with_other_tenants_user_id_loads_nobody(world, app):
    demo, _tea, ids = world
    with app.test_request_context("/", base_url="http://duoshop.test"):
        g.tenant = None
        # demo's tenant id with tea's user id: the scoped lookup finds nothing.
        assert load_staff(f"{demo.id}:{ids['tea_staff']}") is None


def test_staff_list_query_in_service_context_is_scoped(world):
    demo, _tea, _ids = world
    with tenant_context(demo.id):
        emails = db.session.scalars(select(StaffUser.email)).all()
    assert sorted(emails) == sorted([SHARED_EMAIL, "owner@demo.example.com"])


def test_search_finds_only_this_stores_products(world, store_client):
    demo_hits = store_client("demo").get("/search?q=短袖").get_data(as_text=True)
    tea_hits = store_client("tea").get("/search?q=绿茶").get_data(as_text=True)
    assert "¥79.00" in demo_hits and "¥69.00" not in demo_hits
    assert "特级绿茶礼盒" in tea_hits
    assert "特级绿茶礼盒" not in store_client("demo").get("/search?q=绿茶").get_data(as_text=True)
    assert "¥79.00" not in store_client("demo").get("/search?q=%25").get_data(as_text=True)
