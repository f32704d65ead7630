"""Money going back: full and partial refunds through WeChat Pay (or to the balance), several
per order up to what was paid, and the stock they return.

Every refund — console, after-sales approval, group-buy expiry, a payment that came after
the cancel, an order paid from the balance — takes one path, in three steps, so that this
database and WeChat Pay never disagree for good:

1. ``request_refund`` (a short transaction, nothing called out): one conditional UPDATE
   ``paid_amount - refund_reserved >= amount`` claims the amount on the order. Concurrent
   refunds of one order queue on that row for this step only; the ones left without enough
   get ``InvalidRefund`` (never the CHECK constraint). Then the refund is written with its
   fixed ``out_refund_no`` as ``submitted``, the goods coming back go to stock, the order
   moves to refunding, audit. An order paid from the balance is credited and settled here.
2. ``send_refund``, outside any transaction: WeChat is asked with that number. Asking again
   with the same number is the same refund at WeChat, so a retry can never refund twice.
3. The answer is applied by a conditional UPDATE from an open status: ``processing`` (WeChat
   accepted it), ``succeeded`` (added to the order's refunded amount, exactly once) or
   ``failed`` (refused: the amount is released and the goods are taken back off stock).
   A timeout or an unreachable WeChat changes nothing: the refund stays ``submitted``.

``reconcile_refunds`` (in ``sweep_store`` and after each refund notification) asks WeChat
about refunds still ``submitted`` or ``processing`` and settles them; one WeChat never heard
of is sent again with its number.

Who commits: ``refund_order`` commits step 1, then ``send_refund`` commits steps 2–3. Work
a caller did before calling it is committed with step 1 — after-sales approval and group-buy
expiry rely on that to decide their own row in the same short transaction — so a caller must
not hold uncommitted work it expects to be rolled back. ``InvalidRefund`` is raised before
anything is committed (the caller rolls back). ``PaymentError`` from ``refund_order`` means
WeChat refused: the refund is committed as ``failed`` with WeChat's reason.
"""
import logging
import secrets
from datetime import timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select, update

from commerce.catalog.models import SKU, Product
from commerce.members.models import Member
from commerce.members.wallet import refund_to_balance
from commerce.orders import states
from commerce.orders.hooks import run_order_hooks
from commerce.orders.models import Order, OrderLine, Refund
from core.audit import record_audit
from core.errors import DomainError
from core.extensions import db
from core.models import utcnow
from core.money import format_money
from core.outbox import publish
from payments import PaymentError, query_refund, refund_payment
from payments.settings import notify_url, store_pay_account

log = logging.getLogger(__name__)

REFUND_FAILED = "order.refund_failed"  # WeChat refused it or could not pay it out: the amount is free again

REFUNDABLE = (Order.PAID, Order.PARTIALLY_SHIPPED, Order.SHIPPED, Order.COMPLETED, Order.REFUNDING)
# A payment that arrived after the order was cancelled goes back through the same path.
CLAIMABLE = (*REFUNDABLE, Order.CANCELLED)
RECONCILE_AFTER = timedelta(seconds=30)  # younger refunds may still be waiting for their answer
WECHAT_NEVER_HEARD = ("RESOURCE_NOT_EXISTS", "NOT_FOUND")


class InvalidRefund(DomainError):
    """The refund asked for is not possible (too much, nothing paid, bad quantities)."""


def refund_status_labels():
    """What a merchant or shopper reads for each refund status."""
    return {Refund.SUBMITTED: _l("Submitted to WeChat Pay, awaiting confirmation"),
            Refund.PROCESSING: _l("In progress"), Refund.SUCCEEDED: _l("Refunded"), Refund.FAILED: _l("Failed")}


def refundable_amount(order):
    """What can still go back: paid, minus what refunds that have not failed claimed."""
    return db.session.scalar(select(Order.paid_amount - Order.refund_reserved).where(Order.id == order.id))


def refund_order(order, *, amount, reason, actor, restock=None):
    """Refund ``amount`` fen of a paid order: through WeChat Pay, or back to the balance for
    an order paid with it. Commits (see the module's note). Returns the refund: succeeded,
    processing, or ``submitted`` when WeChat's answer did not come (the reconciler settles it).

    :param restock: ``{order_line_id: quantity}`` of goods coming back to stock (a return),
        or None when only money goes back
    :raise InvalidRefund: not paid, more than is left, bad quantities; nothing was written
    :raise PaymentError: WeChat refused; the refund is committed as failed, nothing claimed
    """
    refund = request_refund(order, amount=amount, reason=reason, actor=actor, restock=restock)
    db.session.commit()
    return send_refund(refund)


def request_refund(order, *, amount, reason, actor, restock=None):
    """Step 1: claim the amount, write the refund with its fixed number, return the goods,
    move the order. Flushes; the caller commits before ``send_refund``.

    :raise InvalidRefund: see ``refund_order``
    """
    if not isinstance(amount, int) or amount < 1:
        raise InvalidRefund(_("Enter an amount to refund."), field="amount")
    claimed = db.session.execute(
        update(Order).where(Order.id == order.id, Order.status.in_(CLAIMABLE), Order.transaction_id.is_not(None),
                            Order.paid_amount - Order.refund_reserved >= amount)
        .values(refund_reserved=Order.refund_reserved + amount)
        .execution_options(synchronize_session=False)).rowcount
    db.session.refresh(order)  # as committed by whoever was first, plus our claim
    if claimed != 1:
        if order.status not in CLAIMABLE or not order.transaction_id:
            raise InvalidRefund(_("Only a paid order can be refunded."))
        left = order.paid_amount - order.refund_reserved
        if left <= 0:
            raise InvalidRefund(_("Everything paid for this order has already been refunded."), field="amount")
        raise InvalidRefund(_("At most %(left)s can still be refunded.", left=format_money(left)), field="amount")
    restock = restock or {}
    refund = Refund(order_id=order.id, number=f"R{order.number[-16:]}{secrets.token_hex(4)}", amount=amount,
                    reason=(reason or "").strip()[:80] or None, restock=bool(restock), status=Refund.SUBMITTED,
                    returned={str(line_id): quantity for line_id, quantity in restock.items()} or None)
    db.session.add(refund)
    _return_goods(order, restock)
    if order.status != Order.CANCELLED:
        states.transition(order, "request_refund")  # already refunding: nothing to do
    db.session.flush()
    to_balance = order.paid_with == Order.PAID_WITH_BALANCE
    record_audit("order.refund", actor=actor, tenant_id=order.tenant_id, target=order,
                 details={"amount": amount, "refund": refund.number, "restock": restock,
                          **({"to": "balance"} if to_balance else {})})
    if to_balance:
        refund_to_balance(db.session.get(Member, order.member_id), amount, order_id=order.id, ref=refund.number)
        settle_refund(refund)
    return refund


def send_refund(refund):
    """Steps 2 and 3: ask WeChat for ``refund`` under its own number and apply the answer.
    Ends the caller's transaction first (nothing is held during the call) and commits.
    Does nothing to a refund that is no longer ``submitted``.

    :raise PaymentError: WeChat refused; the refund is now failed (committed)
    """
    db.session.commit()
    if refund.status != Refund.SUBMITTED:
        return refund
    order = db.session.get(Order, refund.order_id)
    try:
        answer = refund_payment(store_pay_account(order.tenant_id), out_refund_no=refund.number,
                                refund_fen=refund.amount, total_fen=order.paid_amount,
                                transaction_id=order.transaction_id, reason=refund.reason,
                                notify_url=notify_url(order.tenant_id))
    except PaymentError as error:
        if not _refused(error):
            log.warning("refund %s: no answer from WeChat Pay; it stays submitted for the reconciler", refund.number)
            db.session.rollback()
            return refund
        settle_refund(refund, succeeded=False, failure=str(error.message))
        db.session.commit()
        raise
    _apply_answer(refund, answer)
    db.session.commit()
    return refund


def reconcile_refunds(*, order=None, now=None):
    """For the current store: ask WeChat about refunds still submitted or processing (all of
    ``order``'s, or every store's refund older than ``RECONCILE_AFTER``) and settle them; one
    WeChat never heard of is sent again with its number. Commits after each. Returns how
    many this call settled (succeeded or failed)."""
    query = select(Refund).where(Refund.status.in_(Refund.OPEN)).order_by(Refund.id)
    if order is not None:
        query = query.where(Refund.order_id == order.id)
    else:
        query = query.where(Refund.created_at <= (now or utcnow()) - RECONCILE_AFTER)
    settled = 0
    for refund in db.session.scalars(query).all():
        try:
            _reconcile(refund)
        except PaymentError:
            log.warning("refund %s: WeChat Pay could not be asked; next sweep tries again", refund.number,
                        exc_info=True)
            db.session.rollback()
        db.session.commit()
        settled += refund.status not in Refund.OPEN
    return settled


def _reconcile(refund):
    order = db.session.get(Order, refund.order_id)
    if order.paid_with == Order.PAID_WITH_BALANCE:
        return  # settled with the balance in step 1; WeChat never had it
    try:
        answer = query_refund(store_pay_account(order.tenant_id), refund.number)
    except PaymentError as error:
        if error.http_status != 404 and error.code not in WECHAT_NEVER_HEARD:
            raise
        send_refund(refund)  # the first request never reached WeChat: the same number again
        return
    _apply_answer(refund, answer)


def _refused(error):
    """WeChat answered no (4xx other than rate limiting): nothing was made there. A timeout,
    no connection or a 5xx leaves the outcome unknown."""
    return error.http_status is not None and 400 <= error.http_status < 500 and error.http_status != 429


def _apply_answer(refund, answer):
    """WeChat's word on a refund (from creating or querying it)."""
    if answer.status == "SUCCESS":
        settle_refund(refund, refund_id=answer.refund_id)
    elif answer.status == "CLOSED":
        settle_refund(refund, succeeded=False, refund_id=answer.refund_id, failure=f"WeChat Pay: {answer.status}")
    elif answer.status == "ABNORMAL":
        mark_abnormal(refund, refund_id=answer.refund_id)
    else:  # PROCESSING: accepted, being paid out; its notification (or a later query) settles it
        accepted = db.session.execute(
            update(Refund).where(Refund.id == refund.id, Refund.status == Refund.SUBMITTED)
            .values(status=Refund.PROCESSING, refund_id=answer.refund_id)
            .execution_options(synchronize_session=False)).rowcount
        if accepted:
            refund.status, refund.refund_id = Refund.PROCESSING, answer.refund_id


def mark_abnormal(refund, *, refund_id=None):
    """WeChat could not pay the refund out (the shopper's card was closed). It stays open, and
    its amount claimed: the merchant handles it in WeChat Pay's merchant platform, after which
    WeChat reports it succeeded (or closed), which reconciliation and notifications apply."""
    values = {"status": Refund.PROCESSING, "failure": ABNORMAL_NOTE}
    if refund_id:
        values["refund_id"] = refund_id
    db.session.execute(update(Refund).where(Refund.id == refund.id, Refund.status.in_(Refund.OPEN)).values(**values)
                       .execution_options(synchronize_session=False))
    db.session.refresh(refund)


ABNORMAL_NOTE = "退款异常：请在微信支付商户平台处理"  # data shown to the merchant, in WeChat's own words


def settle_refund(refund, *, succeeded=True, refund_id=None, failure=None):
    """The refund is done (or failed). Applies once — a conditional UPDATE from an open
    status; returns True if this call did. A success adds to the order's refunded amount; a
    failure releases the claimed amount and takes the returned goods back off stock."""
    target = Refund.SUCCEEDED if succeeded else Refund.FAILED
    values = {"status": target, "succeeded_at": utcnow() if succeeded else None}
    if refund_id:
        values["refund_id"] = refund_id
    if failure:
        values["failure"] = failure[:200]
    changed = db.session.execute(
        update(Refund).where(Refund.id == refund.id, Refund.status.in_(Refund.OPEN)).values(**values)
        .execution_options(synchronize_session=False)).rowcount
    if changed != 1:
        return False
    for name, value in values.items():
        setattr(refund, name, value)
    # The order row first: a concurrent settlement of its other refund waits here, then sees ours.
    money = ({"refunded_amount": Order.refunded_amount + refund.amount} if succeeded
             else {"refund_reserved": Order.refund_reserved - refund.amount})
    db.session.execute(update(Order).where(Order.id == refund.order_id).values(**money)
                       .execution_options(synchronize_session=False))
    order = db.session.get(Order, refund.order_id)
    db.session.refresh(order)
    if succeeded:
        publish("order.refunded", tenant_id=order.tenant_id, order_id=order.id, refund_id=refund.id, amount=refund.amount)
    else:
        _take_back_goods(refund.returned or {})
        publish(REFUND_FAILED, tenant_id=order.tenant_id, order_id=order.id, refund_id=refund.id)
    still_open = db.session.scalar(select(func.count()).select_from(Refund).where(
        Refund.order_id == order.id, Refund.status.in_(Refund.OPEN)))
    if not still_open and order.status == Order.REFUNDING:
        if order.refunded_amount >= order.paid_amount:
            states.transition(order, "refund_settled")
        else:
            states.transition(order, _resume_event(order))
    return True


def find_refund(number):
    return db.session.scalar(select(Refund).where(Refund.number == number))


def order_refunds(order):
    return db.session.scalars(select(Refund).where(Refund.order_id == order.id).order_by(Refund.id)).all()


def _resume_event(order):
    """After a partial refund (or a failed one) the order goes back to where it was in its life."""
    if order.completed_at:
        return "refund_partly_settled_completed"
    if order.shipped_at:
        return "refund_partly_settled_shipped"
    return "refund_partly_settled_paid"


def _return_goods(order, restock):
    lines = {line.id: line for line in db.session.scalars(select(OrderLine).where(OrderLine.order_id == order.id))}
    for line_id, quantity in restock.items():
        line = lines.get(line_id)
        if line is None or not isinstance(quantity, int) or quantity < 1:
            raise InvalidRefund(_("Choose the items that come back."), field="restock")
        taken = db.session.execute(
            update(OrderLine).where(OrderLine.id == line.id, OrderLine.refunded_quantity + quantity <= OrderLine.quantity)
            .values(refunded_quantity=OrderLine.refunded_quantity + quantity)
            .execution_options(synchronize_session=False)).rowcount
        db.session.refresh(line)
        if not taken:
            raise InvalidRefund(_("%(title)s: at most %(n)d can come back.", title=line.title,
                                  n=line.quantity - line.refunded_quantity), field="restock")
        _move_stock(line, quantity)
        run_order_hooks("restock_changed", line)


def _take_back_goods(returned):
    """A failed refund's goods were put back to stock in step 1: take them off again (as far
    as they were not sold since)."""
    for line_id, quantity in returned.items():
        line = db.session.get(OrderLine, int(line_id))
        db.session.execute(update(OrderLine).where(OrderLine.id == line.id, OrderLine.refunded_quantity >= quantity)
                           .values(refunded_quantity=OrderLine.refunded_quantity - quantity)
                           .execution_options(synchronize_session=False))
        db.session.refresh(line)
        _move_stock(line, -quantity)
        run_order_hooks("restock_changed", line)


def _move_stock(line, quantity):
    """``quantity`` units of ``line`` back on sale (negative: off sale again, never below 0)."""
    for model, key in ((SKU, line.sku_id), (Product, line.product_id)):
        values = {"stock": case((model.stock + quantity >= 0, model.stock + quantity), else_=0)}
        if model is Product:
            values["sold_count"] = Product.sold_count - quantity
        db.session.execute(update(model).where(model.id == key).values(**values)
                           .execution_options(synchronize_session=False))
