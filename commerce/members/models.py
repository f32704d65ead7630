"""Shoppers of one store. A member belongs to exactly one tenant: the same WeChat user in
two stores is two members, sharing nothing.

Points and stored value (储值, integer fen) are append-only ledgers (``PointsEntry``,
``BalanceEntry``); the member row caches the running totals, and each entry records the
total after it, so the cache is checked against the ledger. An entry's ``source_ref`` is
unique per store: the same event (an order paid, a day's sign-in, a top-up) is never
credited twice. Only ``commerce.members.points`` and ``.wallet`` write them.
"""
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from commerce.shipping.regions import region_name
from core.crypto import EncryptedText, mask_phone
from core.extensions import db
from core.models import Timestamped, UtcDateTime, utcnow
from tenants.scoping import TenantScoped, tenant_foreign_key


class Member(TenantScoped, Timestamped, db.Model):
    __tablename__ = "members"
    __tenant_table_args__ = (
        UniqueConstraint("tenant_id", "openid"),
        tenant_foreign_key("level_id", "member_levels"),
        CheckConstraint("points >= 0", name="points_not_negative"),
        CheckConstraint("balance >= 0", name="balance_not_negative"),
    )

    nickname: Mapped[str | None] = mapped_column(String(64))
    openid: Mapped[str | None] = mapped_column(String(64))  # WeChat openid for this store's app; JSAPI pays with it
    phone: Mapped[str | None] = mapped_column(EncryptedText)
    # Caches of the ledgers, changed only by conditional UPDATEs in the same transaction as
    # the entry: ``points`` and ``balance`` (fen) never go below zero.
    points: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    balance: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    growth: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")  # 成长值: fen paid / 100
    level_id: Mapped[int | None] = mapped_column(Integer)
    signed_in_on: Mapped[date | None] = mapped_column(Date)  # the store's local day of the last sign-in
    # Set when the member's account was closed (注销, PIPL art. 47): personal fields are blanked,
    # the openid released (the same WeChat user joins again as a new member), tokens refused.
    erased_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    def is_erased(self):
        return self.erased_at is not None

    def display_name(self):
        if self.nickname:
            return self.nickname
        return mask_phone(self.phone) if self.phone else f"#{self.id}"


class Address(TenantScoped, Timestamped, db.Model):
    """A member's delivery address. Name, phone and street are personal data: encrypted."""

    __tablename__ = "addresses"
    __tenant_table_args__ = (
        tenant_foreign_key("member_id", "members", ondelete="CASCADE"),
        Index("ix_addresses_tenant_member", "tenant_id", "member_id"),
    )

    member_id: Mapped[int] = mapped_column(Integer, nullable=False)
    name: Mapped[str] = mapped_column(EncryptedText, nullable=False)
    phone: Mapped[str] = mapped_column(EncryptedText, nullable=False)
    province_code: Mapped[str] = mapped_column(String(6), nullable=False)  # GB/T 2260, e.g. 330000
    city: Mapped[str] = mapped_column(String(40), nullable=False)
    district: Mapped[str | None] = mapped_column(String(40))
    detail: Mapped[str] = mapped_column(EncryptedText, nullable=False)
    is_default: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)

    def region_line(self):
        """``"浙江省 杭州市 西湖区"``: the province by name, then the city and the district."""
        return " ".join(part for part in (region_name(self.province_code), self.city, self.district) if part)


class MemberSettings(TenantScoped, Timestamped, db.Model):
    """A store's rules for points and stored value; a store without a row uses the defaults
    (``commerce.members.points.settings_of``)."""

    __tablename__ = "member_settings"
    __tenant_table_args__ = (UniqueConstraint("tenant_id"),)

    points_per_yuan: Mapped[int] = mapped_column(Integer, nullable=False, default=1)  # earned per whole ¥1 paid
    sign_in_points: Mapped[int] = mapped_column(Integer, nullable=False, default=5)
    points_expire_months: Mapped[int | None] = mapped_column(Integer, default=12)  # None: never expire
    points_per_yuan_off: Mapped[int] = mapped_column(Integer, nullable=False, default=100)  # 100 points = ¥1
    redeem_cap_percent: Mapped[int] = mapped_column(Integer, nullable=False, default=50)  # of the goods
    # [[pay fen, bonus fen], …], e.g. [[10000, 1000]] is "充100送10"; the largest rule reached applies.
    top_up_bonuses: Mapped[list] = mapped_column(JSON, nullable=False, default=list)


class MemberLevel(TenantScoped, Timestamped, db.Model):
    """A level a member reaches with ``growth`` ≥ ``growth_threshold``; the highest one reached
    applies. Its benefit: ``discount_percent`` off the goods (95 = 5 % off) and/or member prices."""

    __tablename__ = "member_levels"
    __tenant_table_args__ = (
        UniqueConstraint("tenant_id", "growth_threshold"),
        CheckConstraint("discount_percent IS NULL OR (discount_percent > 0 AND discount_percent <= 100)",
                        name="discount_percent_range"),
    )

    name: Mapped[str] = mapped_column(String(32), nullable=False)
    growth_threshold: Mapped[int] = mapped_column(Integer, nullable=False)
    discount_percent: Mapped[int | None] = mapped_column(Integer)
    member_price: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)


class _LedgerEntry(TenantScoped):
    """One change of a member's points or balance. Rows are only ever inserted."""

    # Reasons (``reason``): what moved the total.
    EARN_ORDER = "order"  # points for an order paid
    SIGN_IN = "sign_in"  # points for a day's sign-in
    REDEEM = "redeem"  # spent at checkout (points as money off, or balance as payment)
    REFUND = "refund"  # given back when an order is cancelled or refunded
    EXPIRE = "expire"  # points too old, taken by the expiry job
    TOP_UP = "top_up"  # stored value paid in, bonus included
    ADJUST = "adjust"  # staff correction, audited, with a note
    COMMISSION = "commission"  # distribution commission settled (or reversed by a refund)
    INVITE = "invite"  # points for reaching an invite-reward tier
    ACCOUNT_CLOSED = "account_closed"  # points forfeited when the member closed their account
    REASONS = (EARN_ORDER, SIGN_IN, REDEEM, REFUND, EXPIRE, TOP_UP, ADJUST, COMMISSION, INVITE, ACCOUNT_CLOSED)

    member_id: Mapped[int] = mapped_column(Integer, nullable=False)
    delta: Mapped[int] = mapped_column(Integer, nullable=False)
    balance_after: Mapped[int] = mapped_column(Integer, nullable=False)
    reason: Mapped[str] = mapped_column(String(16), nullable=False)
    source_ref: Mapped[str] = mapped_column(String(64), nullable=False)  # e.g. "order:12", "sign_in:2026-05-01"
    order_id: Mapped[int | None] = mapped_column(Integer)
    actor_id: Mapped[int | None] = mapped_column(Integer)  # the staff user of an adjustment
    note: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)


def _ledger_args(table):
    return (
        tenant_foreign_key("member_id", "members", ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "source_ref"),
        CheckConstraint("delta <> 0", name="delta_not_zero"),
        CheckConstraint("balance_after >= 0", name="balance_after_not_negative"),
        Index(f"ix_{table}_tenant_member", "tenant_id", "member_id", "id"),
    )


class PointsEntry(_LedgerEntry, db.Model):
    __tablename__ = "points_entries"
    __tenant_table_args__ = _ledger_args("points_entries")


class BalanceEntry(_LedgerEntry, db.Model):
    """Stored value in fen."""

    __tablename__ = "balance_entries"
    __tenant_table_args__ = _ledger_args("balance_entries")


class TopUp(TenantScoped, Timestamped, db.Model):
    """Stored value a member is buying: ``amount`` paid with WeChat Pay, ``bonus`` added on top."""

    __tablename__ = "top_ups"
    __tenant_table_args__ = (
        tenant_foreign_key("member_id", "members"),
        UniqueConstraint("tenant_id", "number"),  # the notification's lookup knows its store
        UniqueConstraint("tenant_id", "transaction_id"),
        CheckConstraint("amount > 0 AND bonus >= 0", name="amounts_positive"),
        Index("ix_top_ups_tenant_member", "tenant_id", "member_id"),
    )

    PENDING = "pending"  # waiting for WeChat Pay
    PAID = "paid"  # paid and credited to the balance (once: a conditional UPDATE)
    STATUSES = (PENDING, PAID)

    number: Mapped[str] = mapped_column(String(32), nullable=False)  # out_trade_no
    member_id: Mapped[int] = mapped_column(Integer, nullable=False)
    amount: Mapped[int] = mapped_column(Integer, nullable=False)
    bonus: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    status: Mapped[str] = mapped_column(String(10), nullable=False, default=PENDING)
    transaction_id: Mapped[str | None] = mapped_column(String(32))
    paid_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    def credited(self):
        """Fen the balance grows by once paid: the amount and its bonus."""
        return self.amount + self.bonus


class PrivacyPolicy(TenantScoped, db.Model):
    """One published version of a store's privacy policy (隐私政策). Versions count up from 1
    per store and are never edited: a change is a new version. A store with none shows the
    platform's default text as version 0 (``commerce.members.consent.current_policy``)."""

    __tablename__ = "privacy_policies"
    __tenant_table_args__ = (
        UniqueConstraint("tenant_id", "version"),
        CheckConstraint("version >= 1", name="version_positive"),
    )

    version: Mapped[int] = mapped_column(Integer, nullable=False)
    title: Mapped[str] = mapped_column(String(100), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)  # plain text, paragraphs split by blank lines
    published_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False, default=utcnow)
    published_by: Mapped[int | None] = mapped_column(Integer)  # the staff user; None for the system

    def paragraphs(self):
        """The body's paragraphs (split at blank lines), each a list of its lines."""
        paragraphs, lines = [], []
        for line in self.body.splitlines():
            if line.strip():
                lines.append(line.strip())
            elif lines:
                paragraphs.append(lines)
                lines = []
        return paragraphs + [lines] if lines else paragraphs


class MemberConsent(TenantScoped, db.Model):
    """One choice a member made about one purpose, under one policy version. Rows are only
    ever inserted: the current state of a purpose is its latest row (highest id), and the
    rows together are the evidence of what was agreed, when and where (PIPL art. 14)."""

    __tablename__ = "member_consents"

    # Purposes (``purpose``): what the member's data may be used for.
    ACCOUNT = "account"  # needed to have an account at all: orders, delivery, after-sales
    MARKETING = "marketing"  # marketing messages (subscribe messages, SMS about campaigns)
    PROFILING = "profiling"  # the user portrait and RFM segmentation (用户画像)
    PURPOSES = (ACCOUNT, MARKETING, PROFILING)
    OPTIONAL_PURPOSES = (MARKETING, PROFILING)  # may be refused or withdrawn while the account stays

    # Channels (``channel``): where the choice was made.
    H5 = "h5"
    MINIPROGRAM = "miniprogram"
    CONSOLE = "console"  # recorded by staff on the member's request
    SYSTEM = "system"  # the final withdrawal written when the member's account is erased
    CHANNELS = (H5, MINIPROGRAM, CONSOLE, SYSTEM)

    __tenant_table_args__ = (
        tenant_foreign_key("member_id", "members", ondelete="CASCADE"),
        CheckConstraint("purpose IN ('account', 'marketing', 'profiling')", name="purpose_known"),
        CheckConstraint("channel IN ('h5', 'miniprogram', 'console', 'system')", name="channel_known"),
        CheckConstraint("policy_version >= 0", name="policy_version_not_negative"),
        # The latest row per member and purpose, for one member or for every member of a store.
        Index("ix_member_consents_tenant_purpose_member", "tenant_id", "purpose", "member_id", "id"),
    )

    member_id: Mapped[int] = mapped_column(Integer, nullable=False)
    purpose: Mapped[str] = mapped_column(String(16), nullable=False)
    granted: Mapped[bool] = mapped_column(Boolean, nullable=False)
    policy_version: Mapped[int] = mapped_column(Integer, nullable=False)  # 0: the platform's default text
    channel: Mapped[str] = mapped_column(String(16), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False, default=utcnow)
