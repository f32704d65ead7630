"""Receiving stock by batch, and recording each shipped unit's batch.

Receiving adds ``quantity`` to the SKU's (and its product's) stock with an atomic UPDATE and
writes the batch in the same transaction, so a receipt racing a sale or another receipt
never loses units. Shipping (``ship_order``, through the orders' ``shipped`` hook) takes each
parcel line's units from the SKU's batches, first expiring first (FEFO) and, for goods
without expiry, first received first (FIFO), expired batches last: the batches are locked (``FOR UPDATE``) and
each is lowered by a conditional UPDATE (``remaining >= n``), so two shipments at once never
take the same unit. What batches cannot cover comes from the SKU's opening batch (stock that
was there before batches were used), so every shipped unit is accounted to exactly one batch.
A return that restocks puts its units back into the batches they left (latest first).
"""
from flask_babel import gettext as _
from sqlalchemy import and_, case, select, update
from sqlalchemy.exc import IntegrityError

from commerce.catalog.models import SKU, Product
from commerce.catalog.skus import MAX_PRICE
from commerce.inventory.errors import InvalidBatch
from commerce.inventory.models import OPENING_NUMBER, BatchAllocation, StockBatch
from commerce.orders.hooks import order_hook
from commerce.orders.models import OrderLine
from core.audit import record_audit
from core.clock import china_today
from core.extensions import db

MAX_SUPPLIER = 60
MAX_BATCH_NUMBER = 40


def receive_batch(sku, *, batch_number, supplier, quantity, produced_on=None, expires_on=None, actor=None):
    """Receive ``quantity`` units of ``sku`` as a new batch; they go on sale at once.

    :raise InvalidBatch: an empty or taken batch number, a quantity not above 0, an expiry
        before the production date
    """
    number = (batch_number or "").strip()
    supplier = (supplier or "").strip()
    if not number:
        raise InvalidBatch(_("Enter the batch number."), field="batch_number")
    if len(number) > MAX_BATCH_NUMBER or number == OPENING_NUMBER:
        raise InvalidBatch(_("Choose another batch number (at most %(n)d characters).", n=MAX_BATCH_NUMBER),
                           field="batch_number")
    if not supplier:
        raise InvalidBatch(_("Enter the supplier."), field="supplier")
    if len(supplier) > MAX_SUPPLIER:
        raise InvalidBatch(_("The supplier's name is at most %(n)d characters.", n=MAX_SUPPLIER), field="supplier")
    if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity <= 0 or quantity > MAX_PRICE:
        raise InvalidBatch(_("The quantity received must be a whole number above 0."), field="quantity")
    if produced_on and expires_on and expires_on < produced_on:
        raise InvalidBatch(_("The expiry date cannot be before the production date."), field="expires_on")
    if db.session.scalar(select(StockBatch.id).where(StockBatch.sku_id == sku.id, StockBatch.batch_number == number)):
        raise InvalidBatch(_("This SKU already has a batch %(number)s.", number=number), field="batch_number")
    batch = StockBatch(sku_id=sku.id, product_id=sku.product_id, batch_number=number, supplier=supplier,
                       produced_on=produced_on, expires_on=expires_on, received_quantity=quantity,
                       remaining=quantity, staff_id=getattr(actor, "id", None))
    db.session.add(batch)
    for model, key in ((SKU, sku.id), (Product, sku.product_id)):
        db.session.execute(update(model).where(model.id == key).values(stock=model.stock + quantity)
                           .execution_options(synchronize_session=False))
    db.session.flush()
    record_audit("inventory.receive", actor=actor, target=batch,
                 details={"sku": sku.id, "batch": number, "quantity": quantity, "supplier": supplier})
    return batch


def fefo_order(today):
    """Batches still good with an expiry first, earliest first (FEFO); then those without,
    oldest first (FIFO); expired ones last (what is physically left, should it ship)."""
    expired = case((and_(StockBatch.expires_on.is_not(None), StockBatch.expires_on < today), 1), else_=0)
    return (expired, StockBatch.expires_on.is_(None), StockBatch.expires_on, StockBatch.id)


@order_hook("shipped")
def allocate_parcels(order, parcels):
    """Record, in the shipment's transaction, the batch each unit in ``parcels`` came from."""
    lines = {line.id: line for line in db.session.scalars(select(OrderLine).where(OrderLine.order_id == order.id))}
    _lock_batches(StockBatch.sku_id.in_({lines[content["line_id"]].sku_id for parcel in parcels
                                          for content in parcel.lines}))
    for parcel in parcels:
        for content in parcel.lines:
            line = lines[content["line_id"]]
            _allocate(order, line, parcel, content["quantity"])
    db.session.flush()


def _allocate(order, line, parcel, quantity):
    batches = db.session.scalars(select(StockBatch).where(
        StockBatch.sku_id == line.sku_id, StockBatch.remaining > 0, StockBatch.is_opening.is_(False))
        .order_by(*fefo_order(china_today())).with_for_update()).all()
    for batch in batches:
        if quantity <= 0:
            break
        taken = _take(batch, min(batch.remaining, quantity))
        if taken:
            db.session.add(BatchAllocation(batch_id=batch.id, order_id=order.id, order_line_id=line.id,
                                           parcel_id=parcel.id, quantity=taken))
            quantity -= taken
    if quantity > 0:
        opening = _opening_batch(line)
        db.session.execute(update(StockBatch).where(StockBatch.id == opening.id)
                           .values(received_quantity=StockBatch.received_quantity + quantity)
                           .execution_options(synchronize_session=False))
        db.session.add(BatchAllocation(batch_id=opening.id, order_id=order.id, order_line_id=line.id,
                                       parcel_id=parcel.id, quantity=quantity))


def _lock_batches(condition):
    """Lock the batches matching ``condition`` in id order before touching any: every path
    (shipments, returns) locks batches in the same order, so two of them never deadlock."""
    db.session.execute(select(StockBatch.id).where(condition).order_by(StockBatch.id).with_for_update())


def _take(batch, wanted):
    """Lower ``batch`` by ``wanted`` if it still holds that many; the units taken (0 or ``wanted``)."""
    done = db.session.execute(update(StockBatch).where(StockBatch.id == batch.id, StockBatch.remaining >= wanted)
                              .values(remaining=StockBatch.remaining - wanted)
                              .execution_options(synchronize_session=False)).rowcount
    db.session.refresh(batch)
    return wanted if done == 1 else 0


def _opening_batch(line):
    """The SKU's opening batch, made on first need (empty: its units are counted as they ship)."""
    opening = db.session.scalar(select(StockBatch).where(StockBatch.sku_id == line.sku_id,
                                                         StockBatch.batch_number == OPENING_NUMBER))
    if opening is not None:
        return opening
    try:
        with db.session.begin_nested():  # a shipment at once may make it first
            opening = StockBatch(sku_id=line.sku_id, product_id=line.product_id, batch_number=OPENING_NUMBER,
                                 supplier="", received_quantity=0, remaining=0, is_opening=True)
            db.session.add(opening)
        return opening
    except IntegrityError:
        return db.session.scalar(select(StockBatch).where(StockBatch.sku_id == line.sku_id,
                                                          StockBatch.batch_number == OPENING_NUMBER))


@order_hook("restock_changed")
def settle_returned_units(line):
    """Keep the units back in batches equal to the returned units that had shipped: a refund
    counts against the line's unshipped units first (those never left a batch), the rest came
    back from the parcel and go back to their batches, latest allocation first; a failed
    refund takes them off again (as far as they were not shipped since)."""
    allocations = db.session.scalars(select(BatchAllocation).where(BatchAllocation.order_line_id == line.id)
                                     .order_by(BatchAllocation.id.desc()).with_for_update()).all()
    if allocations:  # every batch the order drew on, at once: a return of several lines holds no
        # batch while waiting for another
        _lock_batches(StockBatch.id.in_(select(BatchAllocation.batch_id)
                                        .where(BatchAllocation.order_id == line.order_id)))
    shipped = sum(allocation.quantity for allocation in allocations)
    back = sum(allocation.returned_quantity for allocation in allocations)
    target = min(max(line.refunded_quantity - (line.quantity - shipped), 0), shipped)
    change = target - back
    for allocation in allocations:
        if change == 0:
            break
        step = min(change, allocation.quantity - allocation.returned_quantity) if change > 0 \
            else -min(-change, allocation.returned_quantity)
        if step == 0:
            continue
        if step < 0:  # taking units back off a batch: only as many as it still holds
            batch = db.session.scalar(select(StockBatch).where(StockBatch.id == allocation.batch_id)
                                      .with_for_update())
            step = -_take(batch, min(batch.remaining, -step))
            if step == 0:
                continue
        else:
            db.session.execute(update(StockBatch).where(StockBatch.id == allocation.batch_id)
                               .values(remaining=StockBatch.remaining + step)
                               .execution_options(synchronize_session=False))
        allocation.returned_quantity += step
        change -= step
    db.session.flush()
