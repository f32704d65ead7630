"""Electronic waybills (电子面单): the store's sender and carrier account, and each waybill
asked of the carrier for a packing list.

A waybill row is written, with a fixed ``request_id``, *before* the carrier is asked; the
carrier knows the request by that id (快递100's ``orderId``), so asking again after a lost
answer gets the waybill the carrier already made instead of a second one. At most one live
(not cancelled) waybill per packing list.
"""
from sqlalchemy import JSON, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from core.crypto import EncryptedText
from core.extensions import db
from core.models import Timestamped
from tenants.scoping import TenantScoped, tenant_foreign_key


class WaybillSettings(TenantScoped, Timestamped, db.Model):
    """Who the store's parcels come from and which carrier account prints its waybills
    (one row per store). ``partner_key`` (the carrier account's password) is encrypted."""

    __tablename__ = "waybill_settings"
    __tenant_table_args__ = (UniqueConstraint("tenant_id"),)

    carrier: Mapped[str] = mapped_column(String(32), nullable=False)  # 快递100's code
    partner_id: Mapped[str | None] = mapped_column(String(64))  # the carrier account (月结账号 / 客户编码)
    partner_key: Mapped[str | None] = mapped_column(EncryptedText)  # its password, when the carrier wants one
    sender_name: Mapped[str] = mapped_column(String(40), nullable=False)
    sender_phone: Mapped[str] = mapped_column(String(20), nullable=False)
    sender_region: Mapped[str] = mapped_column(String(120), nullable=False)  # 浙江省 杭州市 西湖区
    sender_detail: Mapped[str] = mapped_column(String(120), nullable=False)


class Waybill(TenantScoped, Timestamped, db.Model):
    """One waybill asked of a carrier for a packing list.

    ``requested``: written before the call; the answer has not been kept yet (no answer, a
    refusal, or the process died) — asking again reuses ``request_id``. ``issued``: the
    carrier gave ``number``; not yet on a parcel. ``used``: the packing list was sent under
    it. ``cancelled``: given back to the carrier (only an unused one)."""

    __tablename__ = "waybills"
    __tenant_table_args__ = (
        tenant_foreign_key("fulfillment_id", "fulfillments", ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "request_id"),
        Index("ix_waybills_one_live", "tenant_id", "fulfillment_id", unique=True,
              postgresql_where=text("status <> 'cancelled'"), sqlite_where=text("status <> 'cancelled'")),
        Index("ix_waybills_tenant_created", "tenant_id", "created_at"),
    )

    REQUESTED, ISSUED, USED, CANCELLED = "requested", "issued", "used", "cancelled"

    fulfillment_id: Mapped[int] = mapped_column(Integer, nullable=False)
    request_id: Mapped[str] = mapped_column(String(32), nullable=False)  # sent as 快递100's orderId
    carrier: Mapped[str] = mapped_column(String(32), nullable=False)
    status: Mapped[str] = mapped_column(String(12), nullable=False, default=REQUESTED)
    number: Mapped[str | None] = mapped_column(String(40))  # the carrier's waybill (tracking) number
    routing: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)  # 大头笔, 集包地 … printed on the label
    error: Mapped[str | None] = mapped_column(String(255))  # why the last request failed, shown to the merchant
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    staff_id: Mapped[int | None] = mapped_column(Integer)
