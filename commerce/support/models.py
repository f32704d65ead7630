"""Customer service (客服): a member's conversations with the store, their messages, the
tickets the 30-minute first-reply timer runs on, and the store's service settings.

- ``support_conversations``: one per member and topic (a product, an order, or the store in
  general), unique, so starting one twice (or twice at once) continues the same.
- ``support_messages``: what the member, a staff member or the auto-answer (bot) wrote.
- ``support_tickets``: one open at a time per conversation; from a conversation's message or
  an after-sales request. ``timer_started_at`` is the member's first message a person has to
  answer (an auto-answered one starts nothing), ``first_reply_at`` the first staff reply.
- ``support_notices``: a reminder (20 min) to the assignee or an escalation (30 min) to the
  owner, unique per ticket and kind: the database itself keeps each to once.
- ``support_agents``: a staff member as an agent: categories (skills) and when the inbox was
  last open (online), ``support_settings``: how tickets are assigned and the auto-answers,
  ``support_quick_replies``: the store's canned replies.
"""
from datetime import datetime

from sqlalchemy import JSON, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from core.extensions import db
from core.models import UtcDateTime, utcnow
from tenants.scoping import TenantScoped, tenant_foreign_key

GENERAL = "general"
PRE_SALE, ORDER, AFTER_SALE = "pre_sale", "order", "after_sale"
CATEGORIES = (PRE_SALE, ORDER, AFTER_SALE)


class Conversation(TenantScoped, db.Model):
    __tablename__ = "support_conversations"
    __tenant_table_args__ = (
        tenant_foreign_key("member_id", "members", ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "member_id", "topic"),
        Index("ix_support_conversations_tenant_last", "tenant_id", "last_message_at"),
    )

    member_id: Mapped[int] = mapped_column(Integer, nullable=False)
    topic: Mapped[str] = mapped_column(String(32), nullable=False)  # "product:12", "order:34" or "general"
    product_id: Mapped[int | None] = mapped_column(Integer)
    order_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False, default=utcnow)
    last_message_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False, default=utcnow)
    last_preview: Mapped[str] = mapped_column(String(80), nullable=False, default="")
    staff_unread: Mapped[int] = mapped_column(Integer, nullable=False, default=0)  # member messages no staff has read
    member_unread: Mapped[int] = mapped_column(Integer, nullable=False, default=0)  # replies the member has not read

    @property
    def category(self):
        return ORDER if self.order_id else PRE_SALE


class Message(TenantScoped, db.Model):
    __tablename__ = "support_messages"
    __tenant_table_args__ = (
        tenant_foreign_key("conversation_id", "support_conversations", ondelete="CASCADE"),
        Index("ix_support_messages_tenant_conversation", "tenant_id", "conversation_id", "id"),
    )

    MEMBER, STAFF, BOT = "member", "staff", "bot"

    conversation_id: Mapped[int] = mapped_column(Integer, nullable=False)
    sender: Mapped[str] = mapped_column(String(8), nullable=False)
    staff_id: Mapped[int | None] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False, default=utcnow)


class Ticket(TenantScoped, db.Model):
    __tablename__ = "support_tickets"
    __tenant_table_args__ = (
        tenant_foreign_key("conversation_id", "support_conversations", ondelete="CASCADE"),
        # One open ticket per conversation: two messages at once cannot open two.
        Index("ix_support_tickets_one_open", "tenant_id", "conversation_id", unique=True,
              postgresql_where=text("status = 'open'"), sqlite_where=text("status = 'open'")),
        UniqueConstraint("tenant_id", "after_sale_id"),
        Index("ix_support_tickets_tenant_timer", "tenant_id", "timer_started_at"),
    )

    OPEN, CLOSED = "open", "closed"

    conversation_id: Mapped[int] = mapped_column(Integer, nullable=False)
    after_sale_id: Mapped[int | None] = mapped_column(Integer)
    category: Mapped[str] = mapped_column(String(12), nullable=False)
    status: Mapped[str] = mapped_column(String(8), nullable=False, default=OPEN)
    assignee_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False, default=utcnow)
    timer_started_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    first_reply_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_activity_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False, default=utcnow)
    reminded_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    escalated_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Notice(TenantScoped, db.Model):
    __tablename__ = "support_notices"
    __tenant_table_args__ = (
        tenant_foreign_key("ticket_id", "support_tickets", ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "ticket_id", "kind"),
        Index("ix_support_notices_tenant_staff", "tenant_id", "staff_id", "read_at"),
    )

    REMINDER, ESCALATION = "reminder", "escalation"

    ticket_id: Mapped[int] = mapped_column(Integer, nullable=False)
    kind: Mapped[str] = mapped_column(String(12), nullable=False)
    staff_id: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Agent(TenantScoped, db.Model):
    __tablename__ = "support_agents"
    __tenant_table_args__ = (
        tenant_foreign_key("staff_id", "staff_users", ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "staff_id"),
    )

    staff_id: Mapped[int] = mapped_column(Integer, nullable=False)
    categories: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    last_seen_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class SupportSettings(TenantScoped, db.Model):
    __tablename__ = "support_settings"
    __tenant_table_args__ = (UniqueConstraint("tenant_id"),)

    ROUND_ROBIN, BY_CATEGORY = "round_robin", "by_category"

    assign_mode: Mapped[str] = mapped_column(String(12), nullable=False, default=ROUND_ROBIN)
    online_minutes: Mapped[int] = mapped_column(Integer, nullable=False, default=10)
    last_assigned_staff_id: Mapped[int | None] = mapped_column(Integer)
    shipping_answer: Mapped[str | None] = mapped_column(Text)
    returns_answer: Mapped[str | None] = mapped_column(Text)


class QuickReply(TenantScoped, db.Model):
    __tablename__ = "support_quick_replies"
    __tenant_table_args__ = (Index("ix_support_quick_replies_tenant", "tenant_id", "position"),)

    body: Mapped[str] = mapped_column(String(500), nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
