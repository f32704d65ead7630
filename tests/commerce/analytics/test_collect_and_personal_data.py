"""Collection, channels and a member's rights over their events: ``track`` only buffers,
``flush_events`` writes one store at a time; the channel table; export and erasure of a
member's events; the 180-day purge of raw events with simulated time — and a second store
that none of it touches."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from commerce.analytics.channels import CHANNELS, channel_of, tagged_link
from commerce.analytics.collect import InvalidEvent, flush_events, pending_events, track
from commerce.analytics.models import AnalyticsEvent, DailyFigure
from commerce.analytics.personal_data import KEEP_RAW_EVENTS, erase_events, export_events
from core.extensions import db
from core.personal_data import personal_data_erasers, personal_data_exporters, retention_rules
from core.tenancy import tenant_context
from tests.commerce.analytics.conftest import DAY, at, record
from tests.commerce.analytics.test_rollup import rolled


@pytest.mark.parametrize(("utm_source", "scene", "channel"), [
    ("mp_article", None, "mp_article"), ("MOMENTS", None, "moments"), ("group", 1154, "group"),
    (None, 1007, "group"), (None, 1008, "group"), (None, 1154, "moments"), (None, 1155, "moments"),
    (None, 1035, "mp_article"), (None, 1043, "mp_article"), (None, 1058, "mp_article"), (None, 1082, "mp_article"),
    (None, 1091, "mp_article"), (None, 1001, "miniprogram"), (None, "1089", "miniprogram"),
    ("newsletter", None, "direct"), (None, None, "direct"), ("", "", "direct"), (None, "junk", "miniprogram"),
])
def test_channels_come_from_utm_source_or_the_scene(app_ctx, utm_source, scene, channel):
    assert channel_of(utm_source=utm_source, scene=scene) == channel


def test_a_share_link_carries_its_channel_and_is_read_back():
    link = tagged_link("https://demo.duoshop.cn/products/12?utm_source=old&a=1", "moments")
    assert link == "https://demo.duoshop.cn/products/12?a=1&utm_source=moments"
    assert channel_of(utm_source="moments") == "moments"
    with pytest.raises(ValueError):
        tagged_link("https://demo.duoshop.cn/", "tv")


def test_the_channel_table_has_the_seeds_five_channels_in_chinese(app_ctx):
    from flask_babel import force_locale

    with force_locale("zh"):
        assert [str(label) for label in CHANNELS.values()] == ["公众号推文", "小程序", "社群", "朋友圈", "直接访问"]


def test_track_only_buffers_and_the_flush_writes_each_store_apart(shop):
    demo, tea = shop["demo"], shop["tea"]
    with tenant_context(demo.id):
        track("page_view", visitor_id="v1", page="home")
        track("search", visitor_id="v1", words="x" * 100, result_count=0)
    track("page_view", tenant_id=tea.id, visitor_id="t1", page="home")
    assert pending_events() == 3
    with tenant_context(demo.id):
        assert db.session.scalar(select(func.count()).select_from(AnalyticsEvent)) == 0
    assert flush_events() == 3 and pending_events() == 0
    with tenant_context(demo.id):
        assert [(e.kind, len(e.words or "")) for e in db.session.scalars(select(AnalyticsEvent).order_by(AnalyticsEvent.id))] == [
            ("page_view", 0), ("search", 60)]
    with tenant_context(tea.id):
        assert db.session.scalars(select(AnalyticsEvent.visitor_id)).all() == ["t1"]


@pytest.mark.parametrize("fields", [{"kind": "visit"}, {"kind": "page_view", "channel": "tv"},
                                    {"kind": "page_view", "price": 1}])
def test_a_mistaken_event_is_refused_at_once(shop, fields):
    with tenant_context(shop["demo"].id), pytest.raises(InvalidEvent):
        track(**fields)
    assert pending_events() == 0


def test_an_event_needs_a_store(app_ctx):
    with pytest.raises(InvalidEvent):
        track("page_view")


def test_analytics_registers_its_personal_data(app_ctx):
    assert "events" in [holder.name for holder in personal_data_exporters()]
    assert "events" in [holder.name for holder in personal_data_erasers()]
    rule = next(rule for rule in retention_rules() if rule.name == "behaviour_events")
    assert rule.keep == KEEP_RAW_EVENTS == timedelta(days=180) and str(rule.why)


def test_a_members_events_are_exported_and_then_erased_leaving_the_figures(shop):
    demo, tea = shop["demo"], shop["tea"]
    alice, bob = shop["alice"][0], shop["bob"][0]
    record(demo, "page_view", at(9), visitor_id="alice-phone", page="home")  # before she signed in
    record(demo, "product_view", at(9, 1), visitor_id="alice-phone", member_id=alice, product_id=shop["product"])
    record(demo, "search", at(9, 2), visitor_id="alice-phone", member_id=alice, words="龙井", result_count=1)
    record(demo, "page_view", at(9, 3), visitor_id="bob-phone", member_id=bob, page="home")
    record(tea, "page_view", at(9), visitor_id="alice-phone", member_id=alice, page="home")  # same ids, other store
    rolled(demo)
    with tenant_context(demo.id):
        exported = export_events(alice)
        assert [e["kind"] for e in exported] == ["product_view", "search"]
        assert exported[1]["words"] == "龙井" and exported[0]["occurred_at"].endswith("+08:00")
        erase_events(alice, now=at(12))
        db.session.commit()
        rows = db.session.scalars(select(AnalyticsEvent).order_by(AnalyticsEvent.id)).all()
        assert [(e.visitor_id, e.member_id) for e in rows] == [(None, None)] * 3 + [("bob-phone", bob)]
        assert export_events(alice) == []
        assert db.session.scalar(select(DailyFigure.visitors).where(DailyFigure.channel == "all")) == 2  # roll-ups stay
    rolled(demo)
    with tenant_context(demo.id):
        assert db.session.scalar(select(DailyFigure.visitors).where(DailyFigure.channel == "all")) == 1
    with tenant_context(tea.id):
        assert db.session.scalars(select(AnalyticsEvent.member_id)).all() == [alice]


def test_raw_events_older_than_180_days_are_purged_in_that_store_only(shop):
    demo, tea = shop["demo"], shop["tea"]
    old_day = DAY - timedelta(days=200)
    for store in (demo, tea):
        record(store, "page_view", at(9, day=old_day), visitor_id="old", page="home")
        record(store, "page_view", at(9), visitor_id="new", page="home")
    rolled(demo, old_day)
    rule = next(rule for rule in retention_rules() if rule.name == "behaviour_events")
    now = at(12)
    with tenant_context(demo.id):
        assert rule.purge(now - rule.keep, now=now) == 1
        assert rule.purge(now - rule.keep, now=now) == 0  # idempotent
        db.session.commit()
        assert db.session.scalars(select(AnalyticsEvent.visitor_id)).all() == ["new"]
        assert db.session.scalar(select(DailyFigure.visitors).where(DailyFigure.day == old_day,
                                                                    DailyFigure.channel == "all")) == 1
    with tenant_context(tea.id):
        assert sorted(db.session.scalars(select(AnalyticsEvent.visitor_id))) == ["new", "old"]
