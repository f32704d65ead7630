"""Test data for the RFM and portrait tests: members with or without profiling consent, and
paid orders written straight to the table (the order flow has its own tests), fast enough
for 20,000 of them."""
import itertools
from datetime import timedelta

from sqlalchemy import insert

from commerce.members.consent import record_consents, withdraw_consent
from commerce.members.models import Member, MemberConsent
from commerce.orders.models import Order
from core.extensions import db
from core.tenancy import tenant_context

_numbers = itertools.count(1)


def new_members(store, count, *, consenting=True):
    """``count`` members of ``store`` (ids in order), consenting to profiling unless told not."""
    with tenant_context(store.id):
        members = [Member(nickname=f"会员{n}") for n in range(count)]
        db.session.add_all(members)
        db.session.flush()
        ids = [member.id for member in members]
        for member_id in ids:
            record_consents(member_id, {MemberConsent.ACCOUNT: True, MemberConsent.PROFILING: consenting},
                            channel=MemberConsent.H5)
        db.session.commit()
        return ids


def withdraw_profiling(store, member_id):
    with tenant_context(store.id):
        withdraw_consent(member_id, MemberConsent.PROFILING, channel=MemberConsent.H5)
        db.session.commit()


def order_row(store, member_id, *, paid_at, amount, refunded=0, province="330000", status=Order.PAID):
    """The values of one paid order of ``amount`` fen, paid at ``paid_at``."""
    return {"tenant_id": store.id, "number": f"R{store.id}x{next(_numbers)}", "member_id": member_id,
            "status": status, "subtotal": amount, "shipping_fee": 0, "discount": 0, "member_discount": 0,
            "total": amount, "paid_amount": amount, "refunded_amount": refunded, "refund_reserved": refunded,
            "expires_at": paid_at + timedelta(minutes=30), "paid_at": paid_at, "paid_with": Order.PAID_WITH_BALANCE,
            "transaction_id": None, "ship_name": "张三", "ship_phone": "13812345678", "ship_province_code": province,
            "ship_region": "浙江省 杭州市 西湖区", "ship_detail": "文三路 100 号", "created_at": paid_at,
            "updated_at": paid_at}


def add_orders(store, rows):
    """Write order rows (from ``order_row``) in one INSERT; returns their ids in order."""
    with tenant_context(store.id):
        ids = db.session.scalars(insert(Order).returning(Order.id, sort_by_parameter_order=True), rows).all()
        db.session.commit()
        return ids


def paid(store, member_id, *, paid_at, amount, **fields):
    """One paid order; returns its id."""
    return add_orders(store, [order_row(store, member_id, paid_at=paid_at, amount=amount, **fields)])[0]
