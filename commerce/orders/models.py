"""Carts, orders and their lines, and the payments made for them. Money is integer fen.

An order's ``status`` only ever changes through ``commerce.orders.states.transition``: a
conditional UPDATE, so two racing events (a payment notification and the timeout job)
cannot both apply.
"""
from datetime import datetime

from sqlalchemy import JSON, Boolean, CheckConstraint, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.crypto import EncryptedText
from core.extensions import db
from core.models import Timestamped, UtcDateTime
from payments import prepay
from tenants.scoping import TenantScoped, tenant_foreign_key


class Cart(TenantScoped, Timestamped, db.Model):
    """A guest's cart (found by the random token in their cookie) or a member's cart."""

    __tablename__ = "carts"
    __tenant_table_args__ = (
        tenant_foreign_key("member_id", "members", ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "token"),
        UniqueConstraint("tenant_id", "member_id"),
    )

    token: Mapped[str | None] = mapped_column(String(43))
    member_id: Mapped[int | None] = mapped_column(Integer)

    items = relationship("CartItem", order_by="CartItem.id", viewonly=True)


class CartItem(TenantScoped, Timestamped, db.Model):
    __tablename__ = "cart_items"
    __tenant_table_args__ = (
        tenant_foreign_key("cart_id", "carts", ondelete="CASCADE"),
        tenant_foreign_key("sku_id", "skus", ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "cart_id", "sku_id"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
    )

    cart_id: Mapped[int] = mapped_column(Integer, nullable=False)
    sku_id: Mapped[int] = mapped_column(Integer, nullable=False)
    quantity: Mapped[int] = mapped_column(Integer, nullable=False)
    seen_price: Mapped[int] = mapped_column(Integer, nullable=False)  # fen, when added: a change is pointed out


class Order(TenantScoped, Timestamped, db.Model):
    __tablename__ = "orders"
    __tenant_table_args__ = (
        tenant_foreign_key("member_id", "members"),
        UniqueConstraint("tenant_id", "number"),  # the notification's lookup knows its store
        UniqueConstraint("tenant_id", "transaction_id"),
        # A client's retried placement (the mini-program's ``request_id``) finds the order it made.
        UniqueConstraint("tenant_id", "member_id", "request_id"),
        CheckConstraint("total = subtotal + shipping_fee - discount", name="total_adds_up"),
        CheckConstraint("refunded_amount >= 0 AND refunded_amount <= paid_amount", name="refund_within_paid"),
        Index("ix_orders_tenant_member_status", "tenant_id", "member_id", "status"),
        Index("ix_orders_tenant_status_expires", "tenant_id", "status", "expires_at"),
    )

    PENDING_PAYMENT = "pending_payment"
    PAID = "paid"
    PARTIALLY_SHIPPED = "partially_shipped"
    SHIPPED = "shipped"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    REFUNDING = "refunding"
    REFUNDED = "refunded"
    STATUSES = (PENDING_PAYMENT, PAID, PARTIALLY_SHIPPED, SHIPPED, COMPLETED, CANCELLED, REFUNDING, REFUNDED)
    # How it was paid (``paid_with``), written by the "pay" transition; refunds go back the same way.
    PAID_WITH_WECHAT = "wechat"  # WeChat Pay; ``transaction_id`` is WeChat's
    PAID_WITH_BALANCE = "balance"  # the member's stored value; ``transaction_id`` is "balance:<order number>"

    number: Mapped[str] = mapped_column(String(32), nullable=False)  # shown to people and sent as out_trade_no
    member_id: Mapped[int] = mapped_column(Integer, nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=PENDING_PAYMENT)
    subtotal: Mapped[int] = mapped_column(Integer, nullable=False)
    shipping_fee: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    discount: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # The member level's discount on regular-priced goods, already taken off ``subtotal`` (the
    # lines add up to subtotal + member_discount), so coupons and points see the discounted goods.
    member_discount: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    total: Mapped[int] = mapped_column(Integer, nullable=False)
    # The quote's price lines (``commerce.pricing.receipts``); None on orders placed before 0022.
    price_lines: Mapped[dict | None] = mapped_column(JSON)
    paid_amount: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    refunded_amount: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # Fen claimed by refunds that have not failed (submitted, processing or succeeded): a
    # refund is let in only by the conditional UPDATE ``paid_amount - refund_reserved >= amount``.
    refund_reserved: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    transaction_id: Mapped[str | None] = mapped_column(String(64))  # WeChat Pay's id of the payment
    paid_with: Mapped[str | None] = mapped_column(String(8))  # PAID_WITH_*; None: unpaid, or paid before 0018 (WeChat)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)  # unpaid → cancelled
    paid_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    shipped_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    cancel_reason: Mapped[str | None] = mapped_column(String(40))
    shopper_note: Mapped[str | None] = mapped_column(String(200))
    merchant_remark: Mapped[str | None] = mapped_column(String(500))
    request_id: Mapped[str | None] = mapped_column(String(64))  # the client's idempotency key (API orders)
    # The delivery address as it was when ordering, encrypted like the address book.
    ship_name: Mapped[str] = mapped_column(EncryptedText, nullable=False)
    ship_phone: Mapped[str] = mapped_column(EncryptedText, nullable=False)
    ship_province_code: Mapped[str] = mapped_column(String(6), nullable=False)
    ship_region: Mapped[str] = mapped_column(String(120), nullable=False)  # 浙江省 杭州市 西湖区
    ship_detail: Mapped[str] = mapped_column(EncryptedText, nullable=False)
    # Set when the personal fields were blanked (retention after 3 years, or the member's
    # account closed); amounts, lines and the region stay, so ledgers and reports still add up.
    anonymised_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    lines = relationship("OrderLine", order_by="OrderLine.id", viewonly=True)

    def is_open_for_payment(self):
        return self.status == self.PENDING_PAYMENT


class OrderLine(TenantScoped, db.Model):
    """What was bought, copied from the catalog at ordering time (titles and prices change later)."""

    __tablename__ = "order_lines"
    __tenant_table_args__ = (
        tenant_foreign_key("order_id", "orders", ondelete="CASCADE"),
        tenant_foreign_key("sku_id", "skus"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("refunded_quantity >= 0 AND refunded_quantity <= quantity", name="refund_within_quantity"),
        Index("ix_order_lines_tenant_order", "tenant_id", "order_id"),
    )

    order_id: Mapped[int] = mapped_column(Integer, nullable=False)
    product_id: Mapped[int] = mapped_column(Integer, nullable=False)
    sku_id: Mapped[int] = mapped_column(Integer, nullable=False)
    title: Mapped[str] = mapped_column(String(120), nullable=False)
    sku_label: Mapped[str] = mapped_column(String(80), nullable=False, default="")
    image_url: Mapped[str | None] = mapped_column(String(500))
    price: Mapped[int] = mapped_column(Integer, nullable=False)
    quantity: Mapped[int] = mapped_column(Integer, nullable=False)
    weight: Mapped[int | None] = mapped_column(Integer)  # grams per unit
    refunded_quantity: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    flash_sale_item_id: Mapped[int | None] = mapped_column(Integer)  # bought at a flash sale's price and stock

    def amount(self):
        return self.price * self.quantity


class Payment(TenantScoped, Timestamped, db.Model):
    """One attempt to collect an order's total through WeChat Pay (JSAPI, Native or H5)."""

    __tablename__ = "payments"
    __tenant_table_args__ = (
        tenant_foreign_key("order_id", "orders", ondelete="CASCADE"),
        Index("ix_payments_tenant_order", "tenant_id", "order_id"),
    )

    JSAPI, NATIVE, H5 = prepay.JSAPI, prepay.NATIVE, prepay.H5
    CHANNELS = prepay.CHANNELS

    order_id: Mapped[int] = mapped_column(Integer, nullable=False)
    channel: Mapped[str] = mapped_column(String(8), nullable=False)
    amount: Mapped[int] = mapped_column(Integer, nullable=False)
    code_url: Mapped[str | None] = mapped_column(String(500))  # Native: the QR code's content
    h5_url: Mapped[str | None] = mapped_column(String(1000))
    prepay_id: Mapped[str | None] = mapped_column(String(64))


class Refund(TenantScoped, Timestamped, db.Model):
    """Money going back for an order, partly or wholly; several per order up to what was paid."""

    __tablename__ = "refunds"
    __tenant_table_args__ = (
        tenant_foreign_key("order_id", "orders", ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "number"),  # the notification's lookup knows its store
        CheckConstraint("amount > 0", name="amount_positive"),
        Index("ix_refunds_tenant_status", "tenant_id", "status"),
    )

    # submitted: committed with its number, WeChat's acceptance not yet known (a timeout
    # leaves it here until the reconciler asks); processing: WeChat accepted it and is
    # paying it out; succeeded / failed: settled.
    SUBMITTED, PROCESSING, SUCCEEDED, FAILED = "submitted", "processing", "succeeded", "failed"
    OPEN = (SUBMITTED, PROCESSING)

    order_id: Mapped[int] = mapped_column(Integer, nullable=False)
    number: Mapped[str] = mapped_column(String(64), nullable=False)  # out_refund_no
    amount: Mapped[int] = mapped_column(Integer, nullable=False)
    reason: Mapped[str | None] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(12), nullable=False, default=SUBMITTED)
    refund_id: Mapped[str | None] = mapped_column(String(64))  # WeChat's id
    restock: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    returned: Mapped[dict | None] = mapped_column(JSON)  # {order line id: quantity} put back; undone if it fails
    failure: Mapped[str | None] = mapped_column(String(200))  # why WeChat refused it
    succeeded_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Fulfillment(TenantScoped, Timestamped, db.Model):
    """A packing list (发货单): what one warehouse sends to one address in one parcel.

    Paid orders are split by the warehouse of their products, and lines of the same
    member's paid orders to the same address from the same warehouse are merged into one
    open packing list, so the merchant sends one parcel instead of several."""

    __tablename__ = "fulfillments"
    __tenant_table_args__ = (
        tenant_foreign_key("member_id", "members"),
        Index("ix_fulfillments_tenant_open", "tenant_id", "status", "member_id", "warehouse", "address_key"),
    )

    OPEN, SHIPPED, VOID = "open", "shipped", "void"

    member_id: Mapped[int] = mapped_column(Integer, nullable=False)
    warehouse: Mapped[str] = mapped_column(String(32), nullable=False)
    address_key: Mapped[str] = mapped_column(String(64), nullable=False)  # keyed hash of the delivery address
    status: Mapped[str] = mapped_column(String(8), nullable=False, default=OPEN)

    lines = relationship("FulfillmentLine", order_by="FulfillmentLine.id", viewonly=True)


class FulfillmentLine(TenantScoped, db.Model):
    __tablename__ = "fulfillment_lines"
    __tenant_table_args__ = (
        tenant_foreign_key("fulfillment_id", "fulfillments", ondelete="CASCADE"),
        tenant_foreign_key("order_line_id", "order_lines", ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "order_line_id"),
        Index("ix_fulfillment_lines_tenant_fulfillment", "tenant_id", "fulfillment_id"),
    )

    fulfillment_id: Mapped[int] = mapped_column(Integer, nullable=False)
    order_id: Mapped[int] = mapped_column(Integer, nullable=False)
    order_line_id: Mapped[int] = mapped_column(Integer, nullable=False)
    quantity: Mapped[int] = mapped_column(Integer, nullable=False)


class OrderInstalment(TenantScoped, db.Model):
    """One part of an order paid in parts (a pre-sale's deposit 定金 and balance 尾款): its own
    ``out_trade_no`` (the order number and its place), amount and window. The order's "pay"
    transition happens when the last part is paid; the order's ``total`` is the parts' sum."""

    __tablename__ = "order_instalments"
    __tenant_table_args__ = (
        tenant_foreign_key("order_id", "orders", ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "out_trade_no"),
        UniqueConstraint("tenant_id", "order_id", "seq"),
        CheckConstraint("amount > 0", name="amount_positive"),
    )

    order_id: Mapped[int] = mapped_column(Integer, nullable=False)
    seq: Mapped[int] = mapped_column(Integer, nullable=False)  # 1 the deposit, 2 the balance
    out_trade_no: Mapped[str] = mapped_column(String(32), nullable=False)
    amount: Mapped[int] = mapped_column(Integer, nullable=False)  # fen
    opens_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    # An earlier part is kept when a later one is never paid (the order closes); else refunded.
    kept_if_unpaid_later: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)  # first asked of WeChat Pay (a prepay)
    paid_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    transaction_id: Mapped[str | None] = mapped_column(String(64))
    paid_with: Mapped[str | None] = mapped_column(String(8))

    def asked_of_wechat(self):
        return self.sent_at is not None
