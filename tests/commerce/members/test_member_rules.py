"""The console's member rules page: points rules and "充100送10" top-up bonuses saved checked,
sorted and audited; bad input re-rendered with its message and nothing written; levels
added, changed and deleted (members follow); owners and admins only; stores kept apart."""
import pytest
from sqlalchemy import func, select

from commerce.members.levels import save_level
from commerce.members.models import Member, MemberLevel, MemberSettings
from core.audit import AuditLog
from core.extensions import db
from core.tenancy import tenant_context
from tests.commerce.members.test_top_ups import signed_in
from tests.conftest import csrf_from
from tests.factories import create_member, create_staff, create_store, login_staff

EN = {"Accept-Language": "en"}
GOOD = {"points_per_yuan": "2", "sign_in_points": "10", "points_expire_months": "", "points_per_yuan_off": "50",
        "redeem_cap_percent": "30"}


@pytest.fixture
def shop(app_ctx):
    return create_store("demo"), create_store("tea")


def save_rules(client, bonus_rows=(), **changes):
    token = csrf_from(client, "/console/members/rules")
    form = {"csrf_token": token, **GOOD, **changes,
            "bonus_pay": [pay for pay, _bonus in bonus_rows], "bonus_amount": [bonus for _pay, bonus in bonus_rows]}
    return client.post("/console/members/rules", data=form, headers=EN)


def save_level_form(client, level_id=None, **form):
    token = csrf_from(client, "/console/members/rules")
    url = f"/console/members/levels/{level_id}" if level_id else "/console/members/levels"
    return client.post(url, data={"csrf_token": token, **form}, headers=EN)


def audit_actions(store):
    with tenant_context(store.id):
        return db.session.scalars(select(AuditLog.action).where(AuditLog.action.like("member.%"))
                                  .order_by(AuditLog.id)).all()


def test_the_members_list_links_to_the_rules(shop, platform_client):
    login_staff(platform_client, shop[0])
    assert "/console/members/rules" in platform_client.get("/console/members").get_data(as_text=True)


def test_an_owner_saves_the_rules_with_bonuses_sorted_and_it_is_audited(shop, platform_client, store_client):
    demo, _tea = shop
    login_staff(platform_client, demo)
    saved = save_rules(platform_client, bonus_rows=[("200", "30"), ("", ""), ("100.00", "10")])
    assert saved.status_code == 302
    with tenant_context(demo.id):
        rules = db.session.scalar(select(MemberSettings))
        assert (rules.points_per_yuan, rules.sign_in_points, rules.points_expire_months, rules.points_per_yuan_off,
                rules.redeem_cap_percent) == (2, 10, None, 50, 30)
        assert rules.top_up_bonuses == [[10000, 1000], [20000, 3000]]
    page = platform_client.get("/console/members/rules", headers=EN).get_data(as_text=True)
    assert 'value="100.00"' in page and 'value="30.00"' in page
    assert audit_actions(demo) == ["member.rules_saved"]
    # The shoppers' top-up page offers them at once.
    shopper = signed_in(store_client("demo"), create_member(demo)[0])
    assert "¥30.00 bonus" in shopper.get("/me/top-up", headers=EN).get_data(as_text=True)


@pytest.mark.parametrize(("changes", "bonus_rows", "message"), [
    ({"points_per_yuan": "abc"}, (), "Points per yuan paid: a whole number from 0 to 100."),
    ({"points_per_yuan": "-1"}, (), "Points per yuan paid: a whole number from 0 to 100."),
    ({"points_expire_months": "0"}, (), "Points expire after 1 to 120 months"),
    ({"points_per_yuan_off": "0"}, (), "Points for ¥1 off: a whole number from 1 to 100000."),
    ({"redeem_cap_percent": "101"}, (), "Points may pay 0 to 100 percent of the goods."),
    ({}, [("100", "")], "Each bonus is more than ¥0 and at most its top-up amount."),
    ({}, [("100", "150")], "Each bonus is more than ¥0 and at most its top-up amount."),
    ({}, [("x", "10")], "Each top-up amount is from ¥0.01 to ¥50,000.00."),
    ({}, [("100", "10"), ("100.00", "20")], "Two bonus rules have the same top-up amount."),
])
def test_bad_rules_are_shown_with_their_message_and_nothing_is_written(shop, platform_client, changes, bonus_rows,
                                                                        message):
    demo, _tea = shop
    login_staff(platform_client, demo)
    response = save_rules(platform_client, bonus_rows=bonus_rows, **changes)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    with tenant_context(demo.id):
        assert db.session.scalar(select(func.count()).select_from(MemberSettings)) == 0
    assert audit_actions(demo) == []


def test_levels_are_added_changed_and_deleted_and_members_follow(shop, platform_client):
    demo, _tea = shop
    member_id, _ = create_member(demo)
    with tenant_context(demo.id):
        db.session.get(Member, member_id).growth = 500
        db.session.commit()
    login_staff(platform_client, demo)
    assert save_level_form(platform_client, name="银卡", growth_threshold="0", discount_percent="").status_code == 302
    assert save_level_form(platform_client, name="金卡", growth_threshold="1000",
                           discount_percent="95").status_code == 302
    with tenant_context(demo.id):
        gold = db.session.scalar(select(MemberLevel).where(MemberLevel.name == "金卡"))
        assert db.session.get(Member, member_id).level_id != gold.id
    assert save_level_form(platform_client, gold.id, name="金卡", growth_threshold="500",
                           discount_percent="90").status_code == 302
    with tenant_context(demo.id):
        assert db.session.get(Member, member_id, populate_existing=True).level_id == gold.id
        assert db.session.get(MemberLevel, gold.id, populate_existing=True).discount_percent == 90
    token = csrf_from(platform_client, "/console/members/rules")
    assert platform_client.post(f"/console/members/levels/{gold.id}/delete",
                                data={"csrf_token": token}).status_code == 302
    with tenant_context(demo.id):
        assert db.session.scalars(select(MemberLevel.name)).all() == ["银卡"]
        silver_id = db.session.scalar(select(MemberLevel.id))
        assert db.session.get(Member, member_id, populate_existing=True).level_id == silver_id
    assert audit_actions(demo) == ["member.level_saved"] * 3 + ["member.level_deleted"]
    page = platform_client.get("/console/members/rules", headers=EN).get_data(as_text=True)
    assert 'value="银卡"' in page and "金卡" not in page


@pytest.mark.parametrize(("form", "message"), [
    ({"name": "", "growth_threshold": "10"}, "Give the level a name"),
    ({"name": "银卡", "growth_threshold": "-5"}, "The growth threshold is a whole number"),
    ({"name": "银卡", "growth_threshold": "10", "discount_percent": "0"}, "The discount is a whole percent"),
    ({"name": "银卡", "growth_threshold": "10", "discount_percent": "101"}, "The discount is a whole percent"),
    ({"name": "银卡", "growth_threshold": "100"}, "Another level starts at this growth already."),
])
def test_a_bad_level_is_shown_with_its_message_and_nothing_is_written(shop, platform_client, form, message):
    demo, _tea = shop
    with tenant_context(demo.id):
        save_level(name="铜卡", growth_threshold=100)
        db.session.commit()
    login_staff(platform_client, demo)
    response = save_level_form(platform_client, **form)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    with tenant_context(demo.id):
        assert db.session.scalars(select(MemberLevel.name)).all() == ["铜卡"]
    assert audit_actions(demo) == []


@pytest.mark.parametrize("role", ["viewer", "operator"])
def test_only_owners_and_admins_change_the_rules(shop, platform_client, role):
    demo, _tea = shop
    with tenant_context(demo.id):
        level_id = save_level(name="铜卡", growth_threshold=100).id
        db.session.commit()
    create_staff(demo, f"{role}@demo.example.com", role)
    login_staff(platform_client, demo, email=f"{role}@demo.example.com")
    page = platform_client.get("/console/members/rules", headers=EN)
    assert page.status_code == 200 and "铜卡" in page.get_data(as_text=True)
    assert "Save rules" not in page.get_data(as_text=True)
    assert save_rules(platform_client).status_code == 403
    assert save_level_form(platform_client, name="金卡", growth_threshold="5").status_code == 403
    assert save_level_form(platform_client, level_id, name="改", growth_threshold="5").status_code == 403
    token = csrf_from(platform_client, "/console/members/rules")
    assert platform_client.post(f"/console/members/levels/{level_id}/delete",
                                data={"csrf_token": token}).status_code == 403
    with tenant_context(demo.id):
        assert db.session.scalars(select(MemberLevel.name)).all() == ["铜卡"]
        assert db.session.scalar(select(func.count()).select_from(MemberSettings)) == 0


def test_a_second_store_neither_sees_nor_changes_the_first_stores_rules(shop, platform_client):
    demo, tea = shop
    with tenant_context(demo.id):
        level_id = save_level(name="铜卡", growth_threshold=100).id
        db.session.add(MemberSettings(top_up_bonuses=[[10000, 1000]]))
        db.session.commit()
    login_staff(platform_client, tea)
    page = platform_client.get("/console/members/rules", headers=EN).get_data(as_text=True)
    assert "铜卡" not in page and 'value="100.00"' not in page
    assert save_level_form(platform_client, level_id, name="改", growth_threshold="5").status_code == 404
    token = csrf_from(platform_client, "/console/members/rules")
    assert platform_client.post(f"/console/members/levels/{level_id}/delete",
                                data={"csrf_token": token}).status_code == 404
    assert save_rules(platform_client, bonus_rows=[("50", "5")]).status_code == 302
    with tenant_context(demo.id):
        assert db.session.scalars(select(MemberLevel.name)).all() == ["铜卡"]
        assert db.session.scalar(select(MemberSettings)).top_up_bonuses == [[10000, 1000]]
    with tenant_context(tea.id):
        assert db.session.scalar(select(MemberSettings)).top_up_bonuses == [[5000, 500]]
