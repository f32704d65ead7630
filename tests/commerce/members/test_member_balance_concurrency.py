"""Parallel spends of one stored-value balance, with real threads against PostgreSQL."""
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from commerce.members.ledger import NotEnough, ledger_sum
from commerce.members.models import BalanceEntry, Member
from commerce.members.wallet import refund_to_balance, spend_balance
from core.extensions import db
from core.tenancy import tenant_context
from tests.factories import create_member, create_store

pytestmark = pytest.mark.postgres
SPENDERS = 100


def test_a_hundred_parallel_spends_never_take_the_balance_below_zero(app):
    with app.app_context():
        store = create_store("demo")
        member_id, _ = create_member(store)
        with tenant_context(store.id):
            refund_to_balance(db.session.get(Member, member_id), 10000, order_id=None, ref="seed")
            db.session.commit()
    barrier = threading.Barrier(SPENDERS, timeout=60)

    def spend(order_id):
        with app.app_context(), tenant_context(store.id):
            member = db.session.get(Member, member_id)
            db.session.commit()  # the row is read; the spend must not trust what was read
            barrier.wait()
            try:
                spend_balance(member, 300, order_id=order_id)
                db.session.commit()
                return "spent"
            except NotEnough:
                db.session.rollback()
                return "refused"

    with ThreadPoolExecutor(max_workers=SPENDERS) as pool:
        outcomes = list(pool.map(spend, range(1, SPENDERS + 1)))
    assert outcomes.count("spent") == 33 and outcomes.count("refused") == 67
    with app.app_context(), tenant_context(store.id):
        member = db.session.get(Member, member_id)
        assert member.balance == 100 == ledger_sum(BalanceEntry, member_id)
        assert db.session.query(BalanceEntry).filter(BalanceEntry.balance_after < 0).count() == 0
