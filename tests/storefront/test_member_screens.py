"""The console's member screens and the shopper's member center: the right numbers, masked
phones, adjustments for owners and admins only (audited), nothing across stores."""
import pytest
from sqlalchemy import select

from commerce.members.models import Member, PointsEntry
from commerce.members.points import adjust_points
from commerce.members.wallet import refund_to_balance
from core.audit import AuditLog
from core.extensions import db
from core.tenancy import tenant_context
from tests.conftest import csrf_from
from tests.factories import create_member, create_staff, create_store, login_staff


@pytest.fixture
def shop(app_ctx):
    """Two stores; demo has 小明 (phone 13812345678) with 120 points and ¥35.50: ``(demo, tea, member id)``."""
    demo, tea = create_store("demo"), create_store("tea")
    member_id, _ = create_member(demo, nickname="小明")
    with tenant_context(demo.id):
        member = db.session.get(Member, member_id)
        member.phone = "13812345678"
        adjust_points(member, 120, actor=None, note="开业礼", ref="seed")
        refund_to_balance(member, 3550, order_id=None, ref="seed")
        db.session.commit()
    return demo, tea, member_id


def adjust(client, member_id, **form):
    token = csrf_from(client, f"/console/members/{member_id}")
    return client.post(f"/console/members/{member_id}/adjust", data={"csrf_token": token, "token": "t1", **form})


def test_the_member_list_masks_phones_and_searches_by_nickname(shop, platform_client):
    demo, _, member_id = shop
    create_member(demo, nickname="阿花")
    login_staff(platform_client, demo)
    page = platform_client.get("/console/members?q=小明").get_data(as_text=True)
    assert "小明" in page and "阿花" not in page
    assert "138****5678" in page and "13812345678" not in page
    detail = platform_client.get(f"/console/members/{member_id}").get_data(as_text=True)
    assert "120" in detail and "¥35.50" in detail and "开业礼" in detail


def test_an_owner_adjusts_points_and_balance_with_a_reason_once_and_it_is_audited(shop, platform_client):
    demo, _, member_id = shop
    login_staff(platform_client, demo)
    assert adjust(platform_client, member_id, kind="points", amount="-20", note="").status_code == 422
    assert adjust(platform_client, member_id, kind="points", amount="-200", note="扣回").status_code == 409
    assert adjust(platform_client, member_id, kind="points", amount="-20", note="扣回").status_code == 302
    assert adjust(platform_client, member_id, kind="points", amount="-20", note="扣回").status_code == 302  # resent
    assert adjust(platform_client, member_id, kind="balance", amount="4.50", note="补差价").status_code == 302
    with tenant_context(demo.id):
        member = db.session.get(Member, member_id)
        assert (member.points, member.balance) == (100, 4000)
        actions = db.session.scalars(select(AuditLog.action).where(AuditLog.target_type == "Member")
                                     .order_by(AuditLog.id)).all()
    assert actions == ["member.points_adjusted", "member.points_adjusted", "member.balance_adjusted"]


@pytest.mark.parametrize("role", ["viewer", "operator"])
def test_only_owners_and_admins_may_adjust(shop, platform_client, role):
    demo, _, member_id = shop
    create_staff(demo, f"{role}@demo.example.com", role)
    login_staff(platform_client, demo, email=f"{role}@demo.example.com")
    page = platform_client.get(f"/console/members/{member_id}").get_data(as_text=True)
    assert "/adjust" not in page
    assert adjust(platform_client, member_id, kind="points", amount="50", note="想加").status_code == 403
    with tenant_context(demo.id):
        assert db.session.get(Member, member_id).points == 120


def test_a_second_store_never_sees_the_first_stores_members(shop, platform_client):
    demo, tea, member_id = shop
    login_staff(platform_client, tea)
    assert "小明" not in platform_client.get("/console/members").get_data(as_text=True)
    assert platform_client.get(f"/console/members/{member_id}").status_code == 404
    token = csrf_from(platform_client, "/console/members")
    assert platform_client.post(f"/console/members/{member_id}/adjust", data={
        "csrf_token": token, "kind": "points", "amount": "5", "note": "x"}).status_code == 404


def test_the_member_center_shows_the_numbers_and_signs_in_once_a_day(shop, store_client):
    demo, _, member_id = shop
    shopper = store_client("demo")
    with shopper.session_transaction(base_url="http://demo.duoshop.test") as session:
        session["member_id"] = member_id
    page = shopper.get("/me", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'class="member-points">120<' in page and 'class="member-balance">¥35.50<' in page
    assert "Adjusted by the store" in page
    token = csrf_from(shopper, "/me")
    assert shopper.post("/me/sign-in", data={"csrf_token": token}).status_code == 302
    assert shopper.post("/me/sign-in", data={"csrf_token": token}).status_code == 302
    page = shopper.get("/me", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'class="member-points">125<' in page and "Signed in today" in page
    with tenant_context(demo.id):
        assert [e.reason for e in db.session.scalars(select(PointsEntry).order_by(PointsEntry.id))] == [
            PointsEntry.ADJUST, PointsEntry.SIGN_IN]


def test_the_member_center_of_another_store_does_not_know_the_member(shop, store_client):
    _, _, member_id = shop
    shopper = store_client("tea")
    with shopper.session_transaction(base_url="http://tea.duoshop.test") as session:
        session["member_id"] = member_id
    page = shopper.get("/me", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "member-points" not in page and "小明" not in page


@pytest.mark.parametrize("kind, amount, message", [
    ("points", "1.5", "Enter a whole number"),
    ("points", "0", "Enter a non-zero amount, negative to take away."),
    ("balance", "1.999", "At most 2 decimal places."),
    ("balance", "200000", "Must be at most"),
])
def test_an_adjustment_that_cannot_be_read_is_refused_and_writes_nothing(shop, platform_client, kind, amount, message):
    demo, _tea, member_id = shop
    login_staff(platform_client, demo)
    token = csrf_from(platform_client, f"/console/members/{member_id}")
    response = platform_client.post(f"/console/members/{member_id}/adjust", headers={"Accept-Language": "en"},
                                    data={"csrf_token": token, "token": "t9", "kind": kind, "amount": amount,
                                          "note": "试试"})
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    with tenant_context(demo.id):
        member = db.session.get(Member, member_id)
        assert (member.points, member.balance) == (120, 3550)


def test_a_balance_typed_with_full_width_digits_is_read(shop, platform_client):
    demo, _tea, member_id = shop
    login_staff(platform_client, demo)
    assert adjust(platform_client, member_id, kind="balance", amount="１２．５", note="补差价").status_code == 302
    with tenant_context(demo.id):
        assert db.session.get(Member, member_id).balance == 3550 + 1250
