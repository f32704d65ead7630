"""Campaign windows in the sweep: cached pages show campaign prices and offers, so they are
rebuilt when a flash sale, group buy or bargain campaign starts or ends. A job scheduled
for that moment does it (``refresh_flash_pages``); the sweep does it again for every
moment passed within ``RECENT``, in case that job was lost. A rebuild more is harmless."""
from datetime import timedelta

from sqlalchemy import or_, select

from commerce.catalog.events import catalog_changed
from commerce.marketing.bargains.models import BargainCampaign
from commerce.marketing.flash_sales.models import FlashSale
from commerce.marketing.group_buys.models import GroupBuy
from core.extensions import db
from core.models import utcnow
from core.outbox import publish, subscriber
from core.sweep_steps import sweep_step
from core.tenancy import current_tenant_id


def announce_window(sale):
    """Cached pages show flash prices: rebuild them now, when the sale starts and when it ends."""
    catalog_changed(db.session(), sale.tenant_id)
    now = utcnow()
    for moment in (sale.starts_at, sale.ends_at):
        if moment > now:
            refresh_pages_at(sale.tenant_id, moment)


CAMPAIGN_BOUNDARY = "campaign.boundary"


def refresh_pages_at(tenant_id, moment):
    """In the current transaction: the store's cached pages are rebuilt at ``moment`` (a
    campaign of any kind starts or ends then)."""
    publish(CAMPAIGN_BOUNDARY, tenant_id=tenant_id, available_at=moment + timedelta(seconds=1))


def refresh_flash_pages():
    """At a campaign's start or end (flash sales, group buys, bargains): the store's cached
    pages change price or offers."""
    catalog_changed(db.session(), current_tenant_id())
    db.session.commit()


@subscriber(CAMPAIGN_BOUNDARY)
def refresh_pages_at_boundary(event):
    refresh_flash_pages()

RECENT = timedelta(minutes=5)  # several sweeps' worth: one late or missed sweep still catches the moment


def refresh_pages_after_recent_windows(now=None):
    """Sweep (current store): True when a campaign started or ended within ``RECENT``, and
    the store's pages are then rebuilt on their next visit."""
    now = now or utcnow()
    since = now - RECENT

    def passed(column):
        return (column > since) & (column <= now)

    moments = (select(FlashSale.id).where(or_(passed(FlashSale.starts_at), passed(FlashSale.ends_at))),
               select(GroupBuy.id).where(passed(GroupBuy.ends_at)),
               select(BargainCampaign.id).where(or_(passed(BargainCampaign.starts_at),
                                                    passed(BargainCampaign.ends_at))))
    if not any(db.session.scalar(statement.limit(1)) is not None for statement in moments):
        return False
    catalog_changed(db.session(), current_tenant_id())
    db.session.commit()
    return True


@sweep_step(order=32, outcome="pages_refreshed")
def refresh_pages_in_sweep():
    """Sweep step: 1 when the store's pages were marked for rebuilding, else 0."""
    return int(refresh_pages_after_recent_windows())
