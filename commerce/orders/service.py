"""Placing, cancelling and completing orders.

``place_order`` is one transaction: it re-reads every SKU, prices the order with
``commerce.pricing.quote``, writes the order with its lines and its quote's price lines and
what the campaign, coupons and points give, and last reserves stock with a conditional UPDATE
per SKU (``stock = stock - q WHERE stock >= q``, in id order so two orders never wait on each
other crosswise; last, so the hot rows are locked only until the commit that follows). If any
line cannot be had, nothing is written (the caller rolls back). Stock is reserved at ordering and
returned when an unpaid order is cancelled (by the shopper or by the timeout job).
"""
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import select, update

from commerce.catalog.models import SKU, Product
from commerce.marketing.coupons.errors import CouponUnavailable
from commerce.members.models import Member
from commerce.members.points import redeem_points, return_redeemed_points
from commerce.orders import states
from commerce.orders.errors import CheckoutProblem, OrderStateError, SoldOut
from commerce.orders.hooks import run_order_hooks
from commerce.orders.instalments import PAYMENT_TIMEOUT, add_instalments, has_paid_part, settle_parts_on_close
from commerce.orders.models import Order, OrderLine
from commerce.pricing import Item, load_price_book, quote, receipt_json, rule_for
from core.audit import record_audit
from core.clock import to_china
from core.errors import DomainError
from core.extensions import db
from core.models import utcnow
from core.outbox import publish
from core.tenancy import current_tenant_id
from tenants.models import Tenant

PAID_AFTER_CANCEL = "order.paid_after_cancel"  # its subscriber gives the money back
MAX_LINES = 50
MAX_NOTE = 200
MAX_REMARK = 500


@dataclass(frozen=True)
class Wanted:
    """One line the shopper asks for, with the price they saw (fen) when they asked."""

    sku_id: int
    quantity: int
    seen_price: int | None = None


def place_order(*, member_id, wanted, address, note=None, now=None, coupon_ids=(), use_points=False, campaign=None,
                request_id=None):
    """Reserve stock and write a pending order for the current store, priced by
    ``commerce.pricing.quote`` (its lines are kept on the order); returns the ``Order``.

    :param wanted: ``Wanted`` lines (one per SKU)
    :param address: the member's ``Address`` to deliver to
    :param coupon_ids: the member's ``MemberCoupon`` ids to spend on it
    :param use_points: redeem as many of the member's points as the store allows on the
        goods left after coupons
    :param campaign: the ``commerce.pricing.Campaign`` checked out through (a group buy, a
        bargain), or None; its rule reserves what the order takes from it
    :param request_id: the client's idempotency key (unique per member: a second order with
        it fails on flush with ``IntegrityError``; ``find_requested_order`` finds the first)
    :raise CheckoutProblem: empty, unknown or unavailable lines, a price that changed since
        the shopper saw it, an address outside the delivery area, a too long note
    :raise SoldOut: another shopper took the last units first
    :raise CouponUnavailable: a chosen coupon cannot be used on this order
    """
    now = now or utcnow()
    lines = _merged(wanted)
    if not lines:
        raise CheckoutProblem(_("Your cart is empty."))
    if len(lines) > MAX_LINES:
        raise CheckoutProblem(_("An order can have at most %(n)d lines.", n=MAX_LINES))
    note = (note or "").strip() or None
    if note and len(note) > MAX_NOTE:
        raise CheckoutProblem(_("The note can be at most %(n)d characters.", n=MAX_NOTE), field="note")
    if address is None or address.member_id != member_id:
        raise CheckoutProblem(_("Choose where the order should go."), field="address")
    # The member's row locked first: an erasure of the account (which locks it too) either
    # waits for this order and then refuses, or has finished and this order is refused.
    member = db.session.scalar(select(Member).where(Member.id == member_id).with_for_update())
    if member is None or member.erased_at is not None:
        raise CheckoutProblem(_("This account has been closed."))

    rows = {sku.id: (sku, product) for sku, product in db.session.execute(
        select(SKU, Product).join(Product, Product.id == SKU.product_id).where(SKU.id.in_(list(lines)))).all()}
    book = load_price_book(rows.values(), member_id=member_id, campaign=campaign, now=now)
    priced = quote([Item(line.sku_id, line.quantity, line.seen_price) for line in lines.values()], book=book,
                   province_code=address.province_code, coupon_ids=list(coupon_ids or ()), use_points=use_points,
                   now=now)
    _raise_refusals(priced, "campaign")
    problems = [refusal.message for refusal in priced.blocking if refusal.kind == "line"]
    if problems:
        raise CheckoutProblem(" ".join(problems), extra={"problems": problems})

    _raise_refusals(priced, "address")
    _raise_refusals(priced, "coupon")

    tenant = db.session.get(Tenant, current_tenant_id())
    order = Order(
        number=_order_number(now), member_id=member_id, status=Order.PENDING_PAYMENT, subtotal=priced.subtotal,
        shipping_fee=priced.shipping, discount=priced.coupon_discount + priced.points_discount + priced.deposit_bonus,
        member_discount=priced.level_discount, total=priced.total, price_lines=receipt_json(priced),
        expires_at=now + timedelta(minutes=tenant.payment_timeout_minutes), shopper_note=note,
        ship_name=address.name, ship_phone=address.phone, ship_province_code=address.province_code,
        ship_region=address.region_line(),
        ship_detail=address.detail, request_id=request_id,
    )
    db.session.add(order)
    db.session.flush()
    schedule_timeout(order)
    if priced.split is not None:  # a deposit pre-sale: paid as deposit now and balance later
        add_instalments(order, priced.split, now=now)
    for line in priced.lines:
        sku, product = rows[line.sku_id]
        price = priced.prices.get(line.sku_id)
        db.session.add(OrderLine(order_id=order.id, product_id=product.id, sku_id=sku.id, title=product.title,
                                 sku_label=sku.label(), image_url=_cover_url(product), price=line.unit_price,
                                 quantity=line.quantity, weight=sku.weight,
                                 **dict(price.line_fields if price is not None else ())))
    db.session.flush()
    if priced.campaign is not None:
        rule_for(priced.campaign.kind).claim(priced.campaign, campaign=campaign, order=order, member_id=member_id,
                                             now=now)
    run_order_hooks("placed", order, quote=priced, now=now)  # coupons spent with the order
    if priced.points_used:
        redeem_points(db.session.get(Member, member_id), priced.points_used, order_id=order.id)
    # Stock last: its rows (a flash sale's item, a best seller's SKU and product) stay locked
    # from here to the commit, and every concurrent buyer of them waits that long in turn.
    for sku_id in sorted(lines):  # a fixed order: concurrent orders never deadlock crosswise
        sku, product = rows[sku_id]
        price = priced.prices.get(sku_id)
        if price is not None:  # a campaign's own units first, then the SKU's stock they come from
            rule_for(price.kind).reserve(price, member_id=member_id, quantity=lines[sku_id].quantity, now=now)
        _reserve(sku, product, lines[sku_id].quantity)
    return order


def _raise_refusals(priced, kind):
    refusal = next((r for r in priced.blocking if r.kind == kind), None)
    if refusal is None:
        return
    if kind == "coupon":
        raise CouponUnavailable(refusal.message, field=refusal.field)
    raise CheckoutProblem(refusal.message, field=refusal.field)


def schedule_timeout(order):
    """In the order's transaction: an event due when its payment time is up, whose
    subscriber cancels the order unless it was paid (it asks WeChat first)."""
    publish(PAYMENT_TIMEOUT, tenant_id=order.tenant_id, available_at=order.expires_at + timedelta(seconds=1),
            order_id=order.id)


def cancel_order(order, *, reason, actor=None, overdue_at=None):
    """Cancel an unpaid order and put its stock back. Returns False if it was no longer
    unpaid (paid in the meantime, or already cancelled) — then nothing changes.

    :param overdue_at: cancel only if its payment time is up at this moment (the timeout: a
        deposit paid meanwhile moved it on to the balance's end)"""
    when = (Order.expires_at <= overdue_at,) if overdue_at is not None else ()
    if not states.transition(order, "cancel", when=when, cancel_reason=reason):
        return False
    if settle_parts_on_close(order, timed_out=reason == "timeout") == "refund":  # a deposit given back
        publish(PAID_AFTER_CANCEL, tenant_id=order.tenant_id, order_id=order.id)
    release_stock(order)
    run_order_hooks("cancelled", order)  # flash units, team seat, bargain, coupons come back with the cancel
    return_redeemed_points(order.id)
    record_audit("order.cancel", actor=actor, tenant_id=order.tenant_id, target=order, details={"reason": reason})
    return True


def cancel_by_shopper(order, member_id):
    """:raise OrderStateError: not this member's order, or no longer unpaid"""
    if order.member_id != member_id or has_paid_part(order) or not cancel_order(order, reason="shopper"):
        raise OrderStateError(_("This order can no longer be cancelled."))


def confirm_receipt(order, member_id):
    """The shopper says the goods arrived.

    :raise OrderStateError: not shipped yet (or not theirs)
    """
    if order.member_id != member_id or not states.transition(order, "complete"):
        raise OrderStateError(_("Only a shipped order can be confirmed as received."))
    run_order_hooks("completed", order)


def set_merchant_remark(order, remark, *, actor):
    """The merchant's own note on an order (never shown to the shopper), audited.

    :raise DomainError: longer than ``MAX_REMARK``
    """
    if len(remark) > MAX_REMARK:
        raise DomainError(_("The remark can be at most %(n)d characters.", n=MAX_REMARK), field="remark")
    record_audit("order.remark", actor=actor, tenant_id=order.tenant_id, target=order,
                 details={"before": order.merchant_remark, "after": remark or None})
    order.merchant_remark = remark or None


def release_stock(order):
    """Give a cancelled order's units back to its SKUs (and their products' totals); a
    flash sale's own units go back through its "cancelled" hook."""
    for line in db.session.scalars(select(OrderLine).where(OrderLine.order_id == order.id)):
        db.session.execute(update(SKU).where(SKU.id == line.sku_id).values(stock=SKU.stock + line.quantity)
                           .execution_options(synchronize_session=False))
        db.session.execute(update(Product).where(Product.id == line.product_id)
                           .values(stock=Product.stock + line.quantity).execution_options(synchronize_session=False))


def count_as_sold(order):
    """A paid order's units become sales (best-selling lists and the 已售 count)."""
    sold = {}
    for product_id, quantity in db.session.execute(
            select(OrderLine.product_id, OrderLine.quantity).where(OrderLine.order_id == order.id)):
        sold[product_id] = sold.get(product_id, 0) + quantity
    for product_id in sorted(sold):  # a fixed order: two payments never wait on each other crosswise
        db.session.execute(update(Product).where(Product.id == product_id)
                           .values(sold_count=Product.sold_count + sold[product_id])
                           .execution_options(synchronize_session=False))


def member_orders(member_id, *, status=None, limit=50):
    statement = select(Order).where(Order.member_id == member_id).order_by(Order.id.desc()).limit(limit)
    if status:
        statement = statement.where(Order.status.in_(status if isinstance(status, tuple) else (status,)))
    return db.session.scalars(statement).all()


def find_requested_order(member_id, request_id):
    """The member's order placed with the client's ``request_id``, or None."""
    return db.session.scalar(select(Order).where(Order.member_id == member_id, Order.request_id == request_id))


def find_member_order(member_id, number):
    """The member's order by number, or None (another member's or store's finds nothing)."""
    return db.session.scalar(select(Order).where(Order.number == number, Order.member_id == member_id))


def _reserve(sku, product, quantity):
    taken = db.session.execute(
        update(SKU).where(SKU.id == sku.id, SKU.stock >= quantity).values(stock=SKU.stock - quantity)
        .execution_options(synchronize_session=False)
    ).rowcount
    if taken != 1:
        raise SoldOut(_("Sorry, %(title)s sold out while you were checking out.", title=_label(product, sku)),
                      extra={"problems": [_label(product, sku)]})
    db.session.execute(update(Product).where(Product.id == product.id).values(stock=Product.stock - quantity)
                       .execution_options(synchronize_session=False))


def _merged(wanted):
    lines = {}
    for line in wanted:
        if not isinstance(line.quantity, int) or line.quantity < 1 or line.quantity > 999:
            raise CheckoutProblem(_("Quantity must be a whole number from 1 to %(n)d.", n=999), field="quantity")
        if line.sku_id in lines:
            previous = lines[line.sku_id]
            line = Wanted(line.sku_id, previous.quantity + line.quantity, previous.seen_price)
        lines[line.sku_id] = line
    return lines


def _order_number(now):
    """``20261125103000`` (the moment in China time, the date every screen shows) + 8 random
    digits: sortable, unguessable, valid as out_trade_no."""
    return to_china(now).strftime("%Y%m%d%H%M%S") + f"{secrets.randbelow(10**8):08d}"


def _cover_url(product):
    return product.images[0].thumbnail_url() if product.images else None


def _label(product, sku):
    return f"{product.title}（{sku.label()}）" if sku.spec_values else product.title

