"""What distribution holds about a member — their application, who brought them, the
commissions they earned — for exports and erasure.

Erasure: refused while a commission of theirs is still frozen (money on its way to their
stored value; it settles after the after-sales window). Otherwise their application is
deleted, and so are the referral links to and from them: the shoppers they brought stop
earning commissions for a closed account (and may be bound by someone else's link), while
the commissions already recorded stay, so the ledgers still add up.
"""
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, or_, select

from commerce.marketing.distribution.models import Commission, Distributor, Referral
from core.clock import to_china
from core.errors import DomainError
from core.extensions import db
from core.personal_data import erases_personal_data, exports_personal_data


class CommissionPending(DomainError):
    status = 409

    def __init__(self):
        super().__init__(_l("Distribution commissions are still waiting to be settled to this account: close it once "
                            "they are settled (after the after-sales window)."))


def _when(moment):
    return to_china(moment).isoformat() if moment is not None else None


@exports_personal_data("distribution", order=60)
def export_distribution(member_id):
    rows = []
    distributor = db.session.scalar(select(Distributor).where(Distributor.member_id == member_id))
    if distributor is not None:
        rows.append({"kind": "application", "status": distributor.status, "at": _when(distributor.applied_at)})
    referral = db.session.scalar(select(Referral).where(Referral.member_id == member_id))
    if referral is not None:
        rows.append({"kind": "referred", "at": _when(referral.bound_at)})
    for commission in db.session.scalars(select(Commission).where(Commission.member_id == member_id)
                                         .order_by(Commission.id)):
        rows.append({"kind": "commission", "status": commission.status, "level": commission.level,
                     "amount_fen": commission.earned(), "at": _when(commission.created_at)})
    return rows


@erases_personal_data("distribution", order=12)
def close_distribution(member_id, *, now):
    frozen = db.session.scalar(select(Commission.id).where(Commission.member_id == member_id,
                                                           Commission.status == Commission.FROZEN).limit(1))
    if frozen is not None:
        raise CommissionPending()
    db.session.execute(delete(Referral).where(or_(Referral.member_id == member_id, Referral.referrer_id == member_id))
                       .execution_options(synchronize_session=False))
    db.session.execute(delete(Distributor).where(Distributor.member_id == member_id)
                       .execution_options(synchronize_session=False))
