"""The 客服 console: the inbox lists conversations with unread counts, opens a thread,
answers it (form or in place), fills the reply from a quick reply, polls for new messages;
the reminders reach the assignee as a nav badge and by e-mail; the settings choose the
assignment rule and the auto-answers; another store's staff see none of it."""
from sqlalchemy import select

from billing.models import OutboxEmail
from commerce.support.models import Conversation, QuickReply, SupportSettings, Ticket
from commerce.support.service import remind_and_escalate
from core.extensions import db
from core.models import utcnow
from core.tenancy import tenant_context
from tests.commerce.support.helpers import T0, minutes, says
from tests.conftest import csrf_from
from tests.factories import create_member, create_staff, login_staff

EN = {"Accept-Language": "en"}
JSON = {"Accept": "application/json", **EN}


def conversation_with_question(store, text="这个茶是今年的吗", **topic):
    member_id, _ = create_member(store, nickname="小王")
    conversation_id, _ = says(store, member_id, text, utcnow(), **topic)
    return conversation_id


def test_the_inbox_shows_the_question_with_its_unread_count_and_opening_it_reads_it(shop, platform_client):
    demo, _tea, product_id, _sku = shop
    conversation_id = conversation_with_question(demo, product_id=product_id)
    login_staff(platform_client, demo)
    page = platform_client.get("/console/support", headers=EN).get_data(as_text=True)
    assert "小王" in page and "Product: 龙井" in page and 'class="support-unread">1<' in page
    opened = platform_client.get(f"/console/support?c={conversation_id}", headers=EN).get_data(as_text=True)
    assert "这个茶是今年的吗" in opened and 'name="body"' in opened
    with tenant_context(demo.id):
        assert db.session.get(Conversation, conversation_id).staff_unread == 0


def test_a_reply_in_place_reaches_the_shopper_and_is_the_tickets_first_reply(shop, platform_client):
    demo, _tea, _product, _sku = shop
    conversation_id = conversation_with_question(demo)
    login_staff(platform_client, demo)
    token = csrf_from(platform_client, f"/console/support?c={conversation_id}")
    answered = platform_client.post(f"/console/support/{conversation_id}/reply", headers=JSON,
                                    data={"csrf_token": token, "body": "是的，今年春茶"})
    assert answered.status_code == 201 and answered.json["message"]["body"] == "是的，今年春茶"
    with tenant_context(demo.id):
        ticket = db.session.scalar(select(Ticket))
        assert ticket.first_reply_at is not None and ticket.assignee_id is not None
        assert db.session.get(Conversation, conversation_id).member_unread == 1
    empty = platform_client.post(f"/console/support/{conversation_id}/reply", headers=JSON,
                                 data={"csrf_token": token, "body": "   "})
    assert empty.status_code == 422 and "Write a reply first." in empty.json["error"]
    no_csrf = platform_client.post(f"/console/support/{conversation_id}/reply", headers=EN, data={"body": "hi"})
    assert no_csrf.status_code == 400
    with tenant_context(demo.id):  # neither the empty reply nor the one without CSRF was written
        assert db.session.scalar(select(Conversation)).last_preview == "是的，今年春茶"


def test_the_poll_brings_messages_newer_than_the_last_shown(shop, platform_client):
    demo, _tea, _product, _sku = shop
    conversation_id = conversation_with_question(demo)
    login_staff(platform_client, demo)
    first = platform_client.get(f"/console/support/poll.json?c={conversation_id}", headers=EN).json
    assert [m["body"] for m in first["messages"]] == ["这个茶是今年的吗"]
    with tenant_context(demo.id):
        member_id = db.session.get(Conversation, conversation_id).member_id
    says(demo, member_id, "还有货吗", utcnow())
    later = platform_client.get(f"/console/support/poll.json?c={conversation_id}&after={first['messages'][-1]['id']}",
                                headers=EN).json
    assert [m["body"] for m in later["messages"]] == ["还有货吗"]
    assert later["conversations"][0]["member"] == "小王"


def test_another_stores_staff_cannot_list_open_or_answer_the_conversation(shop, platform_client, app):
    demo, tea, _product, _sku = shop
    conversation_id = conversation_with_question(demo)
    login_staff(platform_client, tea)
    assert "小王" not in platform_client.get("/console/support", headers=EN).get_data(as_text=True)
    assert platform_client.get(f"/console/support/poll.json?c={conversation_id}").json["messages"] == []
    token = csrf_from(platform_client, "/console/support")
    assert platform_client.post(f"/console/support/{conversation_id}/reply", headers=EN,
                                data={"csrf_token": token, "body": "hi"}).status_code == 404


def test_a_viewer_reads_the_inbox_but_cannot_reply(shop, platform_client):
    demo, _tea, _product, _sku = shop
    conversation_id = conversation_with_question(demo)
    create_staff(demo, "viewer@demo.example.com", "viewer")
    login_staff(platform_client, demo, "viewer@demo.example.com")
    page = platform_client.get(f"/console/support?c={conversation_id}", headers=EN).get_data(as_text=True)
    assert "这个茶是今年的吗" in page and 'name="body"' not in page
    token = csrf_from(platform_client, "/console/support")
    assert platform_client.post(f"/console/support/{conversation_id}/reply",
                                data={"csrf_token": token, "body": "hi"}).status_code == 403


def test_quick_replies_are_edited_per_store_and_offered_in_the_thread(shop, platform_client):
    demo, tea, _product, _sku = shop
    conversation_id = conversation_with_question(demo)
    login_staff(platform_client, demo)
    token = csrf_from(platform_client, "/console/support/settings")
    platform_client.post("/console/support/quick-replies", data={"csrf_token": token, "body": "亲，马上为您查询～"})
    platform_client.post("/console/support/quick-replies", data={"csrf_token": token, "body": "感谢支持！"})
    with tenant_context(demo.id):
        first, second = db.session.scalars(select(QuickReply).order_by(QuickReply.position)).all()
        first_id, second_id = first.id, second.id
    platform_client.post(f"/console/support/quick-replies/{first_id}", data={"csrf_token": token, "body": "亲，稍等～"})
    platform_client.post(f"/console/support/quick-replies/{second_id}",
                         data={"csrf_token": token, "body": "感谢支持！", "delete": "1"})
    thread = platform_client.get(f"/console/support?c={conversation_id}").get_data(as_text=True)
    assert 'data-quick="亲，稍等～"' in thread and "感谢支持" not in thread
    refused = platform_client.post("/console/support/quick-replies", headers=EN, data={"csrf_token": token, "body": ""})
    assert refused.status_code == 302
    with tenant_context(tea.id):
        assert db.session.scalars(select(QuickReply)).all() == []


def test_settings_choose_the_rule_and_each_persons_categories_and_refuse_a_bad_window(shop, platform_client):
    demo, _tea, _product, _sku = shop
    staff_id = create_staff(demo, "li@demo.example.com", "operator")
    login_staff(platform_client, demo)
    token = csrf_from(platform_client, "/console/support/settings")
    bad = platform_client.post("/console/support/settings", headers=EN, data={
        "csrf_token": token, "assign_mode": "by_category", "online_minutes": "0"})
    assert bad.status_code == 422 and 'aria-invalid="true"' in bad.get_data(as_text=True)
    saved = platform_client.post("/console/support/settings", headers=EN, data={
        "csrf_token": token, "assign_mode": "by_category", "online_minutes": "15", "returns_answer": "15 天无理由退货",
        f"categories_{staff_id}": ["after_sale", "order"]})
    assert saved.status_code == 302
    with tenant_context(demo.id):
        settings = db.session.scalar(select(SupportSettings))
        assert (settings.assign_mode, settings.online_minutes, settings.returns_answer) == (
            "by_category", 15, "15 天无理由退货")
    page = platform_client.get("/console/support/settings").get_data(as_text=True)
    assert f'name="categories_{staff_id}" value="order"' in page and "checked" in page
    login_staff(platform_client, demo, "li@demo.example.com")
    assert platform_client.get("/console/support/settings").status_code == 403


def test_a_reminder_shows_as_a_badge_and_is_mailed_to_the_assignee(shop, platform_client, jobs):
    demo, tea, _product, _sku = shop
    staff_id = create_staff(demo, "li@demo.example.com", "operator")
    login_staff(platform_client, demo, "li@demo.example.com")
    platform_client.get("/console/support")  # the inbox open: li is online
    member_id, _ = create_member(demo)
    with tenant_context(demo.id):
        from commerce.support.service import member_writes, open_conversation

        member_writes(open_conversation(member_id), "在吗")
        ticket = db.session.scalar(select(Ticket))
        assert ticket.assignee_id == staff_id
        ticket.timer_started_at = T0
        db.session.commit()
        remind_and_escalate(minutes(21))
        db.session.commit()
    jobs.drain()
    with tenant_context(demo.id):
        mails = db.session.scalars(select(OutboxEmail).where(OutboxEmail.to == "li@demo.example.com")).all()
        assert len(mails) == 1 and f"c={ticket.conversation_id}" in mails[0].body
    page = platform_client.get("/console/support", headers=EN).get_data(as_text=True)
    assert 'class="nav-badge"' in page and "waited 20 minutes" in page
    token = csrf_from(platform_client, "/console/support")
    platform_client.post("/console/support/notices/read", data={"csrf_token": token})
    assert 'class="nav-badge"' not in platform_client.get("/console/support").get_data(as_text=True)
    login_staff(platform_client, tea)
    assert 'class="nav-badge"' not in platform_client.get("/console/support").get_data(as_text=True)


def test_the_inbox_shows_the_first_reply_rate_and_median_of_the_chosen_period(shop, platform_client):
    demo, _tea, _product, _sku = shop
    login_staff(platform_client, demo)
    conversation_id = conversation_with_question(demo)
    token = csrf_from(platform_client, f"/console/support?c={conversation_id}")
    platform_client.post(f"/console/support/{conversation_id}/reply", data={"csrf_token": token, "body": "在的"})
    page = platform_client.get("/console/support?days=1", headers=EN).get_data(as_text=True)
    assert 'data-figure="rate">100.0%<' in page and 'data-figure="median">0 min<' in page


def test_the_dashboard_counts_customers_waiting_for_a_first_reply(shop, platform_client):
    demo, tea, _product, _sku = shop
    conversation_with_question(demo)
    login_staff(platform_client, demo)
    todos = {item["key"]: item for item in platform_client.get("/console/overview.json").json["todos"]}
    assert todos["support_waiting"]["count"] == 1 and todos["support_waiting"]["url"] == "/console/support"
    login_staff(platform_client, tea)
    todos = {item["key"]: item for item in platform_client.get("/console/overview.json").json["todos"]}
    assert todos["support_waiting"]["count"] == 0
