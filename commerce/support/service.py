"""Customer service: conversations, messages, tickets and their 30-minute first-reply timer.

- ``open_conversation``: start or continue the member's conversation about a product, an
  order or the store (one per topic; two starts at once continue the same one).
- ``member_writes``: the member's message; the auto-answer goes first (``answers``); what it
  does not answer, or a 「转人工」, waits for a person: the conversation's open ticket (made
  and assigned now if there is none) starts its first-reply timer, once per ticket.
- ``staff_replies``: a staff member's reply; the first one on a ticket stops its timer (a
  conditional update: two replies at once record the first once) and takes an unassigned ticket.
- ``after_sale_ticket``: an after-sales request becomes a ticket on its order's conversation,
  its timer started at the request (subscribed to ``AFTER_SALE_REQUESTED``).
- ``remind_and_escalate``: the sweep step (every minute): at 20 minutes without a first reply
  a reminder to the assignee (the owner when nobody has it), at 30 an escalation to the owner.
  Each is a conditional update of the ticket plus a row unique per ticket and kind, written
  with its outbox event (the e-mail) in one transaction: exactly once however many sweeps run.
- Assignment (``assign``): round robin among online staff (the inbox open within the store's
  ``online_minutes``), or by category among the online staff who have it (all online staff
  when none has); nobody online: unassigned until someone is (the sweep assigns then).
"""
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from commerce.aftersales.models import AfterSale
from commerce.aftersales.service import AFTER_SALE_DECIDED, AFTER_SALE_REQUESTED, reasons
from commerce.catalog.models import Product
from commerce.orders.models import Order
from commerce.support.answers import auto_answer, wants_person
from commerce.support.errors import InvalidSupportRequest
from commerce.support.models import (
    AFTER_SALE,
    CATEGORIES,
    GENERAL,
    Agent,
    Conversation,
    Message,
    Notice,
    QuickReply,
    SupportSettings,
    Ticket,
)
from core.audit import record_audit
from core.extensions import db
from core.models import utcnow
from core.money import format_money
from core.outbox import publish, subscriber
from core.sweep_steps import sweep_step
from core.tenancy import current_tenant_id
from tenants.models import StaffUser

MAX_BODY = 1000
REMIND_AFTER = timedelta(minutes=20)
ESCALATE_AFTER = timedelta(minutes=30)
FIRST_REPLY_TARGET = timedelta(minutes=30)
IDLE_CLOSE = timedelta(hours=24)  # an answered ticket quiet this long is closed by the sweep
MAX_QUICK_REPLIES = 30
NOTICE_DUE = "support.notice_due"  # payload: notice_id — the e-mail to the staff member


# --- settings ---------------------------------------------------------------------------

def support_settings(*, lock=False):
    """The store's settings row, made on first use (two first uses at once make one)."""
    statement = select(SupportSettings)
    found = db.session.scalar(statement.with_for_update() if lock else statement)
    if found is None:
        try:
            with db.session.begin_nested():
                found = SupportSettings()
                db.session.add(found)
        except IntegrityError:
            found = db.session.scalar(statement.with_for_update() if lock else statement)
    return found


def update_settings(*, actor, assign_mode, online_minutes, shipping_answer, returns_answer, categories):
    """``categories``: {staff id: [category, …]}."""
    if assign_mode not in (SupportSettings.ROUND_ROBIN, SupportSettings.BY_CATEGORY):
        raise InvalidSupportRequest(_("Choose how tickets are assigned."), field="assign_mode")
    if not isinstance(online_minutes, int) or not 1 <= online_minutes <= 240:
        raise InvalidSupportRequest(_("Between 1 and 240 minutes."), field="online_minutes")
    settings = support_settings()
    settings.assign_mode, settings.online_minutes = assign_mode, online_minutes
    settings.shipping_answer = (shipping_answer or "").strip()[:MAX_BODY] or None
    settings.returns_answer = (returns_answer or "").strip()[:MAX_BODY] or None
    staff_ids = set(db.session.scalars(select(StaffUser.id)))
    for staff_id, chosen in categories.items():
        if staff_id not in staff_ids:
            continue
        agent_of(staff_id).categories = [category for category in CATEGORIES if category in chosen]
    record_audit("support.settings", actor=actor, details={"assign_mode": assign_mode})
    return settings


def agent_of(staff_id):
    found = db.session.scalar(select(Agent).where(Agent.staff_id == staff_id))
    if found is None:
        try:
            with db.session.begin_nested():
                found = Agent(staff_id=staff_id, categories=[])
                db.session.add(found)
        except IntegrityError:
            found = db.session.scalar(select(Agent).where(Agent.staff_id == staff_id))
    return found


def seen_in_inbox(staff, now=None):
    """The staff member has the inbox open: online for assignment for ``online_minutes``."""
    now = now or utcnow()
    agent = agent_of(staff.id)
    if agent.last_seen_at is None or now - agent.last_seen_at >= timedelta(seconds=30):
        agent.last_seen_at = now


def online_staff(now=None, category=None):
    """Ids of the staff online now (active, allowed to edit), lowest first; with
    ``category``, those who have it, or all online when nobody has."""
    now = now or utcnow()
    since = now - timedelta(minutes=support_settings().online_minutes)
    rows = db.session.execute(
        select(Agent.staff_id, Agent.categories).join(StaffUser, StaffUser.id == Agent.staff_id)
        .where(Agent.last_seen_at >= since, StaffUser.active.is_(True), StaffUser.role != StaffUser.VIEWER)
        .order_by(Agent.staff_id)).all()
    skilled = [staff_id for staff_id, categories in rows if category in (categories or [])]
    return skilled if category is not None and skilled else [staff_id for staff_id, _categories in rows]


def assign(ticket, now=None):
    """Give an unassigned ticket to the next online staff member by the store's rule (round
    robin over the candidates, the store's settings row locked so two assignments at once
    take turns). Returns the staff id, None when nobody is online."""
    settings = support_settings(lock=True)
    by_category = settings.assign_mode == SupportSettings.BY_CATEGORY
    candidates = online_staff(now, ticket.category if by_category else None)
    if not candidates:
        return None
    after = settings.last_assigned_staff_id or 0
    chosen = next((staff_id for staff_id in candidates if staff_id > after), candidates[0])
    settings.last_assigned_staff_id = chosen
    ticket.assignee_id = chosen
    return chosen


# --- conversations and messages ------------------------------------------------------------

def open_conversation(member_id, *, product_id=None, order_id=None):
    """The member's conversation about the product, the order or (neither) the store.

    :raise InvalidSupportRequest: no such product on sale, or not the member's order
    """
    if order_id is not None:
        order = db.session.scalar(select(Order).where(Order.id == order_id, Order.member_id == member_id))
        if order is None:
            raise InvalidSupportRequest(_("This order cannot be found."), status=404)
        product_id = None
    elif product_id is not None and db.session.get(Product, product_id) is None:
        raise InvalidSupportRequest(_("This product cannot be found."), status=404)
    topic = topic_of(product_id=product_id, order_id=order_id)
    statement = select(Conversation).where(Conversation.member_id == member_id, Conversation.topic == topic)
    found = db.session.scalar(statement)
    if found is None:
        try:
            with db.session.begin_nested():
                found = Conversation(member_id=member_id, topic=topic, product_id=product_id, order_id=order_id)
                db.session.add(found)
        except IntegrityError:  # started at the same moment elsewhere: continue that one
            found = db.session.scalar(statement)
    return found


def topic_of(*, product_id=None, order_id=None):
    """A conversation's topic: ``order:<id>``, ``product:<id>`` or ``general``."""
    return f"order:{order_id}" if order_id else f"product:{product_id}" if product_id else GENERAL


def member_writes(conversation, text, now=None):
    """The member's message, and the auto-answer's when it has one. Returns the messages added.

    :raise InvalidSupportRequest: empty or too long (nothing written)
    """
    text = _checked(text)
    now = now or utcnow()
    settings = support_settings()
    written = [_add(conversation, Message.MEMBER, text, now)]
    answer = auto_answer(conversation, text, settings)
    if answer is None and wants_person(text):
        answer_for_person = _("Connecting you to a person: we answer within 30 minutes.")
        written.append(_add(conversation, Message.BOT, answer_for_person, now))
    elif answer is not None:
        written.append(_add(conversation, Message.BOT, answer, now))
    ticket = open_ticket(conversation, now)
    ticket.last_activity_at = now
    if answer is None and ticket.timer_started_at is None and ticket.first_reply_at is None:
        ticket.timer_started_at = now
    return written


def staff_replies(conversation, staff, text, now=None):
    """A staff member's reply. The first on the open ticket records its first reply.

    :raise InvalidSupportRequest: empty or too long (nothing written)
    """
    text = _checked(text)
    now = now or utcnow()
    message = _add(conversation, Message.STAFF, text, now, staff_id=staff.id)
    db.session.execute(update(Conversation).where(Conversation.id == conversation.id).values(staff_unread=0)
                       .execution_options(synchronize_session=False))
    ticket = current_ticket(conversation)
    if ticket is not None:
        db.session.execute(update(Ticket).where(Ticket.id == ticket.id, Ticket.first_reply_at.is_(None))
                           .values(first_reply_at=now).execution_options(synchronize_session=False))
        db.session.execute(update(Ticket).where(Ticket.id == ticket.id, Ticket.assignee_id.is_(None))
                           .values(assignee_id=staff.id).execution_options(synchronize_session=False))
        db.session.execute(update(Ticket).where(Ticket.id == ticket.id).values(last_activity_at=now)
                           .execution_options(synchronize_session=False))
        db.session.refresh(ticket)
    db.session.refresh(conversation)
    return message


def read_by_staff(conversation):
    db.session.execute(update(Conversation).where(Conversation.id == conversation.id, Conversation.staff_unread > 0)
                       .values(staff_unread=0).execution_options(synchronize_session=False))


def read_by_member(conversation):
    db.session.execute(update(Conversation).where(Conversation.id == conversation.id, Conversation.member_unread > 0)
                       .values(member_unread=0).execution_options(synchronize_session=False))


def close_ticket(ticket, *, actor=None, now=None):
    changed = db.session.execute(update(Ticket).where(Ticket.id == ticket.id, Ticket.status == Ticket.OPEN)
                                 .values(status=Ticket.CLOSED, closed_at=now or utcnow())
                                 .execution_options(synchronize_session=False)).rowcount
    if changed != 1:
        raise InvalidSupportRequest(_("This ticket is already closed."), status=409)
    if actor is not None:
        record_audit("support.ticket_closed", actor=actor, details={"ticket": ticket.id})
    db.session.refresh(ticket)


def current_ticket(conversation):
    return db.session.scalar(select(Ticket).where(Ticket.conversation_id == conversation.id,
                                                  Ticket.status == Ticket.OPEN))


def open_ticket(conversation, now=None, *, category=None, after_sale_id=None, timer_started_at=None):
    """The conversation's open ticket, made (and assigned) when there is none."""
    found = current_ticket(conversation)
    if found is not None:
        return found
    now = now or utcnow()
    try:
        with db.session.begin_nested():
            found = Ticket(conversation_id=conversation.id, category=category or conversation.category,
                           after_sale_id=after_sale_id, created_at=now, last_activity_at=now,
                           timer_started_at=timer_started_at)
            db.session.add(found)
            db.session.flush()
            assign(found, now)
    except IntegrityError:  # another message opened it at the same moment
        found = current_ticket(conversation)
    return found


def _checked(text):
    text = (text or "").strip()
    if not text:
        raise InvalidSupportRequest(_("Write a message first."), field="body")
    if len(text) > MAX_BODY:
        raise InvalidSupportRequest(_("A message can be at most %(n)d characters.", n=MAX_BODY), field="body")
    return text


def _add(conversation, sender, text, now, staff_id=None):
    message = Message(conversation_id=conversation.id, sender=sender, staff_id=staff_id, body=text, created_at=now)
    db.session.add(message)
    unread = (Conversation.staff_unread if sender == Message.MEMBER else Conversation.member_unread)
    db.session.execute(update(Conversation).where(Conversation.id == conversation.id)
                       .values({unread.key: unread + 1, "last_message_at": now, "last_preview": text[:80]})
                       .execution_options(synchronize_session=False))
    db.session.flush()
    return message


# --- after-sales ---------------------------------------------------------------------------

@subscriber(AFTER_SALE_REQUESTED)
def after_sale_ticket(event):
    """An after-sales request waits for a person: a ticket on its order's conversation, the
    request written into it, the timer started when the shopper asked."""
    request = db.session.get(AfterSale, event.payload["after_sale_id"])
    if request is None or db.session.scalar(select(Ticket.id).where(Ticket.after_sale_id == request.id)):
        return
    conversation = open_conversation(request.member_id, order_id=request.order_id)
    words = _("After-sales request: %(reason)s, %(amount)s.", reason=reasons().get(request.reason, request.reason),
              amount=format_money(request.amount))
    _add(conversation, Message.MEMBER, words + (f" {request.description}" if request.description else ""),
         request.created_at)
    ticket = open_ticket(conversation, request.created_at, category=AFTER_SALE, after_sale_id=request.id,
                         timer_started_at=request.created_at)
    if ticket.after_sale_id is None:  # the conversation had a ticket open already: it carries this request
        ticket.after_sale_id, ticket.category = request.id, AFTER_SALE
        if ticket.first_reply_at is None and ticket.timer_started_at is None:
            ticket.timer_started_at = request.created_at


@subscriber(AFTER_SALE_DECIDED)
def after_sale_answered(event):
    """The store deciding an after-sales request answers its ticket: the decision is written
    into the conversation for the shopper and, if nobody had replied yet, is the ticket's
    first reply (at the moment of the decision). A request the shopper withdrew closes it."""
    request = db.session.get(AfterSale, event.payload["after_sale_id"])
    ticket = db.session.scalar(select(Ticket).where(Ticket.after_sale_id == event.payload["after_sale_id"]))
    if request is None or ticket is None or ticket.status != Ticket.OPEN:
        return
    if request.status == AfterSale.WITHDRAWN:
        close_ticket(ticket, now=request.decided_at)
        return
    if request.status == AfterSale.APPROVED:
        words = _("After-sales request approved: the refund of %(amount)s is on its way.",
                  amount=format_money(request.amount))
    elif request.status == AfterSale.REJECTED:
        words = _("After-sales request rejected: %(note)s", note=request.merchant_note or "")
    else:
        return  # put back before the store (a refund WeChat failed): still waiting
    _add(db.session.get(Conversation, ticket.conversation_id), Message.STAFF, words, request.decided_at)
    db.session.execute(update(Ticket).where(Ticket.id == ticket.id, Ticket.first_reply_at.is_(None))
                       .values(first_reply_at=request.decided_at).execution_options(synchronize_session=False))


# --- the timer -------------------------------------------------------------------------------

@sweep_step(order=60, outcome="support_notices")
def remind_and_escalate(now=None):
    """Reminders at 20 minutes, escalations at 30, each once; unassigned open tickets go to
    whoever came online; answered tickets quiet for a day are closed. Returns notices sent."""
    now = now or utcnow()
    sent = 0
    for kind, after, stamp in ((Notice.REMINDER, REMIND_AFTER, Ticket.reminded_at),
                               (Notice.ESCALATION, ESCALATE_AFTER, Ticket.escalated_at)):
        due = db.session.scalars(select(Ticket).where(
            Ticket.status == Ticket.OPEN, Ticket.first_reply_at.is_(None), stamp.is_(None),
            Ticket.timer_started_at <= now - after).order_by(Ticket.id)).all()
        for ticket in due:
            sent += _notify(ticket, kind, stamp, now)
    for ticket in db.session.scalars(select(Ticket).where(Ticket.status == Ticket.OPEN, Ticket.assignee_id.is_(None))):
        assign(ticket, now)
    db.session.execute(update(Ticket).where(Ticket.status == Ticket.OPEN, Ticket.first_reply_at.is_not(None),
                                            Ticket.last_activity_at <= now - IDLE_CLOSE)
                       .values(status=Ticket.CLOSED, closed_at=now).execution_options(synchronize_session=False))
    return sent


def _notify(ticket, kind, stamp, now):
    """One notice of ``kind`` for the ticket, if this sweep is the one to stamp it."""
    recipient = ticket.assignee_id if kind == Notice.REMINDER and ticket.assignee_id else store_owner_id()
    if recipient is None:
        return 0
    try:
        with db.session.begin_nested():
            stamped = db.session.execute(update(Ticket).where(Ticket.id == ticket.id, stamp.is_(None))
                                         .values({stamp.key: now}).execution_options(synchronize_session=False))
            if stamped.rowcount != 1:
                return 0  # another sweep did it
            notice = Notice(ticket_id=ticket.id, kind=kind, staff_id=recipient, created_at=now)
            db.session.add(notice)
            db.session.flush()
            publish(NOTICE_DUE, tenant_id=current_tenant_id(), notice_id=notice.id)
    except IntegrityError:
        return 0
    return 1


def store_owner_id():
    return db.session.scalar(select(StaffUser.id).where(StaffUser.role == StaffUser.OWNER,
                                                        StaffUser.active.is_(True)).order_by(StaffUser.id).limit(1))


def read_notices(staff):
    db.session.execute(update(Notice).where(Notice.staff_id == staff.id, Notice.read_at.is_(None))
                       .values(read_at=utcnow()).execution_options(synchronize_session=False))


# --- quick replies ---------------------------------------------------------------------------

def add_quick_reply(text, *, actor):
    text = _checked(text)[:500]
    if db.session.scalar(select(func.count()).select_from(QuickReply)) >= MAX_QUICK_REPLIES:
        raise InvalidSupportRequest(_("At most %(n)d quick replies.", n=MAX_QUICK_REPLIES), field="body")
    last = db.session.scalar(select(func.max(QuickReply.position))) or 0
    reply = QuickReply(body=text, position=last + 1)
    db.session.add(reply)
    return reply


def edit_quick_reply(reply, text):
    reply.body = _checked(text)[:500]


def delete_quick_reply(reply):
    db.session.delete(reply)
