"""Checks that every ledger of a store still adds up (after an erasure, a refund …)."""
from sqlalchemy import func, select

from commerce.marketing.distribution.models import Commission
from commerce.members.models import BalanceEntry, Member, PointsEntry
from core.extensions import db
from core.tenancy import tenant_context


def _sums(entry_class, *conditions):
    return dict(db.session.execute(select(entry_class.member_id, func.sum(entry_class.delta))
                                   .where(*conditions).group_by(entry_class.member_id)).all())


def assert_ledgers_balance(store):
    """For every member of ``store``: points == Σ points entries, balance == Σ balance
    entries, each entry's running total right; and the stored value commissions credited
    equals what the settled commissions earned (less what refunds took back, plus what is
    still owed)."""
    with tenant_context(store.id):
        db.session.expire_all()
        points, balances = _sums(PointsEntry), _sums(BalanceEntry)
        for member in db.session.scalars(select(Member)):
            assert member.points == (points.get(member.id) or 0), f"member {member.id}: points ≠ ledger"
            assert member.balance == (balances.get(member.id) or 0), f"member {member.id}: balance ≠ ledger"
        for entry_class in (PointsEntry, BalanceEntry):
            running = {}
            for entry in db.session.scalars(select(entry_class).order_by(entry_class.id)):
                running[entry.member_id] = running.get(entry.member_id, 0) + entry.delta
                assert entry.balance_after == running[entry.member_id], f"{entry_class.__name__} {entry.id}"
        credited = _sums(BalanceEntry, BalanceEntry.reason == BalanceEntry.COMMISSION)
        earned = dict(db.session.execute(
            select(Commission.member_id, func.sum(Commission.amount - Commission.cancelled_amount + Commission.owed))
            .where(Commission.status == Commission.SETTLED).group_by(Commission.member_id)).all())
        assert {k: v for k, v in credited.items() if v} == {k: v for k, v in earned.items() if v}
