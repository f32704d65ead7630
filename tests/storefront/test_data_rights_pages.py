"""The H5 「我的数据」 page: ask for an export, download it once, close the account after a
confirmation (signed out after; refused with the reason while an order is open); and the
console and platform console screens of the same rights."""
import io
import re
import zipfile

import pytest
from sqlalchemy import select

from commerce.members.ledger import post_entry
from commerce.members.models import BalanceEntry, Member
from core.audit import AuditLog
from core.extensions import db
from core.tenancy import tenant_context, unscoped
from tenants.models import StaffUser
from tenants.retention import RetentionPeriod
from tests.billing.test_platform_console import sign_in_new_admin
from tests.conftest import csrf_from
from tests.factories import create_member, create_staff, create_store, login_staff
from tests.storefront.test_address_book import signed_in

ZH = {"Accept-Language": "zh-CN"}
LINK = re.compile(r'href="(/me/data-export/download\?token=[^"]+)"')


@pytest.fixture(autouse=True)
def private_root(app, tmp_path):
    previous = app.config.get("PRIVATE_ROOT")
    app.config["PRIVATE_ROOT"] = str(tmp_path / "private")
    yield
    app.config["PRIVATE_ROOT"] = previous


@pytest.fixture
def shop(app_ctx):
    demo, tea = create_store("demo"), create_store("tea")
    member_id, _ = create_member(demo, nickname="小明", openid="o-ming")
    tea_member, _ = create_member(tea, nickname="茶客", openid="o-ming")
    return demo, tea, member_id, tea_member


def test_the_data_page_asks_for_an_export_and_downloads_it_once(shop, store_client, jobs):
    demo, _tea, member_id, _ = shop
    shopper = signed_in(store_client("demo"), demo, member_id)
    page = shopper.get("/me/data", headers=ZH).get_data(as_text=True)
    assert "导出我的数据" in page and "注销账号" in page
    answer = shopper.post("/me/data-export", data={"csrf_token": csrf_from(shopper, "/me/data")})
    assert answer.status_code == 302
    jobs.drain()
    page = shopper.get("/me/data", headers=ZH).get_data(as_text=True)
    link = LINK.search(page).group(1).replace("&amp;", "&")
    download = shopper.get(link)
    assert download.status_code == 200 and download.mimetype == "application/zip"
    assert zipfile.ZipFile(io.BytesIO(download.data)).read("profile.csv").decode("utf-8-sig").count("小明") == 1
    assert shopper.get(link).status_code == 410


def test_the_data_page_needs_a_signed_in_member(shop, store_client):
    assert store_client("demo").get("/me/data").status_code == 302
    assert store_client("demo").get("/me/close-account").status_code == 302


def test_closing_the_account_needs_the_box_ticked_then_signs_out(shop, store_client):
    demo, tea, member_id, tea_member = shop
    shopper = signed_in(store_client("demo"), demo, member_id)
    page = shopper.get("/me/close-account", headers=ZH).get_data(as_text=True)
    assert "注销账号" in page
    token = csrf_from(shopper, "/me/close-account")
    unticked = shopper.post("/me/close-account", data={"csrf_token": token}, headers=ZH)
    assert unticked.status_code == 422
    with tenant_context(demo.id):
        assert db.session.get(Member, member_id).erased_at is None
    closed = shopper.post("/me/close-account", data={"csrf_token": token, "confirm": "y"})
    assert closed.status_code == 302
    assert shopper.get("/me/data").status_code == 302  # signed out: the session's member is closed
    with tenant_context(demo.id):
        member = db.session.get(Member, member_id)
        assert member.erased_at is not None and member.openid is None
    with tenant_context(tea.id):
        assert db.session.get(Member, tea_member).openid == "o-ming"  # the other store's member is untouched


def test_closing_is_refused_with_the_reason_while_stored_value_is_left(shop, store_client):
    demo, _tea, member_id, _ = shop
    with tenant_context(demo.id):
        post_entry(BalanceEntry, member_id, 1000, BalanceEntry.TOP_UP, "top_up:t")
        db.session.commit()
    shopper = signed_in(store_client("demo"), demo, member_id)
    token = csrf_from(shopper, "/me/close-account")
    refused = shopper.post("/me/close-account", data={"csrf_token": token, "confirm": "y"}, headers=ZH)
    assert refused.status_code == 409 and "10.00" in refused.get_data(as_text=True)
    with tenant_context(demo.id):
        assert db.session.get(Member, member_id).erased_at is None


# --- console ----------------------------------------------------------------------------

def test_owner_exports_and_closes_a_members_account_on_request_audited(shop, platform_client, jobs):
    demo, _tea, member_id, _ = shop
    login_staff(platform_client, demo)
    path = f"/console/members/{member_id}"
    assert "注销会员" in platform_client.get(path, headers=ZH).get_data(as_text=True)
    token = csrf_from(platform_client, path)
    assert platform_client.post(f"{path}/data-export", data={"csrf_token": token}).status_code == 302
    jobs.drain()
    page = platform_client.get(path).get_data(as_text=True)
    file_link = re.search(rf'href="({path}/data-exports/\d+/file)"', page).group(1)
    download = platform_client.get(file_link)
    assert download.status_code == 200 and download.mimetype == "application/zip"
    assert platform_client.post(f"{path}/erase", data={"csrf_token": token, "confirm": "y"}).status_code == 302
    with tenant_context(demo.id):
        assert db.session.get(Member, member_id).erased_at is not None
        actions = db.session.scalars(select(AuditLog.action).where(AuditLog.actor_type == "staff")).all()
    assert {"member.data_exported", "member.erased"} <= set(actions)


def test_operators_may_not_export_or_close(shop, platform_client):
    demo, _tea, member_id, _ = shop
    create_staff(demo, "ops@demo.example.com", StaffUser.OPERATOR)
    login_staff(platform_client, demo, email="ops@demo.example.com")
    path = f"/console/members/{member_id}"
    token = csrf_from(platform_client, path)
    assert platform_client.post(f"{path}/erase", data={"csrf_token": token, "confirm": "y"}).status_code == 403
    assert platform_client.post(f"{path}/data-export", data={"csrf_token": token}).status_code == 403


def test_another_stores_member_is_404_in_the_console(shop, platform_client):
    demo, _tea, _member_id, tea_member = shop
    login_staff(platform_client, demo)
    token = csrf_from(platform_client, "/console/members")
    assert platform_client.post(f"/console/members/{tea_member}/erase",
                                data={"csrf_token": token, "confirm": "y"}).status_code == 404


# --- platform console ----------------------------------------------------------------------

def test_platform_sets_a_longer_period_never_a_shorter_one(shop, platform_client):
    demo, _tea, _member_id, _ = shop
    sign_in_new_admin(platform_client)
    table = platform_client.get("/platform/retention", headers=ZH).get_data(as_text=True)
    assert "audit_log" in table and "180" in table and "1096" in table
    path = f"/platform/tenants/{demo.id}/retention"
    token = csrf_from(platform_client, path)
    shorter = platform_client.post(path, data={"csrf_token": token, "rule": "audit_log", "keep_days": "30"})
    assert shorter.status_code == 422
    longer = platform_client.post(path, data={"csrf_token": token, "rule": "audit_log", "keep_days": "365",
                                              "reason": "行业监管"})
    assert longer.status_code == 302
    with unscoped():
        period = db.session.scalar(select(RetentionPeriod))
        entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "retention.period_set"))
    assert (period.tenant_id, period.keep_days) == (demo.id, 365)
    assert entry.tenant_id == demo.id and entry.actor_type == "platform_admin"
