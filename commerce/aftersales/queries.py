"""Read-only questions the console asks about after-sales requests, in the current store."""
from sqlalchemy import func, select

from commerce.aftersales.models import AfterSale
from core.extensions import db
from core.pagination import Ordering, paginate

OLDEST_FIRST = Ordering("after_sales.oldest", AfterSale.id.asc())


def after_sale_by_id(request_id):
    """The current store's request, or None."""
    return db.session.scalar(select(AfterSale).where(AfterSale.id == request_id))


def waiting_page(*, per_page, cursor=None):
    """Requests waiting for the merchant, oldest first (first asked, first answered), with the total.

    :raise BadCursor: ``cursor`` is not one of this list's
    """
    statement = select(AfterSale).where(AfterSale.status == AfterSale.REQUESTED)
    return paginate(statement, OLDEST_FIRST, per_page=per_page, cursor=cursor, with_total=True)


def waiting_count():
    """How many requests wait for the merchant: the rows of ``waiting_page``."""
    return db.session.scalar(select(func.count()).select_from(AfterSale).where(AfterSale.status == AfterSale.REQUESTED))
