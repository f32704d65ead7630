"""Shipments and receipts of one SKU at the same moment, with real threads on PostgreSQL: no
batch goes below zero, no unit is taken twice, and stock, batches and allocations add up."""
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from commerce.inventory.models import BatchAllocation, StockBatch
from commerce.orders.models import Order
from commerce.orders.refunds import refund_order
from core.extensions import db
from core.tenancy import tenant_context
from tests.commerce.inventory.stock_helpers import day, paid_order, receive, rich_member, ship_all, stock_of
from tests.factories import create_product, create_store, sku_of

pytestmark = pytest.mark.postgres

SHIPMENTS = 12
RECEIPTS = 4


def test_simultaneous_shipments_and_receipts_keep_every_batch_at_or_above_zero_and_the_totals_exact(app, app_ctx):
    demo = create_store("demo")
    sku_id = sku_of(demo, create_product(demo, "龙井", price=100, stock=0))
    for number, expires in (("A", "2027-01-01"), ("B", "2027-02-01"), ("C", None)):
        receive(demo, sku_id, number, 10, expires_on=expires and day(expires))
    member = rich_member(demo)
    orders = [paid_order(demo, member, [(sku_id, 2)]) for _ in range(SHIPMENTS)]
    barrier = threading.Barrier(SHIPMENTS + RECEIPTS, timeout=60)

    def ship(order_id):
        with app.app_context():
            barrier.wait()
            ship_all(demo, order_id)

    def receive_one(index):
        with app.app_context():
            barrier.wait()
            receive(demo, sku_id, f"NEW-{index}", 5)

    with ThreadPoolExecutor(max_workers=SHIPMENTS + RECEIPTS) as pool:
        futures = [pool.submit(ship, order_id) for order_id in orders]
        futures += [pool.submit(receive_one, index) for index in range(RECEIPTS)]
        for future in futures:
            future.result()

    with tenant_context(demo.id):
        batches = db.session.scalars(select(StockBatch)).all()
        allocated = db.session.scalar(select(func.sum(BatchAllocation.quantity)))
        assert all(batch.remaining >= 0 for batch in batches)
        assert not any(batch.is_opening for batch in batches)  # batches held enough: none came from nowhere
        received = sum(batch.received_quantity for batch in batches)
        remaining = sum(batch.remaining for batch in batches)
    assert allocated == SHIPMENTS * 2
    assert received == 30 + RECEIPTS * 5
    assert received - remaining == allocated
    assert stock_of(demo, sku_id) == (remaining, remaining)


def test_shipments_and_returns_of_the_same_skus_in_opposite_orders_never_deadlock(app, app_ctx):
    demo = create_store("demo")
    first = sku_of(demo, create_product(demo, "龙井", price=100, stock=0))
    second = sku_of(demo, create_product(demo, "茶杯", price=100, stock=0))
    for sku_id in (first, second):
        for number in ("A", "B", "C"):
            receive(demo, sku_id, f"{number}-{sku_id}", 20)
    member = rich_member(demo)
    returned = [paid_order(demo, member, [(second, 2), (first, 2)]) for _ in range(4)]
    for order_id in returned:
        ship_all(demo, order_id)
    orders = [paid_order(demo, member, [(first, 1), (second, 1)] if index % 2 else [(second, 1), (first, 1)])
              for index in range(SHIPMENTS)]
    barrier = threading.Barrier(SHIPMENTS + len(returned), timeout=60)

    def ship(order_id):
        with app.app_context():
            barrier.wait()
            ship_all(demo, order_id)

    def give_back(order_id):
        with app.app_context(), tenant_context(demo.id):
            order = db.session.get(Order, order_id)
            restock = {line.id: line.quantity for line in order.lines}
            barrier.wait()
            refund_order(order, amount=order.total, reason="退货", actor=None, restock=restock)
            db.session.commit()

    with ThreadPoolExecutor(max_workers=SHIPMENTS + len(returned)) as pool:
        futures = [pool.submit(ship, order_id) for order_id in orders]
        futures += [pool.submit(give_back, order_id) for order_id in returned]
        for future in futures:
            future.result()  # a deadlock would raise here

    with tenant_context(demo.id):
        out = db.session.scalar(select(func.sum(BatchAllocation.quantity - BatchAllocation.returned_quantity)))
        remaining = db.session.scalar(select(func.sum(StockBatch.remaining)))
    assert out == SHIPMENTS * 2
    assert remaining == 120 - SHIPMENTS * 2
