"""What the members area holds about a member — the profile, addresses, points and stored
value ledgers, top-ups — registered with ``core.personal_data`` for exports and erasure.

Erasure here: stored value left refuses it (money the store owes the shopper: spend it, or
ask the store to refund it, first); points are forfeited by an ``account_closed`` entry so
the ledger still adds up; addresses are deleted; the member row keeps its id (orders and
ledgers point at it) with the nickname 「已注销用户」, no phone, no openid (the same WeChat
user signing in again becomes a new member) and ``erased_at`` set, which every sign-in path
refuses.
"""
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from commerce.members.ledger import post_entry
from commerce.members.models import Address, BalanceEntry, Member, PointsEntry, TopUp
from commerce.members.rights import ERASED_NICKNAME
from commerce.shipping.regions import region_name
from core.clock import to_china
from core.errors import DomainError
from core.extensions import db
from core.personal_data import erases_personal_data, exports_personal_data


class StoredValueLeft(DomainError):
    """The member still has stored value: the store owes it to them."""

    status = 409

    def __init__(self, balance):
        super().__init__(_l("The account still holds ¥%(amount)s of stored value. Spend it, or ask the store to refund "
                            "it, before closing the account.", amount=f"{balance / 100:.2f}"),
                         extra={"balance": balance})


def _when(moment):
    return to_china(moment).isoformat() if moment is not None else None


def _member(member_id):
    return db.session.scalar(select(Member).where(Member.id == member_id))


@exports_personal_data("profile", order=10)
def export_profile(member_id):
    member = _member(member_id)
    if member is None:
        return []
    return [{"member_id": member.id, "nickname": member.nickname, "phone": member.phone,
             "wechat_openid": member.openid, "points": member.points, "stored_value_fen": member.balance,
             "growth": member.growth, "level_id": member.level_id, "joined_at": _when(member.created_at)}]


@exports_personal_data("addresses", order=20)
def export_addresses(member_id):
    return [{"name": address.name, "phone": address.phone, "province": region_name(address.province_code),
             "city": address.city, "district": address.district, "detail": address.detail,
             "is_default": address.is_default, "created_at": _when(address.created_at)}
            for address in db.session.scalars(select(Address).where(Address.member_id == member_id)
                                              .order_by(Address.id))]


def _ledger(entry_class, member_id):
    return [{"at": _when(entry.created_at), "change": entry.delta, "total_after": entry.balance_after,
             "reason": entry.reason, "order_id": entry.order_id, "note": entry.note}
            for entry in db.session.scalars(select(entry_class).where(entry_class.member_id == member_id)
                                            .order_by(entry_class.id))]


@exports_personal_data("points", order=40)
def export_points(member_id):
    return _ledger(PointsEntry, member_id)


@exports_personal_data("stored_value", order=41)
def export_stored_value(member_id):
    return _ledger(BalanceEntry, member_id)


@exports_personal_data("top_ups", order=42)
def export_top_ups(member_id):
    return [{"number": top_up.number, "amount_fen": top_up.amount, "bonus_fen": top_up.bonus,
             "status": top_up.status, "paid_at": _when(top_up.paid_at)}
            for top_up in db.session.scalars(select(TopUp).where(TopUp.member_id == member_id).order_by(TopUp.id))]


@erases_personal_data("stored_value", order=5)
def refuse_with_stored_value(member_id, *, now):
    member = _member(member_id)
    if member is not None and member.balance > 0:
        raise StoredValueLeft(member.balance)


@erases_personal_data("points", order=50)
def forfeit_points(member_id, *, now):
    member = _member(member_id)
    if member is not None and member.points > 0:
        post_entry(PointsEntry, member_id, -member.points, PointsEntry.ACCOUNT_CLOSED, f"account_closed:{member_id}")


@erases_personal_data("addresses", order=60)
def delete_addresses(member_id, *, now):
    db.session.execute(delete(Address).where(Address.member_id == member_id)
                       .execution_options(synchronize_session=False))


@erases_personal_data("profile", order=90)
def blank_profile(member_id, *, now):
    member = _member(member_id)
    member.nickname, member.phone, member.openid = ERASED_NICKNAME, None, None
    member.signed_in_on = None
    member.erased_at = now
    db.session.flush()
