"""A shop with behaviour to roll up: two stores, a product and members in each, and helpers
that record events on a China day (flushed at once) and pay orders at a given moment."""
from datetime import date, datetime

import pytest

from commerce.analytics.collect import _take, flush_events, track
from commerce.members.models import Address
from commerce.orders import states
from commerce.orders.service import Wanted, place_order
from core.clock import from_china
from core.extensions import db
from core.tenancy import tenant_context
from tests.factories import create_member, create_product, create_store, sku_of

DAY = date(2026, 11, 20)  # a China day in the past of the session's clock


def at(hour, minute=0, day=DAY):
    """A UTC moment at ``hour:minute`` China time on ``day``."""
    return from_china(datetime(day.year, day.month, day.day, hour, minute))


_drain = []


@pytest.fixture(autouse=True)
def _empty_buffer(jobs):
    _take()  # nothing left over from another test's requests
    _drain[:] = [jobs.drain]
    yield
    _take()


def deliver():
    """Run the outbox's delivered jobs (a real worker on Redis; eager runs them at commit)."""
    _drain[0]()


@pytest.fixture
def shop(app_ctx):
    demo, tea = create_store("demo"), create_store("tea")
    product = create_product(demo, "龙井", price=5000, stock=50)
    tea_product = create_product(tea, "普洱", price=8000, stock=50)
    return {"demo": demo, "tea": tea, "product": product, "sku": sku_of(demo, product),
            "tea_product": tea_product, "tea_sku": sku_of(tea, tea_product),
            "alice": create_member(demo, nickname="阿丽"), "bob": create_member(demo, nickname="阿波"),
            "tea_member": create_member(tea)}


def record(store, kind, moment, **fields):
    with tenant_context(store.id):
        track(kind, occurred_at=moment, **fields)
    flush_events()


def buy(store, member, sku_id, paid_at, *, quantity=1, channel="direct", visitor_id=None):
    """Place an order (tracked as ``order_placed`` in ``channel``) and pay it at ``paid_at``."""
    member_id, address_id = member
    with tenant_context(store.id):
        order = place_order(member_id=member_id, wanted=[Wanted(sku_id, quantity, None)],
                            address=db.session.get(Address, address_id))
        db.session.commit()
        track("order_placed", occurred_at=paid_at, visitor_id=visitor_id, member_id=member_id, channel=channel,
              order_id=order.id, amount=order.total)
        flush_events()
        assert states.transition(order, "pay", transaction_id=f"T{order.id}", paid_amount=order.total,
                                 paid_at=paid_at)
        db.session.commit()  # the outbox hands "order.paid" out
    deliver()
    return order
