"""Monthly partitions of the raw events on PostgreSQL: made ahead by ``ensure_partitions``
(idempotent), an event of a month nobody made ahead lands in the default partition and moves
into its month's partition once that is made, and each partition is walled by store."""
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import ProgrammingError

from commerce.analytics.models import AnalyticsEvent
from commerce.analytics.partitions import ensure_partitions
from core.extensions import db
from core.tenancy import tenant_context
from tests.commerce.analytics.conftest import record

pytestmark = pytest.mark.postgres
FAR = datetime(2031, 7, 15, 4, 0, tzinfo=UTC)  # a month no test made ahead


def partition_of(owner_engine, visitor_id):
    with owner_engine.connect() as conn:
        return conn.execute(text("SELECT tableoid::regclass::text FROM analytics_events WHERE visitor_id = :v"),
                            {"v": visitor_id}).scalar()


def test_an_event_waits_in_the_default_partition_until_its_month_is_made(shop, owner_engine):
    demo, tea = shop["demo"], shop["tea"]
    record(demo, "page_view", FAR, visitor_id="far-future", page="home")
    assert partition_of(owner_engine, "far-future") == "analytics_events_default"
    with tenant_context(demo.id):
        assert ensure_partitions(FAR) == 3  # July, August, September 2031
        assert ensure_partitions(FAR) == 0
        db.session.commit()
    assert partition_of(owner_engine, "far-future") == "analytics_events_p203107"
    with tenant_context(demo.id):
        assert db.session.scalars(select(AnalyticsEvent.visitor_id)).all() == ["far-future"]
    with tenant_context(tea.id):
        assert db.session.scalars(select(AnalyticsEvent)).all() == []
        # The app reads through the parent only: a partition made later grants it nothing …
        with pytest.raises(ProgrammingError, match="permission denied"):
            db.session.execute(text("SELECT count(*) FROM analytics_events_p203107"))
        db.session.rollback()
    with owner_engine.connect() as conn:  # … and carries the store wall of its own
        policies = conn.execute(text("SELECT count(*) FROM pg_policies WHERE tablename = 'analytics_events_p203107' "
                                     "AND policyname = 'tenant_isolation'")).scalar()
        forced = conn.execute(text("SELECT relforcerowsecurity FROM pg_class WHERE relname = 'analytics_events_p203107'"))
        assert policies == 1 and forced.scalar() is True
