"""What analytics holds of a member, for their export and erasure, and how long raw events
are kept (``core.personal_data``).

- Export section ``events``: the member's own behaviour events in this store.
- Erasure: their raw events, and every event of the visitor ids they used, lose member and
  visitor id (they stay as anonymous events, so past days still add up); the roll-ups stay.
- Retention ``behaviour_events``: raw events older than 180 days are deleted, store by store
  (a per-store DELETE on the time index; monthly partitions are not dropped, since a store
  may be given a longer period than others); roll-ups are kept.
"""
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, distinct, select, update

from commerce.analytics.collect import forget_member
from commerce.analytics.models import AnalyticsEvent
from core.clock import to_china
from core.extensions import db
from core.personal_data import erases_personal_data, exports_personal_data, retention_rule
from core.tenancy import current_tenant_id

KEEP_RAW_EVENTS = timedelta(days=180)
EXPORTED = ("kind", "channel", "page", "product_id", "order_id", "coupon_id", "amount", "words")


@exports_personal_data("events", order=80)
def export_events(member_id):
    """The member's behaviour events, oldest first: time (China), kind and what it was about."""
    events = db.session.scalars(select(AnalyticsEvent).where(AnalyticsEvent.member_id == member_id)
                                .order_by(AnalyticsEvent.occurred_at, AnalyticsEvent.id))
    return [{"occurred_at": to_china(event.occurred_at).isoformat(),
             **{name: getattr(event, name) for name in EXPORTED if getattr(event, name) is not None}}
            for event in events]


@erases_personal_data("events", order=80)
def erase_events(member_id, *, now):
    """The member's events, and those of the visitor ids they browsed with, become anonymous."""
    forget_member(current_tenant_id(), member_id)
    visitor_ids = [visitor_id for visitor_id in db.session.scalars(
        select(distinct(AnalyticsEvent.visitor_id)).where(AnalyticsEvent.member_id == member_id)) if visitor_id]
    anonymous = {"member_id": None, "visitor_id": None}
    db.session.execute(update(AnalyticsEvent).where(AnalyticsEvent.member_id == member_id).values(**anonymous)
                       .execution_options(synchronize_session=False))
    if visitor_ids:
        db.session.execute(update(AnalyticsEvent).where(AnalyticsEvent.visitor_id.in_(visitor_ids))
                           .values(**anonymous).execution_options(synchronize_session=False))


@retention_rule("behaviour_events", keep=KEEP_RAW_EVENTS, order=60,
                why=_l("Raw behaviour events are only needed to compute the daily statistics; "
                       "the aggregated figures are kept."))
def purge_behaviour_events(cutoff, *, now):
    """Delete the store's raw events older than ``cutoff``; returns how many."""
    return db.session.execute(delete(AnalyticsEvent).where(AnalyticsEvent.occurred_at < cutoff)
                              .execution_options(synchronize_session=False)).rowcount
