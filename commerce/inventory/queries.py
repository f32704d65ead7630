"""Reading batches and their traces (read-only)."""
from sqlalchemy import func, or_, select

from commerce.catalog.models import SKU, Product
from commerce.inventory.models import BatchAllocation, StockBatch
from commerce.members.models import Member
from commerce.orders.models import Order, OrderLine
from core.extensions import db
from core.pagination import Key, Ordering, paginate

# Rows start with the batch (the allocation): the key reads its id from there.
BATCH_LIST = Ordering("console:batches", Key(StockBatch.id, descending=True, value=lambda row: row[0].id, unique=True))
BATCH_TRACE = Ordering("console:batch_trace",
                       Key(BatchAllocation.id, descending=True, value=lambda row: row[0].id, unique=True))


def find_batch(batch_id):
    return db.session.scalar(select(StockBatch).where(StockBatch.id == batch_id))


def find_sku(sku_id):
    return db.session.scalar(select(SKU).where(SKU.id == sku_id))


def receivable_skus(limit):
    """``(sku, product title)`` of SKUs stock may be received for (not drafts), newest product
    first, at most ``limit``."""
    return db.session.execute(select(SKU, Product.title).join(Product, Product.id == SKU.product_id)
                              .where(Product.status != Product.DRAFT).order_by(Product.id.desc(), SKU.id)
                              .limit(limit)).all()


def batch_page(*, query="", cursor=None, per_page=50):
    """A page of ``(batch, product title, SKU)`` rows, newest first; ``query`` matches the
    batch number, the supplier or the product title.

    :raise BadCursor: ``cursor`` is not from this list
    """
    statement = (select(StockBatch, Product.title.label("title"), SKU)
                 .join(SKU, SKU.id == StockBatch.sku_id).join(Product, Product.id == StockBatch.product_id))
    query = (query or "").strip()
    if query:
        like = f"%{query.replace('%', '').replace('_', '')}%"
        statement = statement.where(or_(StockBatch.batch_number.ilike(like), StockBatch.supplier.ilike(like),
                                        Product.title.ilike(like)))
    return paginate(statement, BATCH_LIST, per_page=per_page, cursor=cursor, with_total=True)


def batch_trace_page(batch, *, cursor=None, per_page=50):
    """A page of ``(allocation, order, order line, member)`` rows: where the batch's units went.

    :raise BadCursor: ``cursor`` is not from this list
    """
    statement = (select(BatchAllocation, Order, OrderLine, Member)
                 .join(Order, Order.id == BatchAllocation.order_id)
                 .join(OrderLine, OrderLine.id == BatchAllocation.order_line_id)
                 .join(Member, Member.id == Order.member_id)
                 .where(BatchAllocation.batch_id == batch.id))
    return paginate(statement, BATCH_TRACE, per_page=per_page, cursor=cursor, with_total=True)


def batch_summary(batch):
    """``{"shipped", "returned", "orders"}``: units sent from the batch, units back, orders reached."""
    row = db.session.execute(select(func.coalesce(func.sum(BatchAllocation.quantity), 0),
                                    func.coalesce(func.sum(BatchAllocation.returned_quantity), 0),
                                    func.count(func.distinct(BatchAllocation.order_id)))
                             .where(BatchAllocation.batch_id == batch.id)).one()
    return {"shipped": int(row[0]), "returned": int(row[1]), "orders": int(row[2])}


def order_line_batches(order):
    """``{order line id: [(allocation, batch), …]}`` for the order's shipped units."""
    rows = db.session.execute(select(BatchAllocation, StockBatch)
                              .join(StockBatch, StockBatch.id == BatchAllocation.batch_id)
                              .where(BatchAllocation.order_id == order.id).order_by(BatchAllocation.id)).all()
    found = {}
    for allocation, batch in rows:
        found.setdefault(allocation.order_line_id, []).append((allocation, batch))
    return found
