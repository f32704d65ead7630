"""RFM scoring: quintiles on known data, the 8 segments, what counts as a paid order, only
members who consent to profiling (a withdrawal leaves at once), a second store untouched,
the nightly step once per China day, the console's one-a-minute limit, and a timing on
20,000 orders."""
from datetime import UTC, datetime, timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from commerce.analytics.portrait import store_portrait
from commerce.analytics.rfm import (
    SEGMENTS,
    RfmRefused,
    compute_rfm,
    compute_rfm_nightly,
    erase_rfm_segment,
    export_rfm_segment,
    member_segment,
    members_without_consent,
    quintile_scores,
    segment_figures,
    segment_member_ids,
    segment_of,
)
from commerce.analytics.rfm_models import MemberRfm, RfmRun
from commerce.orders.models import Order
from core.clock import CHINA_TZ
from core.extensions import db
from core.sweep_steps import sweep_steps
from core.tenancy import tenant_context
from tests.commerce.analytics.rfm_data import add_orders, new_members, order_row, paid, withdraw_profiling
from tests.factories import create_store

NOW = datetime(2026, 6, 15, 4, 0, tzinfo=UTC)  # 12:00 in China


def days_ago(days, hours=0):
    return NOW - timedelta(days=days, hours=hours)


def scores(store):
    with tenant_context(store.id):
        return {row.member_id: row for row in db.session.scalars(select(MemberRfm))}


def compute(store, now=NOW):
    with tenant_context(store.id):
        run = compute_rfm(now=now)
        db.session.commit()
        return run.scored


@pytest.fixture
def stores(app_ctx):
    return create_store("demo"), create_store("tea")


# --- the rules ---------------------------------------------------------------------------

@pytest.mark.parametrize(("values", "expected"), [
    ([10, 20, 30, 40, 50, 60, 70, 80, 90, 100], [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]),
    ([5, 1, 3, 2, 4], [5, 1, 3, 2, 4]),
    ([1, 1, 1, 1, 2], [1, 1, 1, 1, 5]),  # ties share the score of the first of them
    ([7, 7, 7], [1, 1, 1]),
    ([42], [1]),
])
def test_quintile_scores_rank_within_the_store_and_ties_score_alike(values, expected):
    assert quintile_scores(values) == expected


def test_a_lower_value_scores_higher_when_lower_is_better():
    assert quintile_scores([1, 100, 30, 7, 60], higher_is_better=False) == [5, 1, 3, 4, 2]


@pytest.mark.parametrize(("r", "f", "m", "segment"), [
    (5, 5, 5, "important_value"), (3, 1, 3, "important_develop"), (2, 3, 4, "important_keep"),
    (1, 2, 5, "important_win_back"), (4, 4, 2, "general_value"), (3, 2, 1, "general_develop"),
    (2, 5, 1, "general_keep"), (1, 1, 1, "general_win_back"),
])
def test_each_high_or_low_combination_is_one_of_the_eight_segments(r, f, m, segment):
    assert segment_of(r, f, m) == segment


def test_the_eight_segments_are_the_classic_ones_in_chinese(app):
    with app.test_request_context(), force_locale("zh"):
        assert [str(segment.label) for segment in SEGMENTS] == [
            "重要价值客户", "重要发展客户", "重要保持客户", "重要挽留客户",
            "一般价值客户", "一般发展客户", "一般保持客户", "一般挽留客户"]


# --- computing on known data -------------------------------------------------------------

def test_known_members_get_their_quintile_scores_and_segments(stores):
    demo, _tea = stores
    members = new_members(demo, 10)
    rows = []
    for i, member_id in enumerate(members):
        # Member i: bought last 10 − i days ago (recent is better), 10 − i orders (fewer as i
        # grows), and spent (i + 1) × ¥100 plus a fen per small order (more as i grows).
        rows.append(order_row(demo, member_id, paid_at=days_ago(10 - i), amount=(i + 1) * 10_000))
        rows += [order_row(demo, member_id, paid_at=days_ago(100), amount=1) for _ in range(9 - i)]
    add_orders(demo, rows)

    assert compute(demo) == 10

    found = scores(demo)
    for i, member_id in enumerate(members):
        row = found[member_id]
        assert (row.recency_days, row.frequency, row.monetary) == (10 - i, 10 - i, (i + 1) * 10_000 + 9 - i)
        assert (row.r, row.f, row.m) == (1 + 5 * i // 10, 1 + 5 * (9 - i) // 10, 1 + 5 * i // 10), i
        assert row.segment == segment_of(row.r, row.f, row.m)
        assert row.computed_on.isoformat() == "2026-06-15"
    assert found[members[0]].segment == "general_keep"  # long ago, often, little
    assert found[members[9]].segment == "important_develop"  # lately, once, a lot
    with tenant_context(demo.id):
        figures = {row.segment.code: row for row in segment_figures()}
        assert figures["general_keep"].members == 4 and figures["important_develop"].members == 4
        assert figures["important_develop"].gmv == sum((i + 1) * 10_000 + 9 - i for i in range(6, 10))
        assert sum(row.members for row in figures.values()) == 10
        assert figures["general_keep"].member_share_text == "40.0%"


def test_recency_counts_china_days_and_old_orders_count_only_for_recency(stores):
    demo, _tea = stores
    late, old = new_members(demo, 2)
    # 23:30 in China yesterday is one day ago even though fewer than 24 hours have passed.
    paid(demo, late, paid_at=datetime(2026, 6, 14, 23, 30, tzinfo=CHINA_TZ), amount=5000)
    paid(demo, old, paid_at=days_ago(400), amount=99_900)
    compute(demo)
    found = scores(demo)
    assert (found[late].recency_days, found[late].frequency, found[late].monetary) == (1, 1, 5000)
    assert (found[old].recency_days, found[old].frequency, found[old].monetary) == (400, 0, 0)


def test_unpaid_cancelled_and_wholly_refunded_orders_do_not_count_and_refunds_are_taken_off(stores):
    demo, _tea = stores
    member, = new_members(demo, 1)
    add_orders(demo, [
        order_row(demo, member, paid_at=days_ago(3), amount=10_000, refunded=2_500),
        order_row(demo, member, paid_at=days_ago(1), amount=8_000, refunded=8_000, status=Order.REFUNDED),
        order_row(demo, member, paid_at=days_ago(2), amount=7_000, status=Order.CANCELLED),
    ])
    compute(demo)
    row = scores(demo)[member]
    assert (row.recency_days, row.frequency, row.monetary) == (3, 1, 7_500)


def test_members_without_profiling_consent_are_neither_scored_nor_counted(stores):
    demo, _tea = stores
    yes = new_members(demo, 3)
    no = new_members(demo, 2, consenting=False)
    add_orders(demo, [order_row(demo, member, paid_at=days_ago(5), amount=1000) for member in yes + no])
    assert compute(demo) == 3
    assert set(scores(demo)) == set(yes)
    with tenant_context(demo.id):
        assert members_without_consent() == 2


def test_a_member_who_withdraws_leaves_the_figures_at_once_and_the_next_computation(stores):
    demo, _tea = stores
    members = new_members(demo, 3)
    add_orders(demo, [order_row(demo, member, paid_at=days_ago(5), amount=1000) for member in members])
    compute(demo)
    segment = scores(demo)[members[0]].segment

    withdraw_profiling(demo, members[0])

    with tenant_context(demo.id):  # at once: every read joins the current consent
        assert members[0] not in segment_member_ids(segment)
        assert sum(row.members for row in segment_figures()) == 2
        assert member_segment(members[0]) is None
        assert members_without_consent() == 1
    compute(demo, now=NOW + timedelta(minutes=5))
    assert set(scores(demo)) == set(members[1:])


def test_computing_one_store_leaves_the_other_untouched(stores):
    demo, tea = stores
    demo_members, tea_members = new_members(demo, 3), new_members(tea, 2)
    add_orders(demo, [order_row(demo, member, paid_at=days_ago(5), amount=1000) for member in demo_members])
    add_orders(tea, [order_row(tea, member, paid_at=days_ago(9), amount=3000) for member in tea_members])
    compute(demo)
    assert set(scores(demo)) == set(demo_members) and scores(tea) == {}
    compute(tea)
    assert set(scores(demo)) == set(demo_members)  # tea's computation replaced only tea's rows
    assert set(scores(tea)) == set(tea_members)
    with tenant_context(tea.id):
        assert sum(row.gmv for row in segment_figures()) == 6000
        assert db.session.scalar(select(func.count(RfmRun.id))) == 1


def test_the_console_cannot_compute_again_within_a_minute(stores):
    demo, _tea = stores
    compute(demo)
    with tenant_context(demo.id), pytest.raises(RfmRefused, match="less than a minute ago"):
        compute_rfm(now=NOW + timedelta(seconds=50))
    assert compute(demo, now=NOW + timedelta(seconds=61)) == 0


# --- the nightly step --------------------------------------------------------------------

def nightly(store, now):
    with tenant_context(store.id):
        outcome = compute_rfm_nightly(now=now)
        db.session.commit()
        return outcome


def test_the_nightly_step_computes_once_per_china_day(stores):
    demo, tea = stores
    members = new_members(demo, 2)
    add_orders(demo, [order_row(demo, member, paid_at=days_ago(5), amount=1000) for member in members])
    just_after_midnight = datetime(2026, 6, 15, 0, 5, tzinfo=CHINA_TZ)

    assert nightly(demo, just_after_midnight) == 2
    assert nightly(demo, just_after_midnight) is None  # the sweep runs every minute: once is enough
    assert nightly(demo, datetime(2026, 6, 15, 23, 59, tzinfo=CHINA_TZ)) is None
    assert nightly(tea, just_after_midnight) == 0  # every store has its own day
    assert nightly(demo, datetime(2026, 6, 16, 0, 1, tzinfo=CHINA_TZ)) == 2
    with tenant_context(demo.id):
        days = db.session.scalars(select(RfmRun.nightly_on).order_by(RfmRun.id)).all()
        assert [day.isoformat() for day in days] == ["2026-06-15", "2026-06-16"]
        assert {row.computed_on.isoformat() for row in db.session.scalars(select(MemberRfm))} == {"2026-06-16"}


def test_the_nightly_step_is_part_of_every_stores_sweep(stores):
    assert "commerce.analytics.rfm.compute_rfm_nightly" in [step.name for step in sweep_steps()]


# --- the member's own data ---------------------------------------------------------------

def test_a_members_scores_are_in_their_export_and_go_with_erasure(stores):
    demo, _tea = stores
    member, other = new_members(demo, 2)
    add_orders(demo, [order_row(demo, m, paid_at=days_ago(5), amount=1000) for m in (member, other)])
    compute(demo)
    with tenant_context(demo.id):
        exported = export_rfm_segment(member)
        assert exported[0]["frequency"] == 1 and exported[0]["monetary_fen"] == 1000
        erase_rfm_segment(member, now=NOW)
        db.session.commit()
        assert export_rfm_segment(member) == []
    assert set(scores(demo)) == {other}


# --- scale -------------------------------------------------------------------------------

def test_every_member_of_a_busy_store_is_scored_and_counted_once(stores):
    """Many orders of many members (its speed at 20,000 orders is ``make bench``'s, not a test's)."""
    demo, _tea = stores
    members = new_members(demo, 400)
    rows = [order_row(demo, members[(n * 7919) % len(members)], paid_at=days_ago(n % 400, hours=n % 24),
                      amount=1000 + (n * 37) % 90_000) for n in range(2_000)]
    add_orders(demo, rows)
    scored = compute(demo)
    with tenant_context(demo.id):
        figures = segment_figures()
        portrait = store_portrait(now=NOW)
    assert scored == len(members) == sum(row.members for row in figures) == portrait.members
