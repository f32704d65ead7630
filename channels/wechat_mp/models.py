"""What a store keeps about its own WeChat Official Account (公众号): the binding (AppID and
secrets, encrypted at rest), its menu and replies, the messages WeChat pushed (one row per
message, so a retry is recognised), who follows it, what was sent to whom (a fixed key per
event and member, written before the call), and the pushes a merchant scheduled."""
from datetime import datetime

from sqlalchemy import JSON, Boolean, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.crypto import EncryptedText
from core.extensions import db
from core.models import Timestamped, UtcDateTime, utcnow
from tenants.scoping import TenantScoped, tenant_foreign_key


class OfficialAccount(TenantScoped, Timestamped, db.Model):
    """A store's bound official account, one per store. The AppSecret, the message token
    and the EncodingAESKey are stored encrypted (``core.crypto``), as is the access token.

    ``menu`` is the editor's document (``menus.py``); ``subscribe_reply`` and
    ``default_reply`` are replies (``replies.py``); ``notices`` maps a notice kind to
    ``{"on": bool, "template_id": str}``."""

    __tablename__ = "official_accounts"
    __tenant_table_args__ = (UniqueConstraint("tenant_id"),)

    appid: Mapped[str] = mapped_column(String(32), nullable=False)
    app_secret: Mapped[str | None] = mapped_column(EncryptedText)
    token: Mapped[str | None] = mapped_column(EncryptedText)
    encoding_aes_key: Mapped[str | None] = mapped_column(EncryptedText)
    access_token: Mapped[str | None] = mapped_column(EncryptedText)
    access_token_expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    menu: Mapped[list | None] = mapped_column(JSON)
    menu_published_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    subscribe_reply: Mapped[dict | None] = mapped_column(JSON)
    default_reply: Mapped[dict | None] = mapped_column(JSON)
    notices: Mapped[dict | None] = mapped_column(JSON)


class KeywordRule(TenantScoped, Timestamped, db.Model):
    """Messages matching one of ``keywords`` (one a line) exactly or by containing it get ``reply``."""

    __tablename__ = "official_account_keyword_rules"

    EXACT = "exact"
    CONTAINS = "contains"

    name: Mapped[str] = mapped_column(String(60), nullable=False)
    match: Mapped[str] = mapped_column(String(16), nullable=False, default=EXACT)
    keywords: Mapped[str] = mapped_column(Text, nullable=False)
    reply: Mapped[dict] = mapped_column(JSON, nullable=False)

    def keyword_list(self):
        return [word.strip() for word in self.keywords.splitlines() if word.strip()]


class ReceivedMessage(TenantScoped, db.Model):
    """A message or event WeChat pushed, inserted once: ``dedup_key`` is its MsgId, or
    FromUserName + CreateTime + Event for events (WeChat retries three times in 15 s)."""

    __tablename__ = "official_account_messages"
    __tenant_table_args__ = (
        UniqueConstraint("tenant_id", "dedup_key"),
        Index("ix_official_account_messages_tenant_received_at", "tenant_id", "received_at"),
    )

    dedup_key: Mapped[str] = mapped_column(String(160), nullable=False)
    msg_type: Mapped[str] = mapped_column(String(16), nullable=False)
    event: Mapped[str | None] = mapped_column(String(32))
    openid: Mapped[str] = mapped_column(String(64), nullable=False)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False, default=utcnow)


class Follower(TenantScoped, Timestamped, db.Model):
    """A WeChat user who followed the store's account (subscribe event), and the member
    with the same openid when the store knows one."""

    __tablename__ = "official_account_followers"
    __tenant_table_args__ = (
        UniqueConstraint("tenant_id", "openid"),
        tenant_foreign_key("member_id", "members", ondelete="SET NULL"),
        Index("ix_official_account_followers_tenant_member", "tenant_id", "member_id"),
    )

    openid: Mapped[str] = mapped_column(String(64), nullable=False)
    member_id: Mapped[int | None] = mapped_column(Integer)
    following: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    followed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    unfollowed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Push(TenantScoped, Timestamped, db.Model):
    """A news card the merchant scheduled for a slot (10:00 or 20:00 China time), sent to
    the followers who are members consenting to marketing; the counts say what happened."""

    __tablename__ = "official_account_pushes"
    __tenant_table_args__ = (Index("ix_official_account_pushes_tenant_send_at", "tenant_id", "send_at"),)

    SCHEDULED = "scheduled"
    SENDING = "sending"
    DONE = "done"

    title: Mapped[str] = mapped_column(String(64), nullable=False)
    description: Mapped[str] = mapped_column(String(120), nullable=False, default="")
    picture_url: Mapped[str | None] = mapped_column(String(500))
    target: Mapped[dict] = mapped_column(JSON, nullable=False)
    send_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default=SCHEDULED)
    sent: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    failed: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    skipped: Mapped[int] = mapped_column(Integer, nullable=False, default=0)  # members without marketing consent
    staff_label: Mapped[str | None] = mapped_column(String(255))
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Send(TenantScoped, db.Model):
    """One message sent to one WeChat user, written (status ``pending``) and committed
    BEFORE the call under a fixed ``key`` — ``order.paid:<order>:<member>``,
    ``push:<push>:<member>`` — so a retried job finds it and never sends twice. A
    ``pending`` row a retry finds is an outcome unknown (WeChat has no way to ask): it is
    marked ``unknown``, not sent again."""

    __tablename__ = "official_account_sends"
    __tenant_table_args__ = (
        UniqueConstraint("tenant_id", "key"),
        tenant_foreign_key("push_id", "official_account_pushes", ondelete="CASCADE"),
    )

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    UNKNOWN = "unknown"

    key: Mapped[str] = mapped_column(String(120), nullable=False)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    member_id: Mapped[int | None] = mapped_column(Integer)
    openid: Mapped[str] = mapped_column(String(64), nullable=False)
    push_id: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default=PENDING)
    msgid: Mapped[str | None] = mapped_column(String(32))
    error: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
