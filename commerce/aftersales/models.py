"""After-sales requests (售后): a shopper asks for money back, with or without sending the
goods back, and the merchant approves (the refund goes through WeChat Pay) or rejects."""
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from core.extensions import db
from core.models import Timestamped, UtcDateTime
from tenants.scoping import TenantScoped, tenant_foreign_key


class AfterSale(TenantScoped, Timestamped, db.Model):
    __tablename__ = "after_sales"
    __tenant_table_args__ = (
        tenant_foreign_key("order_id", "orders", ondelete="CASCADE"),
        tenant_foreign_key("refund_id", "refunds"),
        CheckConstraint("amount > 0", name="amount_positive"),
        Index("ix_after_sales_tenant_status", "tenant_id", "status"),
        Index("ix_after_sales_tenant_order", "tenant_id", "order_id"),
        # One open request per order (so per order line): the database refuses a second.
        Index("ix_after_sales_one_open_per_order", "tenant_id", "order_id", unique=True,
              postgresql_where=text("status = 'requested'"), sqlite_where=text("status = 'requested'")),
    )

    REFUND_ONLY = "refund_only"  # 仅退款: goods not received or not sent
    RETURN_AND_REFUND = "return_and_refund"  # 退货退款: the goods come back to stock
    KINDS = (REFUND_ONLY, RETURN_AND_REFUND)

    REQUESTED, APPROVED, REJECTED, WITHDRAWN = "requested", "approved", "rejected", "withdrawn"
    OPEN = (REQUESTED,)

    order_id: Mapped[int] = mapped_column(Integer, nullable=False)
    member_id: Mapped[int] = mapped_column(Integer, nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    reason: Mapped[str] = mapped_column(String(40), nullable=False)
    description: Mapped[str | None] = mapped_column(String(500))
    photos: Mapped[list] = mapped_column(JSON, nullable=False, default=list)  # media names of this store
    amount: Mapped[int] = mapped_column(Integer, nullable=False)  # fen asked for
    lines: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)  # {order line id: quantity} coming back
    status: Mapped[str] = mapped_column(String(12), nullable=False, default=REQUESTED)
    merchant_note: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    refund_id: Mapped[int | None] = mapped_column(Integer)
