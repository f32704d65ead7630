"""Distribution (分销) work that runs later: deadlines, expiry and outbox subscribers."""
from sqlalchemy import (
    select,
    update,
)

from commerce.aftersales.models import AfterSale
from commerce.marketing.distribution.models import Commission
from commerce.marketing.distribution.service import _stamp_settle_after, order_refunded, record_commissions
from commerce.members.ledger import post_entry
from commerce.members.models import BalanceEntry
from commerce.orders.models import Order
from core.extensions import db
from core.models import utcnow
from core.outbox import subscriber
from core.sweep_steps import sweep_step


@subscriber("order.paid")
def record_commissions_when_paid(event):
    """An order was paid: ``record_commissions`` (committed with the event's marker)."""
    order = db.session.get(Order, event.payload["order_id"])
    if order is not None:
        record_commissions(order)


@sweep_step(order=80)
def settle_due_commissions(now=None):
    """For the current store (from the sweep): credit frozen commissions whose order has
    been completed for the store's days with no after-sales request open. Returns how many
    this run settled; a second run finds them settled."""
    now = now or utcnow()
    _stamp_settle_after(select(Commission.id).where(Commission.status == Commission.FROZEN,
                                                    Commission.settle_after.is_(None)))
    open_request = select(AfterSale.id).where(AfterSale.order_id == Commission.order_id,
                                              AfterSale.status.in_(AfterSale.OPEN)).exists()
    due = db.session.scalars(
        select(Commission.id).join(Order, Order.id == Commission.order_id)
        .where(Commission.status == Commission.FROZEN, Commission.settle_after <= now,
               Order.status == Order.COMPLETED, ~open_request).order_by(Commission.id)).all()
    settled = 0
    for commission_id in due:
        claimed = db.session.execute(
            update(Commission).where(Commission.id == commission_id, Commission.status == Commission.FROZEN)
            .values(status=Commission.SETTLED, settled_at=now)
            .returning(Commission.member_id, Commission.order_id, Commission.amount - Commission.cancelled_amount)
            .execution_options(synchronize_session=False)).first()
        if claimed is None:
            continue  # settled or cancelled meanwhile
        member_id, order_id, earned = claimed
        post_entry(BalanceEntry, member_id, earned, BalanceEntry.COMMISSION, f"commission:{commission_id}",
                   order_id=order_id)
        settled += 1
    return settled


@subscriber("order.refunded")
def reduce_commissions_when_refunded(event):
    """A refund succeeded: the order's commissions follow what is left paid (recomputed from
    the order, so a second delivery changes nothing)."""
    order = db.session.get(Order, event.payload["order_id"])
    if order is not None:
        order_refunded(order)
