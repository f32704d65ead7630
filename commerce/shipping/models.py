"""Shipping templates (运费模板) and their rules, and the parcels an order is sent in.
Money is integer fen, weights grams."""
from datetime import datetime

from sqlalchemy import JSON, Boolean, CheckConstraint, DateTime, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from core.models import Timestamped
from tenants.scoping import TenantScoped, tenant_foreign_key


class ShippingTemplate(TenantScoped, Timestamped, db.Model):
    """How a store charges for delivery. Exactly one template of a store with any is its
    default (a partial unique index keeps it to at most one)."""

    __tablename__ = "shipping_templates"
    __tenant_table_args__ = (
        UniqueConstraint("tenant_id", "name"),
        CheckConstraint("free_over IS NULL OR free_over >= 0", name="free_over_not_negative"),
        Index("ix_shipping_templates_one_default", "tenant_id", unique=True,
              postgresql_where=text("is_default"), sqlite_where=text("is_default")),
    )

    name: Mapped[str] = mapped_column(String(40), nullable=False)
    is_default: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    free_over: Mapped[int | None] = mapped_column(Integer)  # fen; an order subtotal this high ships free
    not_delivered: Mapped[list] = mapped_column(JSON, nullable=False, default=list)  # region codes refused

    rules = relationship("ShippingRule", order_by="(ShippingRule.position, ShippingRule.id)",
                         cascade="all, delete-orphan", back_populates="template")

    def catch_all_rule(self):
        """The rule for every province no other rule names, or None."""
        return next((rule for rule in self.rules if not rule.regions), None)

    def rule_for(self, province_code):
        """The rule pricing ``province_code``: the one naming it, else the catch-all, else None."""
        named = next((rule for rule in self.rules if province_code in rule.regions), None)
        return named or self.catch_all_rule()


class ShippingRule(TenantScoped, db.Model):
    """Prices a set of provinces: the first ``first_weight_g`` grams for ``first_fee``, then
    ``extra_fee`` per started ``extra_weight_g``. No regions means every other province."""

    __tablename__ = "shipping_rules"
    __tenant_table_args__ = (
        tenant_foreign_key("template_id", "shipping_templates", ondelete="CASCADE"),
        CheckConstraint("first_weight_g > 0", name="first_weight_positive"),
        CheckConstraint("extra_weight_g > 0", name="extra_weight_positive"),
        CheckConstraint("first_fee >= 0", name="first_fee_not_negative"),
        CheckConstraint("extra_fee >= 0", name="extra_fee_not_negative"),
        Index("ix_shipping_rules_tenant_template", "tenant_id", "template_id", "position"),
    )

    template_id: Mapped[int] = mapped_column(Integer, nullable=False)
    regions: Mapped[list] = mapped_column(JSON, nullable=False, default=list)  # province codes; [] = everywhere else
    first_weight_g: Mapped[int] = mapped_column(Integer, nullable=False)
    first_fee: Mapped[int] = mapped_column(Integer, nullable=False)  # fen
    extra_weight_g: Mapped[int] = mapped_column(Integer, nullable=False)
    extra_fee: Mapped[int] = mapped_column(Integer, nullable=False)  # fen per started extra_weight_g
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    template = relationship(ShippingTemplate, back_populates="rules")


class Parcel(TenantScoped, Timestamped, db.Model):
    """One package sent for an order under a carrier's tracking number, with the order
    lines (and how many of each) inside it, and what 快递100 last said about it."""

    __tablename__ = "parcels"
    __tenant_table_args__ = (
        tenant_foreign_key("order_id", "orders"),
        # Per order: a merged packing list sends several orders in one parcel (commerce.orders.fulfillment).
        UniqueConstraint("tenant_id", "carrier", "tracking_number", "order_id"),
        Index("ix_parcels_tenant_order", "tenant_id", "order_id"),
        Index("ix_parcels_tenant_status_checked", "tenant_id", "status", "last_checked_at"),
    )

    IN_TRANSIT = "in_transit"  # handed to the carrier, not yet signed for; polled
    DELIVERED = "delivered"  # signed for (快递100 state 3); no longer polled
    RETURNED = "returned"  # refused and sent back (快递100 state 4); no longer polled
    STATUSES = (IN_TRANSIT, DELIVERED, RETURNED)

    order_id: Mapped[int] = mapped_column(Integer, nullable=False)
    carrier: Mapped[str] = mapped_column(String(32), nullable=False)  # 快递100's code: shunfeng, yuantong …
    tracking_number: Mapped[str] = mapped_column(String(40), nullable=False)
    lines: Mapped[list] = mapped_column(JSON, nullable=False)  # [{"line_id": order line id, "quantity": n}]
    status: Mapped[str] = mapped_column(String(16), nullable=False, default=IN_TRANSIT)
    tracking_state: Mapped[str | None] = mapped_column(String(4))  # 快递100's last ``state``
    events: Mapped[list] = mapped_column(JSON, nullable=False, default=list)  # newest first, as 快递100 gives them
    last_checked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    def is_in_transit(self):
        return self.status == self.IN_TRANSIT
