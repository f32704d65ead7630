"""Building stores with batches and shipped orders for the inventory tests."""
from datetime import date

from sqlalchemy import func, select

from commerce.catalog.models import SKU, Product
from commerce.inventory.batches import receive_batch
from commerce.inventory.models import BatchAllocation, StockBatch
from commerce.members.models import Address, Member
from commerce.members.wallet import refund_to_balance
from commerce.orders.models import Order, OrderLine
from commerce.orders.payments import pay_with_balance
from commerce.orders.service import Wanted, place_order
from commerce.shipping.models import Parcel
from commerce.shipping.parcels import ship_order, shipped_quantities
from core.extensions import db
from core.tenancy import tenant_context
from tests.factories import create_member


def receive(store, sku_id, number, quantity, *, expires_on=None, produced_on=None, supplier="杭州茶厂"):
    with tenant_context(store.id):
        batch = receive_batch(db.session.get(SKU, sku_id), batch_number=number, supplier=supplier, quantity=quantity,
                              produced_on=produced_on, expires_on=expires_on)
        db.session.commit()
        return batch.id


def rich_member(store, nickname="小明", fen=10_000_000):
    member_id, address_id = create_member(store, nickname=nickname)
    with tenant_context(store.id):
        refund_to_balance(db.session.get(Member, member_id), fen, order_id=None, ref=f"seed:{member_id}")
        db.session.commit()
    return member_id, address_id


def paid_order(store, member, wanted):
    """A placed order of ``wanted`` ``[(sku id, quantity)]`` paid from the member's balance: its id."""
    member_id, address_id = member
    with tenant_context(store.id):
        order = place_order(member_id=member_id, address=db.session.get(Address, address_id),
                            wanted=[Wanted(sku_id, quantity, None) for sku_id, quantity in wanted])
        pay_with_balance(order, db.session.get(Member, member_id))
        db.session.commit()
        return order.id


def ship_all(store, order_id, number=None):
    """Ship everything left of the order in one parcel."""
    with tenant_context(store.id):
        order = db.session.get(Order, order_id)
        sent = shipped_quantities(order)
        lines = [(line.id, line.quantity - line.refunded_quantity - sent.get(line.id, 0)) for line in order.lines]
        lines = [(line_id, left) for line_id, left in lines if left > 0]
        ship_order(order, [("yuantong", number or f"YT{order_id:010d}", lines)], actor=None)
        db.session.commit()


def batch_state(store, batch_id):
    with tenant_context(store.id):
        batch = db.session.get(StockBatch, batch_id)
        db.session.refresh(batch)
        return batch.received_quantity, batch.remaining


def stock_of(store, sku_id):
    with tenant_context(store.id):
        sku = db.session.get(SKU, sku_id)
        db.session.refresh(sku)
        product = db.session.get(Product, sku.product_id)
        db.session.refresh(product)
        return sku.stock, product.stock


def shipped_units_by_line(store):
    """``{order line id: units in parcels}`` over the store's parcels."""
    with tenant_context(store.id):
        sent = {}
        for parcel in db.session.scalars(select(Parcel)):
            for content in parcel.lines:
                sent[content["line_id"]] = sent.get(content["line_id"], 0) + content["quantity"]
        return sent


def allocated_by_line(store):
    with tenant_context(store.id):
        return {line_id: int(total) for line_id, total in db.session.execute(
            select(BatchAllocation.order_line_id, func.sum(BatchAllocation.quantity))
            .group_by(BatchAllocation.order_line_id)).all()}


def line_ids(store, order_id):
    with tenant_context(store.id):
        return db.session.scalars(select(OrderLine.id).where(OrderLine.order_id == order_id).order_by(OrderLine.id)).all()


def day(text):
    return date.fromisoformat(text)
