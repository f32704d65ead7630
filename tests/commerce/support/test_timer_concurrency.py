"""The timer's once-only claims under real concurrency on PostgreSQL: ten sweeps at once
send one reminder and one escalation; ten first messages at once to a new conversation make
one conversation and one ticket; ten staff replies at once all count as unread for the
member (no lost update) and leave the ticket answered."""
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from commerce.support.models import Conversation, Notice, Ticket
from commerce.support.service import member_writes, open_conversation, remind_and_escalate, staff_replies
from core.extensions import db
from core.outbox import OutboxEvent
from core.tenancy import tenant_context
from tenants.models import StaffUser
from tests.commerce.support.helpers import T0, minutes, online, says, ticket_of
from tests.factories import create_member

pytestmark = pytest.mark.postgres

RACERS = 10


def race(app, store, action):
    barrier = threading.Barrier(RACERS, timeout=60)

    def run(n):
        with app.app_context(), tenant_context(store.id):
            barrier.wait()
            result = action(n)
            db.session.commit()
            return result

    with ThreadPoolExecutor(max_workers=RACERS) as pool:
        return list(pool.map(run, range(RACERS)))


def count(store, model, *where):
    with tenant_context(store.id):
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_ten_simultaneous_sweeps_send_each_reminder_and_escalation_once(app, shop):
    demo, _tea, _product, _sku = shop
    online(demo, demo.owner_email)
    member_id, _ = create_member(demo)
    conversation_id, _ = says(demo, member_id, "在吗", T0)
    assert sum(race(app, demo, lambda n: remind_and_escalate(minutes(20)))) == 1
    assert sum(race(app, demo, lambda n: remind_and_escalate(minutes(31)))) == 1
    assert count(demo, Notice) == 2
    assert count(demo, OutboxEvent, OutboxEvent.topic == "support.notice_due") == 2
    ticket = ticket_of(demo, conversation_id)
    assert ticket.reminded_at == minutes(20) and ticket.escalated_at == minutes(31)


def test_ten_first_messages_at_once_make_one_conversation_and_one_ticket(app, shop):
    demo, _tea, product_id, _sku = shop
    member_id, _ = create_member(demo)

    def write(n):
        member_writes(open_conversation(member_id, product_id=product_id), f"第{n}条：有货吗", T0)

    race(app, demo, write)
    assert count(demo, Conversation) == 1 and count(demo, Ticket) == 1
    with tenant_context(demo.id):
        assert db.session.scalar(select(Conversation.staff_unread)) == RACERS


def test_ten_replies_at_once_all_reach_the_member_and_answer_the_ticket(app, shop):
    demo, _tea, _product, _sku = shop
    member_id, _ = create_member(demo)
    conversation_id, _ = says(demo, member_id, "在吗", T0)

    def answer(n):
        staff = db.session.scalar(select(StaffUser).where(StaffUser.role == StaffUser.OWNER))
        staff_replies(db.session.get(Conversation, conversation_id), staff, f"在的 {n}", minutes(5 + n))

    race(app, demo, answer)
    ticket = ticket_of(demo, conversation_id)
    assert T0 < ticket.first_reply_at <= minutes(5 + RACERS - 1)
    assert ticket.assignee_id is not None
    with tenant_context(demo.id):
        assert db.session.get(Conversation, conversation_id).member_unread == RACERS
