"""Read-only views of customer service: the inbox, a thread, the member's conversations,
the staff member's to-dos and the first-reply figures of a period."""
from dataclasses import dataclass
from statistics import median

from sqlalchemy import func, select

from commerce.catalog.models import Product
from commerce.members.models import Member
from commerce.orders.models import Order
from commerce.support.models import Agent, Conversation, Message, Notice, QuickReply, Ticket
from commerce.support.service import FIRST_REPLY_TARGET
from core.extensions import db
from core.models import utcnow
from core.pagination import Ordering, paginate
from tenants.models import StaffUser

LATEST_FIRST = Ordering("support_latest", Conversation.last_message_at.desc(), Conversation.id.desc())
THREAD_LIMIT = 200


def inbox_page(*, per_page, cursor=None, mine_staff_id=None):
    statement = select(Conversation)
    if mine_staff_id is not None:
        statement = statement.where(Conversation.id.in_(select(Ticket.conversation_id).where(
            Ticket.status == Ticket.OPEN, Ticket.assignee_id == mine_staff_id)))
    return paginate(statement, LATEST_FIRST, per_page=per_page, cursor=cursor)


def conversation_by_id(conversation_id, member_id=None):
    statement = select(Conversation).where(Conversation.id == conversation_id)
    if member_id is not None:
        statement = statement.where(Conversation.member_id == member_id)
    return db.session.scalar(statement)


def conversation_about(member_id, topic):
    """The member's conversation on ``topic`` (``service.topic_of``), or None."""
    return db.session.scalar(select(Conversation).where(Conversation.member_id == member_id,
                                                        Conversation.topic == topic))


def member_conversations(member_id, limit=50):
    return db.session.scalars(select(Conversation).where(Conversation.member_id == member_id)
                              .order_by(Conversation.last_message_at.desc(), Conversation.id.desc()).limit(limit)).all()


def messages_after(conversation, after_id=0, limit=THREAD_LIMIT):
    """The thread's messages newer than ``after_id``, oldest first (the last ``limit``)."""
    newest = db.session.scalars(select(Message).where(Message.conversation_id == conversation.id,
                                                      Message.id > after_id)
                                .order_by(Message.id.desc()).limit(limit)).all()
    return list(reversed(newest))


def open_tickets_by_conversation(conversation_ids):
    if not conversation_ids:
        return {}
    return {ticket.conversation_id: ticket for ticket in db.session.scalars(
        select(Ticket).where(Ticket.conversation_id.in_(conversation_ids), Ticket.status == Ticket.OPEN))}


def unread_total():
    return db.session.scalar(select(func.coalesce(func.sum(Conversation.staff_unread), 0)))


def waiting_tickets():
    """Open tickets whose first reply is still owed (the console's to-do)."""
    return db.session.scalar(select(func.count()).select_from(Ticket).where(
        Ticket.status == Ticket.OPEN, Ticket.timer_started_at.is_not(None), Ticket.first_reply_at.is_(None)))


def unread_notices(staff_id):
    return db.session.scalars(select(Notice).where(Notice.staff_id == staff_id, Notice.read_at.is_(None))
                              .order_by(Notice.id.desc()).limit(20)).all()


def quick_replies():
    return db.session.scalars(select(QuickReply).order_by(QuickReply.position, QuickReply.id)).all()


def quick_reply_by_id(reply_id):
    return db.session.scalar(select(QuickReply).where(QuickReply.id == reply_id))


@dataclass(frozen=True)
class FirstReplyFigures:
    timed: int  # tickets whose timer started in the period and whose outcome is known
    within: int  # first human reply within 30 minutes
    waiting: int  # timer running, still under 30 minutes: not counted yet
    median_seconds: float | None  # of the answered ones

    @property
    def rate(self):
        return self.within / self.timed if self.timed else None


def first_reply_figures(start, end, now=None):
    """Tickets whose timer started in [start, end): the share answered by a person within 30
    minutes (an unanswered one counts as missed once its 30 minutes are over) and the median
    time to that first reply."""
    now = now or utcnow()
    rows = db.session.execute(select(Ticket.timer_started_at, Ticket.first_reply_at).where(
        Ticket.timer_started_at >= start, Ticket.timer_started_at < end)).all()
    timed = within = waiting = 0
    answered = []
    for started, replied in rows:
        if replied is None:
            if now - started <= FIRST_REPLY_TARGET:
                waiting += 1
            else:
                timed += 1
            continue
        timed += 1
        answered.append((replied - started).total_seconds())
        within += replied - started <= FIRST_REPLY_TARGET
    return FirstReplyFigures(timed, within, waiting, median(answered) if answered else None)


def conversation_labels(conversations):
    """``{conversation id: {"member": nickname or None, "product": title, "order": number}}`` for a list."""
    member_ids = {c.member_id for c in conversations}
    product_ids = {c.product_id for c in conversations if c.product_id}
    order_ids = {c.order_id for c in conversations if c.order_id}
    nicknames = dict(db.session.execute(select(Member.id, Member.nickname).where(Member.id.in_(member_ids))).all()) \
        if member_ids else {}
    titles = dict(db.session.execute(select(Product.id, Product.title).where(Product.id.in_(product_ids))).all()) \
        if product_ids else {}
    numbers = dict(db.session.execute(select(Order.id, Order.number).where(Order.id.in_(order_ids))).all()) \
        if order_ids else {}
    return {c.id: {"member": nicknames.get(c.member_id), "product": titles.get(c.product_id),
                   "order": numbers.get(c.order_id)} for c in conversations}


def agent_skills():
    """``{staff id: [category code, …]}`` of the staff members who have categories."""
    return {agent.staff_id: agent.categories for agent in db.session.scalars(select(Agent))}


def staff_names():
    return {staff.id: staff.name or staff.email for staff in db.session.scalars(select(StaffUser))}
