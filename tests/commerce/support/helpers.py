"""Builders shared by the customer-service tests."""
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from commerce.members.models import Address, Member
from commerce.orders.payments import pay_with_balance
from commerce.orders.service import Wanted, place_order
from commerce.support.models import Agent, Notice, Ticket
from commerce.support.service import member_writes, open_conversation, seen_in_inbox
from core.extensions import db
from core.tenancy import tenant_context
from tenants.models import StaffUser
from tests.commerce.orders.test_balance_payments import give_balance
from tests.factories import create_staff

T0 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)  # 10:00 in China


def minutes(n):
    return T0 + timedelta(minutes=n)


def online(store, *emails, at=T0):
    """Staff of ``store`` with the inbox open at ``at``; returns their ids (owner first)."""
    ids = []
    with tenant_context(store.id):
        for email in emails:
            staff = db.session.scalar(select(StaffUser).where(StaffUser.email == email))
            seen_in_inbox(staff, at)
            ids.append(staff.id)
        db.session.commit()
    return ids


def agents(store, *names, role="operator"):
    """New operators ``<name>@<slug>.example.com``; returns their e-mails."""
    emails = [f"{name}@{store.slug}.example.com" for name in names]
    for email in emails:
        create_staff(store, email, role)
    return emails


def says(store, member_id, text, at=T0, **topic):
    with tenant_context(store.id):
        conversation = open_conversation(member_id, **topic)
        written = member_writes(conversation, text, at)
        db.session.commit()
        return conversation.id, [(message.sender, message.body) for message in written]


def ticket_of(store, conversation_id):
    with tenant_context(store.id):
        return db.session.scalar(select(Ticket).where(Ticket.conversation_id == conversation_id)
                                 .order_by(Ticket.id.desc()).execution_options(populate_existing=True))


def notices(store):
    with tenant_context(store.id):
        return sorted((notice.kind, notice.staff_id, notice.ticket_id) for notice in db.session.scalars(select(Notice)))


def categories(store, staff_id, chosen):
    with tenant_context(store.id):
        db.session.scalar(select(Agent).where(Agent.staff_id == staff_id)).categories = list(chosen)
        db.session.commit()


def paid_balance_order(store, member_id, address_id, sku_id, quantity=1):
    give_balance(store, member_id, 100000)
    with tenant_context(store.id):
        order = place_order(member_id=member_id, wanted=[Wanted(sku_id, quantity)],
                            address=db.session.get(Address, address_id))
        pay_with_balance(order, db.session.get(Member, member_id))
        db.session.commit()
        return order.id, order.number
