"""What after-sales requests hold about a member (their words and photos) for exports,
erasure and retention. An open request refuses the erasure (money may still go back to
the shopper); otherwise the description and photos go, the amounts stay."""
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from commerce.aftersales.models import AfterSale
from commerce.orders.personal_data import ORDERS_KEEP
from core.clock import to_china
from core.errors import DomainError
from core.extensions import db
from core.personal_data import erases_personal_data, exports_personal_data, retention_rule
from core.storage import media_storage


class OpenAfterSale(DomainError):
    status = 409

    def __init__(self):
        super().__init__(_l("An after-sales request is still open: wait until the store has handled it, then close "
                            "the account."))


def _blank(after_sales):
    storage = None
    count = 0
    for after_sale in after_sales:
        if after_sale.photos:
            storage = storage or media_storage()
            for name in after_sale.photos:
                storage.delete(after_sale.tenant_id, name)
        after_sale.description, after_sale.photos = None, []
        count += 1
    db.session.flush()
    return count


@exports_personal_data("after_sales", order=32)
def export_after_sales(member_id):
    return [{"order_id": after_sale.order_id, "kind": after_sale.kind, "reason": after_sale.reason,
             "description": after_sale.description, "amount_fen": after_sale.amount, "status": after_sale.status,
             "photos": len(after_sale.photos or []), "at": to_china(after_sale.created_at).isoformat()}
            for after_sale in db.session.scalars(select(AfterSale).where(AfterSale.member_id == member_id)
                                                 .order_by(AfterSale.id))]


@erases_personal_data("after_sales", order=11)
def blank_after_sales(member_id, *, now):
    mine = db.session.scalars(select(AfterSale).where(AfterSale.member_id == member_id)).all()
    if any(after_sale.status in AfterSale.OPEN for after_sale in mine):
        raise OpenAfterSale()
    _blank(mine)


@retention_rule("after_sales", keep=ORDERS_KEEP, order=31,
                why=_l("After-sales requests: kept with their orders 3 years after being decided, then the "
                       "shopper's words and photos are deleted."))
def blank_old_after_sales(cutoff, *, now):
    old = db.session.scalars(select(AfterSale).where(AfterSale.status.notin_(AfterSale.OPEN),
                                                     AfterSale.updated_at < cutoff)).all()
    return _blank([after_sale for after_sale in old if after_sale.description or after_sale.photos])
