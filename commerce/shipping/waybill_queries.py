"""Read-only questions the console asks about waybills, in the current store."""
from sqlalchemy import select

from commerce.shipping.waybill_models import Waybill
from core.extensions import db
from core.pagination import Ordering, paginate

NEWEST_FIRST = Ordering("waybills.newest", Waybill.id.desc())


def waybill_by_id(waybill_id):
    """The current store's waybill, or None."""
    return db.session.scalar(select(Waybill).where(Waybill.id == waybill_id))


def waybills_page(*, per_page, cursor=None):
    """Waybills made, newest first, a page at a time (with the total).

    :raise BadCursor: ``cursor`` is not one of this list's
    """
    return paginate(select(Waybill), NEWEST_FIRST, per_page=per_page, cursor=cursor, with_total=True)


def live_waybills_of(fulfillment_ids):
    """``{packing list id: its waybill not cancelled}`` for the current store's lists."""
    if not fulfillment_ids:
        return {}
    return {waybill.fulfillment_id: waybill for waybill in db.session.scalars(select(Waybill).where(
        Waybill.fulfillment_id.in_(set(fulfillment_ids)), Waybill.status != Waybill.CANCELLED))}
