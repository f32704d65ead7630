"""What coupons a member holds, for exports; on erasure their unused coupons are voided
(marked expired: nobody can spend them, and the store's usage figures stay true)."""
from sqlalchemy import select, update

from commerce.marketing.coupons.models import Coupon, MemberCoupon
from core.clock import to_china
from core.extensions import db
from core.personal_data import erases_personal_data, exports_personal_data


def _when(moment):
    return to_china(moment).isoformat() if moment is not None else None


@exports_personal_data("coupons", order=50)
def export_coupons(member_id):
    rows = db.session.execute(select(MemberCoupon, Coupon.name).join(Coupon, Coupon.id == MemberCoupon.coupon_id)
                              .where(MemberCoupon.member_id == member_id).order_by(MemberCoupon.id)).all()
    return [{"coupon": name, "status": held.status, "source": held.source, "valid_from": _when(held.valid_from),
             "valid_until": _when(held.valid_until), "used_at": _when(held.used_at), "order_id": held.order_id}
            for held, name in rows]


@erases_personal_data("coupons", order=70)
def void_unused_coupons(member_id, *, now):
    db.session.execute(update(MemberCoupon).where(MemberCoupon.member_id == member_id,
                                                  MemberCoupon.status.in_(MemberCoupon.USABLE))
                       .values(status=MemberCoupon.EXPIRED).execution_options(synchronize_session=False))
