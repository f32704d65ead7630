"""The official-account screens of the console: binding with secrets encrypted at rest and
the message URL to copy, notices, keyword rules, the menu editor and pushes — each store
seeing and changing only its own."""
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from channels.wechat_mp.models import KeywordRule, OfficialAccount, Push
from core.clock import china_today
from core.extensions import db
from core.tenancy import tenant_context
from tenants.models import StaffUser
from tests.channels.wechat_mp.conftest import AES_KEY, DEMO_APPID, SECRET, bind
from tests.conftest import csrf_from
from tests.factories import create_staff, create_store, login_staff

HOME = "/console/official-account"


@pytest.fixture
def owner(app_ctx, app):
    demo = create_store("demo")
    client = app.test_client()
    login_staff(client, demo)
    return demo, client


def post(client, path, data, page=None):
    db.session.rollback()
    return client.post(path, data={"csrf_token": csrf_from(client, page or path), **data},
                       headers={"Accept-Language": "en"})


def test_the_owner_binds_the_account_and_its_secrets_are_stored_encrypted(owner, owner_engine):
    demo, client = owner
    page = client.get(HOME).get_data(as_text=True)
    assert f"/wechat/mp/{demo.id}" in page  # the message URL to paste into WeChat
    answer = post(client, HOME, {"appid": DEMO_APPID, "app_secret": SECRET, "token": "tokdemo",
                                 "encoding_aes_key": AES_KEY})
    assert answer.status_code == 302
    with owner_engine.connect() as conn:
        raw = conn.execute(text("SELECT app_secret, token, encoding_aes_key FROM official_accounts")).one()
    assert SECRET not in raw.app_secret and AES_KEY not in raw.encoding_aes_key and raw.token != "tokdemo"
    with tenant_context(demo.id):
        account = db.session.scalar(select(OfficialAccount))
        assert (account.appid, account.app_secret, account.encoding_aes_key) == (DEMO_APPID, SECRET, AES_KEY)


def test_saving_again_with_blank_secrets_keeps_the_saved_ones(owner):
    demo, client = owner
    bind(demo)
    assert post(client, HOME, {"appid": DEMO_APPID, "app_secret": "", "token": "", "encoding_aes_key": ""}
                ).status_code == 302
    with tenant_context(demo.id):
        account = db.session.scalar(select(OfficialAccount).execution_options(populate_existing=True))
        assert (account.app_secret, account.token, account.encoding_aes_key) == (SECRET, "tokdemo", AES_KEY)


@pytest.mark.parametrize(("values", "message"), [
    ({"appid": "wx123"}, "The AppID looks like wx followed by 16 letters or digits."),
    ({"app_secret": "short"}, "The AppSecret has 32 letters or digits."),
    ({"token": "a b"}, "The token is 3 to 32 letters or digits"),
    ({"encoding_aes_key": "not-43-characters"}, "The EncodingAESKey has 43 letters or digits."),
])
def test_a_bad_binding_is_refused_on_its_field_and_nothing_is_saved(owner, values, message):
    demo, client = owner
    data = {"appid": DEMO_APPID, "app_secret": SECRET, "token": "tokdemo", "encoding_aes_key": AES_KEY, **values}
    answer = post(client, HOME, data)
    assert answer.status_code == 422 and message in answer.get_data(as_text=True)
    with tenant_context(demo.id):
        assert db.session.scalar(select(OfficialAccount)) is None


def test_staff_who_cannot_manage_the_store_cannot_bind(app_ctx, app):
    demo = create_store("demo")
    create_staff(demo, "ops@demo.example.com", StaffUser.OPERATOR)
    client = app.test_client()
    login_staff(client, demo, email="ops@demo.example.com")
    page = client.get(HOME, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Only the owner or an admin can bind" in page
    assert post(client, HOME, {"appid": DEMO_APPID, "app_secret": SECRET, "token": "tokdemo"},
                page=HOME).status_code in (400, 403)


def test_a_keyword_rule_added_in_the_console_is_listed_and_another_store_never_sees_it(owner, app):
    demo, client = owner
    bind(demo)
    answer = post(client, f"{HOME}/replies/rules", {"rule-name": "发货", "rule-keywords": "发货，快递",
                                                    "rule-match": "contains", "rule-kind": "text",
                                                    "rule-text": "48 小时内发货", "rule-target_type": "home"},
                  page=f"{HOME}/replies")
    assert answer.status_code == 302
    assert "48 小时内发货" in client.get(f"{HOME}/replies").get_data(as_text=True)
    tea = create_store("tea")
    tea_client = app.test_client()
    login_staff(tea_client, tea)
    assert "48 小时内发货" not in tea_client.get(f"{HOME}/replies").get_data(as_text=True)
    with tenant_context(demo.id):
        rule_id = db.session.scalar(select(KeywordRule.id))
    assert post(tea_client, f"{HOME}/replies/rules/{rule_id}/delete", {}, page=f"{HOME}/replies").status_code == 404


def test_a_rule_without_keywords_is_refused_on_the_keywords_field(owner):
    demo, client = owner
    bind(demo)
    answer = post(client, f"{HOME}/replies/rules", {"rule-name": "空", "rule-keywords": " ， ", "rule-match": "exact",
                                                    "rule-kind": "text", "rule-text": "hi", "rule-target_type": "home"},
                  page=f"{HOME}/replies")
    assert answer.status_code == 422 and "Enter at least one keyword." in answer.get_data(as_text=True)
    with tenant_context(demo.id):
        assert db.session.scalar(select(KeywordRule)) is None


def test_the_menu_editor_shows_the_default_menu_and_publishes_the_edited_one(owner, mp):
    demo, client = owner
    bind(demo)
    page = client.get(f"{HOME}/menu").get_data(as_text=True)
    assert 'value="首页"' in page and 'value="分类"' in page and 'value="个人中心"' in page
    answer = post(client, f"{HOME}/menu", {"b0_name": "上新", "b0_type": "page", "b0_value": "new-arrivals",
                                          "b1_name": "个人中心", "b1_type": "member", "publish": "1"})
    assert answer.status_code == 302
    assert [b["name"] for b in mp.menus[DEMO_APPID]["button"]] == ["上新", "个人中心"]


def test_a_menu_wechat_would_refuse_stays_on_the_page_with_the_reason(owner, mp):
    demo, client = owner
    bind(demo)
    answer = post(client, f"{HOME}/menu", {"b0_name": "名字太长了的按钮", "b0_type": "home", "publish": "1"})
    body = answer.get_data(as_text=True)
    assert answer.status_code == 422 and "Button 1: the name is at most 16 bytes" in body
    assert 'value="名字太长了的按钮"' in body  # what was typed is not lost
    assert DEMO_APPID not in mp.menus


def test_a_push_is_scheduled_from_the_console_for_the_evening_slot(owner):
    demo, client = owner
    bind(demo)
    day = (china_today() + timedelta(days=1)).isoformat()
    answer = post(client, f"{HOME}/pushes", {"kind": "news", "title": "双11预热", "description": "",
                                            "target_type": "catalog", "day": day, "slot": "20"})
    assert answer.status_code == 302
    with tenant_context(demo.id):
        push = db.session.scalar(select(Push))
        assert push.title == "双11预热" and push.send_at.hour == 12  # 20:00 China time is 12:00 UTC
    assert "双11预热" in client.get(f"{HOME}/pushes").get_data(as_text=True)


def test_notices_are_switched_on_with_their_template_id(owner):
    demo, client = owner
    bind(demo)
    answer = post(client, f"{HOME}/notices", {"order_paid_on": "y", "order_paid_template_id": "TPL_paid_000001"},
                  page=HOME)
    assert answer.status_code == 302
    refused = post(client, f"{HOME}/notices", {"order_shipped_on": "y", "order_shipped_template_id": ""}, page=HOME)
    assert refused.status_code == 422 and "Paste the template ID" in refused.get_data(as_text=True)
    with tenant_context(demo.id):
        notices = db.session.scalar(select(OfficialAccount).execution_options(populate_existing=True)).notices
        assert notices["order_paid"] == {"on": True, "template_id": "TPL_paid_000001"}
