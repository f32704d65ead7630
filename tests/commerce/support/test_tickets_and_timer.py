"""Customer service: the auto-answer goes first and a person second; every conversation
needing a person and every after-sales request is a ticket assigned by the store's rule; the
30-minute first-reply timer reminds the assignee at 20 minutes and escalates to the owner at
30, each once; the console's first-reply figures; one store never sees another's."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from commerce.aftersales.models import AfterSale
from commerce.aftersales.service import reject_after_sale, request_after_sale, withdraw_after_sale
from commerce.members.rights import erase_member
from commerce.orders.models import Order
from commerce.support.errors import InvalidSupportRequest
from commerce.support.models import Conversation, Message, SupportSettings, Ticket
from commerce.support.queries import first_reply_figures, messages_after
from commerce.support.service import (
    member_writes,
    open_conversation,
    remind_and_escalate,
    staff_replies,
    support_settings,
)
from core.extensions import db
from core.models import utcnow
from core.personal_data import personal_data_exporters
from core.sweep_steps import run_sweep_steps
from core.tenancy import tenant_context
from tenants.models import StaffUser
from tests.commerce.support.helpers import (
    T0,
    agents,
    categories,
    minutes,
    notices,
    online,
    paid_balance_order,
    says,
    ticket_of,
)
from tests.factories import create_member


def sweep(store, at):
    with tenant_context(store.id):
        sent = remind_and_escalate(at)
        db.session.commit()
        return sent


def reply(store, conversation_id, email, text, at):
    with tenant_context(store.id):
        staff = db.session.scalar(select(StaffUser).where(StaffUser.email == email))
        staff_replies(db.session.get(Conversation, conversation_id), staff, text, at)
        db.session.commit()


def owner_id(store):
    with tenant_context(store.id):
        return db.session.scalar(select(StaffUser.id).where(StaffUser.role == StaffUser.OWNER))


def test_starting_a_conversation_twice_continues_it_and_each_topic_has_its_own(shop):
    demo, _tea, product_id, _sku = shop
    member_id, _ = create_member(demo)
    first, _ = says(demo, member_id, "有现货吗", product_id=product_id)
    again, _ = says(demo, member_id, "还在吗", product_id=product_id)
    general, _ = says(demo, member_id, "你好")
    assert first == again != general
    with tenant_context(demo.id):
        conversation = db.session.get(Conversation, first)
        assert [m.body for m in messages_after(conversation)] == ["有现货吗", "还在吗"]
        assert conversation.staff_unread == 2


def test_another_members_order_or_another_stores_product_cannot_be_talked_about(shop):
    demo, tea, product_id, sku_id = shop
    member_id, address_id = create_member(demo)
    stranger_id, _ = create_member(demo, nickname="路人")
    order_id, _number = paid_balance_order(demo, member_id, address_id, sku_id)
    tea_member, _ = create_member(tea)
    with tenant_context(demo.id), pytest.raises(InvalidSupportRequest, match="order cannot be found"):
        open_conversation(stranger_id, order_id=order_id)
    with tenant_context(tea.id), pytest.raises(InvalidSupportRequest, match="product cannot be found"):
        open_conversation(tea_member, product_id=product_id)


def test_an_empty_or_overlong_message_is_refused_and_nothing_is_written(shop):
    demo, _tea, _product, _sku = shop
    member_id, _ = create_member(demo)
    with tenant_context(demo.id):
        conversation = open_conversation(member_id)
        for text in ("   ", "长" * 1001):
            with pytest.raises(InvalidSupportRequest):
                member_writes(conversation, text, T0)
        assert messages_after(conversation) == [] and db.session.scalar(select(Ticket)) is None


def test_the_bot_answers_shipping_and_returns_with_the_stores_words_and_starts_no_timer(shop):
    demo, _tea, _product, _sku = shop
    member_id, _ = create_member(demo)
    with tenant_context(demo.id):
        support_settings().returns_answer = "收货 15 天内可退，运费我们出。"
        db.session.commit()
    conversation_id, shipping = says(demo, member_id, "请问什么时候发货？")
    assert shipping[1][0] == "bot" and "48 hours" in shipping[1][1]
    _id, returns = says(demo, member_id, "可以退货吗", minutes(1))
    assert returns[1] == ("bot", "收货 15 天内可退，运费我们出。")
    ticket = ticket_of(demo, conversation_id)
    assert (ticket.timer_started_at, ticket.first_reply_at) == (None, None)
    assert sweep(demo, minutes(60)) == 0 and notices(demo) == []


def test_order_status_is_looked_up_in_the_members_latest_order(shop):
    demo, _tea, _product, sku_id = shop
    member_id, address_id = create_member(demo)
    _order_id, number = paid_balance_order(demo, member_id, address_id, sku_id)
    _id, written = says(demo, member_id, "我的订单到哪了")
    assert written[1] == ("bot", f"Your order {number}: Paid, to be shipped.")
    nobody, _ = create_member(demo, nickname="新客")
    assert says(demo, nobody, "订单状态")[1][1] == ("bot", "You have no orders in this store yet.")


def test_a_handoff_word_or_an_unmatched_question_waits_for_a_person_and_the_bot_is_no_first_reply(shop):
    demo, _tea, _product, _sku = shop
    member_id, _ = create_member(demo)
    conversation_id, written = says(demo, member_id, "发货时间是多久")  # the bot answers: no timer
    _id, handed = says(demo, member_id, "转人工", minutes(2))
    assert handed[1][0] == "bot" and "person" in handed[1][1]
    ticket = ticket_of(demo, conversation_id)
    assert (ticket.timer_started_at, ticket.first_reply_at) == (minutes(2), None)
    other, _ = create_member(demo, nickname="另一位")
    unmatched, only_theirs = says(demo, other, "这个茶叶是今年的新茶吗", minutes(3))
    assert [sender for sender, _body in only_theirs] == ["member"]
    assert ticket_of(demo, unmatched).timer_started_at == minutes(3)


def test_reminder_at_20_minutes_to_the_assignee_and_escalation_at_30_to_the_owner_each_once(shop):
    demo, tea, _product, _sku = shop
    [li] = online(demo, *agents(demo, "li"))
    member_id, _ = create_member(demo)
    conversation_id, _ = says(demo, member_id, "能开发票吗", T0)
    assert ticket_of(demo, conversation_id).assignee_id == li
    assert sweep(demo, minutes(19)) == 0
    assert sweep(demo, minutes(20)) == 1 and sweep(demo, minutes(21)) == 0
    assert sweep(demo, minutes(30)) == 1
    for _ in range(3):  # retried sweeps, later and later
        assert sweep(demo, minutes(45)) == 0
    ticket = ticket_of(demo, conversation_id)
    assert notices(demo) == [("escalation", owner_id(demo), ticket.id), ("reminder", li, ticket.id)]
    assert notices(tea) == [] and sweep(tea, minutes(45)) == 0


def test_a_reply_within_20_minutes_stops_the_timer_and_sends_nothing(shop):
    demo, _tea, _product, _sku = shop
    online(demo, demo.owner_email)
    member_id, _ = create_member(demo)
    conversation_id, _ = says(demo, member_id, "能便宜点吗", T0)
    reply(demo, conversation_id, demo.owner_email, "已经是活动价啦", minutes(12))
    says(demo, member_id, "好吧", minutes(13))  # after the first reply: the timer is not restarted
    assert sweep(demo, minutes(40)) == 0 and notices(demo) == []
    ticket = ticket_of(demo, conversation_id)
    assert ticket.first_reply_at - ticket.timer_started_at == timedelta(minutes=12)


def test_round_robin_among_online_staff_only(shop):
    demo, _tea, _product, _sku = shop
    li, wang = online(demo, *agents(demo, "li", "wang"))
    agents(demo, "zhao")  # never opened the inbox: offline
    online(demo, *agents(demo, "chen"), at=T0 - timedelta(minutes=11))  # seen 11 minutes ago: offline (10)
    assigned = []
    for n in range(4):
        member_id, _ = create_member(demo, nickname=f"客{n}")
        conversation_id, _ = says(demo, member_id, "在吗", minutes(1))
        assigned.append(ticket_of(demo, conversation_id).assignee_id)
    assert assigned == [li, wang, li, wang]


def test_by_category_goes_to_staff_with_that_skill_and_to_anyone_online_when_nobody_has_it(shop):
    demo, _tea, product_id, sku_id = shop
    with tenant_context(demo.id):
        support_settings().assign_mode = SupportSettings.BY_CATEGORY
        db.session.commit()
    li, wang = online(demo, *agents(demo, "li", "wang"))
    categories(demo, li, ["order", "after_sale"])
    categories(demo, wang, ["pre_sale"])
    member_id, address_id = create_member(demo)
    order_id, _ = paid_balance_order(demo, member_id, address_id, sku_id)
    pre_sale = [ticket_of(demo, says(demo, member_id, f"第{n}个问题", minutes(1), product_id=product_id)[0]).assignee_id
                for n in range(2)]
    about_order = ticket_of(demo, says(demo, member_id, "能改地址吗", minutes(1), order_id=order_id)[0]).assignee_id
    assert pre_sale == [wang, wang] and about_order == li
    categories(demo, li, [])
    categories(demo, wang, [])
    other, _ = create_member(demo, nickname="另一位")
    assert ticket_of(demo, says(demo, other, "在吗", minutes(2))[0]).assignee_id in (li, wang)


def test_nobody_online_leaves_the_ticket_to_the_owner_and_the_sweep_assigns_it_when_someone_comes(shop):
    demo, _tea, _product, _sku = shop
    member_id, _ = create_member(demo)
    conversation_id, _ = says(demo, member_id, "在吗", T0)
    assert ticket_of(demo, conversation_id).assignee_id is None
    sweep(demo, minutes(20))
    assert notices(demo) == [("reminder", owner_id(demo), ticket_of(demo, conversation_id).id)]
    [li] = online(demo, *agents(demo, "li"), at=minutes(21))
    sweep(demo, minutes(22))
    assert ticket_of(demo, conversation_id).assignee_id == li


def test_an_after_sales_request_becomes_a_ticket_timed_from_the_request(shop, jobs):
    demo, _tea, _product, sku_id = shop
    member_id, address_id = create_member(demo)
    order_id, _number = paid_balance_order(demo, member_id, address_id, sku_id)
    with tenant_context(demo.id):
        request = request_after_sale(db.session.get(Order, order_id), member_id, kind="refund_only",
                                     reason="not_received", description="一直没收到", amount=1000, lines={})
        db.session.commit()
        request_id, asked_at = request.id, request.created_at
    jobs.drain()
    with tenant_context(demo.id):
        ticket = db.session.scalar(select(Ticket).where(Ticket.after_sale_id == request_id))
        conversation = db.session.get(Conversation, ticket.conversation_id)
        assert (ticket.category, conversation.order_id, ticket.timer_started_at) == ("after_sale", order_id, asked_at)
        assert messages_after(conversation)[0].body == "售后申请：未收到货，¥10.00。 一直没收到"  # the store's language
    sent = sweep(demo, asked_at + timedelta(minutes=31))
    assert sent == 2  # reminder and escalation (both owed by then), once each


def test_first_reply_rate_and_median_for_a_period(shop):
    """Five tickets whose timers start 10:00–10:04: answered after 5, 12 and 40 minutes,
    one never answered (missed), one still under its 30 minutes at the time of reading."""
    demo, tea, _product, _sku = shop
    online(demo, demo.owner_email)
    waits = {0: 5, 1: 12, 2: 40, 3: None}
    for n, wait in waits.items():
        member_id, _ = create_member(demo, nickname=f"客{n}")
        conversation_id, _ = says(demo, member_id, "在吗", minutes(n))
        if wait is not None:
            reply(demo, conversation_id, demo.owner_email, "在的", minutes(n + wait))
    late, _ = create_member(demo, nickname="晚到")
    says(demo, late, "在吗", minutes(50))
    with tenant_context(demo.id):
        figures = first_reply_figures(T0, minutes(60), now=minutes(60))
    assert (figures.timed, figures.within, figures.waiting) == (4, 2, 1)
    assert figures.rate == 0.5 and figures.median_seconds == 12 * 60
    with tenant_context(tea.id):
        assert first_reply_figures(T0, minutes(60), now=minutes(60)).timed == 0


def test_a_members_conversations_are_in_their_export_and_go_with_their_account(shop):
    demo, _tea, _product, _sku = shop
    member_id, _ = create_member(demo)
    other_id, _ = create_member(demo, nickname="另一位")
    says(demo, member_id, "我家地址是文三路 100 号", T0)
    says(demo, other_id, "在吗", T0)
    with tenant_context(demo.id):
        exporter = next(holder for holder in personal_data_exporters() if holder.name == "customer_service")
        [conversation] = exporter.run(member_id)
        assert conversation["messages"][0]["text"] == "我家地址是文三路 100 号"
        erase_member(member_id)
        db.session.commit()
        assert db.session.scalars(select(Conversation.member_id)).all() == [other_id]
        assert db.session.scalar(select(func.count()).select_from(Message)) == 1
        assert db.session.scalar(select(func.count()).select_from(Ticket)) == 1


def test_the_every_minute_sweep_runs_the_timer(shop):
    demo, _tea, _product, _sku = shop
    member_id, _ = create_member(demo)
    says(demo, member_id, "在吗", utcnow() - timedelta(minutes=21))
    with tenant_context(demo.id):
        assert run_sweep_steps()["support_notices"] == 1
        assert run_sweep_steps()["support_notices"] == 0


def test_deciding_the_after_sales_request_is_its_first_reply_and_the_shopper_reads_it(shop, jobs):
    demo, _tea, _product, sku_id = shop
    member_id, address_id = create_member(demo)
    order_id, _number = paid_balance_order(demo, member_id, address_id, sku_id)
    with tenant_context(demo.id):
        request = request_after_sale(db.session.get(Order, order_id), member_id, kind="refund_only",
                                     reason="other", description=None, amount=1000, lines={})
        db.session.commit()
        request_id = request.id
    jobs.drain()
    with tenant_context(demo.id):
        reject_after_sale(db.session.get(AfterSale, request_id), actor=None, note="已发货，请先拒收")
        db.session.commit()
        decided_at = db.session.scalar(select(AfterSale.decided_at).where(AfterSale.id == request_id))
    jobs.drain()
    with tenant_context(demo.id):
        ticket = db.session.scalar(select(Ticket).where(Ticket.after_sale_id == request_id)
                                   .execution_options(populate_existing=True))
        assert ticket.first_reply_at == decided_at
        last = messages_after(db.session.get(Conversation, ticket.conversation_id))[-1]
        assert (last.sender, last.body) == ("staff", "售后申请已拒绝：已发货，请先拒收")
    assert sweep(demo, decided_at + timedelta(minutes=45)) == 0 and notices(demo) == []


def test_a_withdrawn_after_sales_request_closes_its_ticket(shop, jobs):
    demo, _tea, _product, sku_id = shop
    member_id, address_id = create_member(demo)
    order_id, _number = paid_balance_order(demo, member_id, address_id, sku_id)
    with tenant_context(demo.id):
        request = request_after_sale(db.session.get(Order, order_id), member_id, kind="refund_only",
                                     reason="other", description=None, amount=1000, lines={})
        db.session.commit()
        withdraw_after_sale(request, member_id)
        db.session.commit()
        request_id = request.id
    jobs.drain()
    with tenant_context(demo.id):
        ticket = db.session.scalar(select(Ticket).where(Ticket.after_sale_id == request_id)
                                   .execution_options(populate_existing=True))
        assert ticket.status == "closed"
