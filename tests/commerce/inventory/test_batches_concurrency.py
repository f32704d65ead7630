"""Shipments and receipts of one SKU at the same moment, with real threads on PostgreSQL: no
batch goes below zero, no unit is taken twice, and stock, batches and allocations add up."""
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from commerce.inventory.models import BatchAllocation, StockBatch
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
