"""Pre-sale (预售) work that runs later: at a pre-sale's ship-from date its paid orders go on
the packing lists (an outbox event made with the pre-sale), and the sweep does it again for
any whose event was lost or that were paid after the date."""
from sqlalchemy import select

from commerce.marketing.presales.models import Presale, PresaleOrder
from commerce.marketing.presales.service import SHIPS_FROM, release_presale_orders
from core.extensions import db
from core.models import utcnow
from core.outbox import subscriber
from core.sweep_steps import sweep_step


@subscriber(SHIPS_FROM)
def release_at_ship_date(event):
    release_presale_orders(event.payload["presale_id"])


@sweep_step(order=36, outcome="presale_orders_released")
def release_due_presale_orders():
    """For the current store: paid pre-sale orders past their ship-from date still off the
    packing lists. Returns how many were released."""
    due = db.session.scalars(select(Presale.id).where(Presale.id.in_(
        select(PresaleOrder.presale_id).where(PresaleOrder.paid_at.is_not(None), PresaleOrder.released_at.is_(None),
                                              PresaleOrder.ships_from <= utcnow())))).all()
    return sum(release_presale_orders(presale_id) for presale_id in due)
