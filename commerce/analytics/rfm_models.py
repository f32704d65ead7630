"""RFM scores of a store's members, the computations that wrote them, and the coupons sent to
a segment in one step (``commerce.analytics.rfm``).

``member_rfm`` holds one row per scored member and is replaced whole by each computation;
only members who consented to profiling are ever in it. ``segment_campaign_recipients``
holds each member a segment campaign gave a coupon to, unique per coupon: a member never gets
the same coupon twice through segment campaigns, so a campaign sent twice (or two clicks at
once) issues to nobody twice.
"""
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.extensions import db
from core.models import UtcDateTime, utcnow
from tenants.scoping import TenantScoped, tenant_foreign_key

SCORE_RANGE = "BETWEEN 1 AND 5"


class MemberRfm(TenantScoped, db.Model):
    """One member's recency, frequency and monetary value and their 1–5 scores (quintiles
    within the store), as of ``computed_on`` (a China day)."""

    __tablename__ = "member_rfm"
    __tenant_table_args__ = (
        tenant_foreign_key("member_id", "members", ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "member_id"),
        Index("ix_member_rfm_tenant_segment", "tenant_id", "segment"),
        CheckConstraint(f"r {SCORE_RANGE} AND f {SCORE_RANGE} AND m {SCORE_RANGE}", name="scores_1_to_5"),
    )

    member_id: Mapped[int] = mapped_column(Integer, nullable=False)
    r: Mapped[int] = mapped_column(Integer, nullable=False)
    f: Mapped[int] = mapped_column(Integer, nullable=False)
    m: Mapped[int] = mapped_column(Integer, nullable=False)
    recency_days: Mapped[int] = mapped_column(Integer, nullable=False)  # China days since the last paid order
    frequency: Mapped[int] = mapped_column(Integer, nullable=False)  # paid orders in the last 365 days
    monetary: Mapped[int] = mapped_column(Integer, nullable=False)  # fen paid − refunded in those days
    segment: Mapped[str] = mapped_column(String(24), nullable=False)  # a code of ``rfm.SEGMENTS``
    computed_on: Mapped[date] = mapped_column(Date, nullable=False)


class RfmRun(TenantScoped, db.Model):
    """One computation of a store's scores. ``nightly_on`` is set only on the nightly
    sweep's run and is unique per store, so two sweeps at once compute a day once."""

    __tablename__ = "rfm_runs"
    __tenant_table_args__ = (
        UniqueConstraint("tenant_id", "nightly_on"),
        Index("ix_rfm_runs_tenant_computed_at", "tenant_id", "computed_at"),
    )

    computed_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False, default=utcnow)
    nightly_on: Mapped[date | None] = mapped_column(Date)  # the China day of a nightly run
    scored: Mapped[int] = mapped_column(Integer, nullable=False, default=0)  # members given scores
    staff_id: Mapped[int | None] = mapped_column(Integer)  # who pressed the button; None: the sweep


class SegmentCampaign(TenantScoped, db.Model):
    """A coupon issued to the members of one RFM segment in one step."""

    __tablename__ = "segment_campaigns"
    __tenant_table_args__ = (
        tenant_foreign_key("coupon_id", "coupons", ondelete="CASCADE"),
        Index("ix_segment_campaigns_tenant_issued_at", "tenant_id", "issued_at"),
    )

    segment: Mapped[str] = mapped_column(String(24), nullable=False)
    coupon_id: Mapped[int] = mapped_column(Integer, nullable=False)
    members_issued: Mapped[int] = mapped_column(Integer, nullable=False)  # members who got a copy
    members_skipped: Mapped[int] = mapped_column(Integer, nullable=False, default=0)  # at their limit already
    staff_id: Mapped[int | None] = mapped_column(Integer)
    staff_label: Mapped[str | None] = mapped_column(String(255))  # the e-mail, kept if the account goes
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False, default=utcnow)


class SegmentCampaignRecipient(TenantScoped, db.Model):
    """A member a segment campaign gave ``member_coupon_id`` to: how "used" is counted later."""

    __tablename__ = "segment_campaign_recipients"
    __tenant_table_args__ = (
        tenant_foreign_key("campaign_id", "segment_campaigns", ondelete="CASCADE"),
        tenant_foreign_key("member_id", "members", ondelete="CASCADE"),
        tenant_foreign_key("member_coupon_id", "member_coupons", ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "coupon_id", "member_id"),
        Index("ix_segment_campaign_recipients_tenant_campaign", "tenant_id", "campaign_id"),
    )

    campaign_id: Mapped[int] = mapped_column(Integer, nullable=False)
    coupon_id: Mapped[int] = mapped_column(Integer, nullable=False)
    member_id: Mapped[int] = mapped_column(Integer, nullable=False)
    member_coupon_id: Mapped[int] = mapped_column(Integer, nullable=False)
