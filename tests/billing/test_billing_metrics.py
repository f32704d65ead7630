"""The billing overview's arithmetic on small hand-computed cases: MRR, months in China
time, revenue net of refunds, churn from the status history."""
from datetime import UTC, date, datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from billing.metrics import (
    MonthlyFigures,
    StatusChange,
    churn_by_month,
    last_months,
    monthly_equivalent,
    mrr,
    revenue_by_month,
    status_at,
    status_counts,
)

CHINA = ZoneInfo("Asia/Shanghai")


def utc(*parts):
    return datetime(*parts, tzinfo=UTC)


def sub(plan, interval, status):
    return SimpleNamespace(plan=plan, interval=interval, status=status)


@pytest.mark.parametrize(("plan", "interval", "fen"), [
    ("basic", "month", 199_00),
    ("basic", "year", 165_83),  # 1,990.00 / 12 = 165.8333…
    ("pro", "year", 415_83),  # 4,990.00 / 12 = 415.8333…
    ("flagship", "year", 1082_50),  # 12,990.00 / 12 = 1,082.50 exactly
])
def test_monthly_equivalent_divides_a_year_by_twelve_to_the_fen(plan, interval, fen):
    assert monthly_equivalent(plan, interval) == fen


def test_mrr_counts_only_active_subscriptions():
    subscriptions = [sub("basic", "month", "active"), sub("pro", "year", "active"),
                     sub("flagship", "month", "trialing"), sub("pro", "month", "past_due"),
                     sub("flagship", "year", "suspended"), sub("pro", "month", "cancelled")]
    assert mrr(subscriptions) == 199_00 + 415_83
    assert status_counts(subscriptions) == {"trialing": 1, "active": 2, "past_due": 1, "suspended": 1, "cancelled": 1}
    assert status_counts([]) == {"trialing": 0, "active": 0, "past_due": 0, "suspended": 0, "cancelled": 0}


def test_last_twelve_months_end_with_this_month_in_china_time():
    # 17:00 UTC on New Year's Eve is already 1 a.m. on 1 January in China.
    months = last_months(utc(2025, 12, 31, 17), CHINA)
    assert len(months) == 12 and months[0] == date(2025, 2, 1) and months[-1] == date(2026, 1, 1)
    assert last_months(utc(2025, 12, 31, 15), CHINA)[-1] == date(2025, 12, 1)


def test_revenue_is_paid_invoices_less_refunds_in_the_month_they_happened():
    months = [date(2026, 3, 1), date(2026, 4, 1)]
    invoices = [
        (499_00, utc(2026, 3, 10), None),
        (199_00, utc(2026, 3, 31, 16, 30), None),  # 00:30 on 1 April in China
        (100_00, utc(2026, 3, 5), utc(2026, 4, 2)),  # paid in March, refunded in April
        (777_00, utc(2025, 1, 5), None),  # before the window
    ]
    assert revenue_by_month(invoices, months, CHINA) == [499_00 + 100_00, 199_00 - 100_00]


def change(tenant_id, at, old, new):
    return StatusChange(tenant_id, at, old, new)


def test_status_at_a_moment_follows_the_history():
    history = [change(1, utc(2026, 1, 10), "trialing", "active"), change(1, utc(2026, 2, 10), "active", "past_due")]
    created = utc(2026, 1, 1)
    assert status_at(utc(2025, 12, 1), created_at=created, current="past_due", changes=history) is None
    assert status_at(utc(2026, 1, 5), created_at=created, current="past_due", changes=history) == "trialing"
    assert status_at(utc(2026, 2, 1), created_at=created, current="past_due", changes=history) == "active"
    assert status_at(utc(2026, 3, 1), created_at=created, current="past_due", changes=history) == "past_due"
    assert status_at(utc(2026, 3, 1), created_at=created, current="active", changes=[]) == "active"


def test_churn_is_stores_closed_in_the_month_over_stores_active_at_its_start():
    months = [date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)]
    subscriptions = [(1, utc(2025, 12, 1), "cancelled"), (2, utc(2025, 12, 1), "active"),
                     (3, utc(2026, 2, 5), "cancelled")]
    changes = [
        change(1, utc(2025, 12, 15), "trialing", "active"),
        change(1, utc(2026, 1, 20), "active", "past_due"),
        change(1, utc(2026, 1, 28), "past_due", "suspended"),  # churns in January
        change(1, utc(2026, 2, 10), "suspended", "cancelled"),  # already gone: not churn again
        change(2, utc(2025, 12, 20), "trialing", "active"),
        change(3, utc(2026, 3, 3), "active", "cancelled"),  # listed out of order on purpose
        change(3, utc(2026, 2, 10), "trialing", "active"),
    ]
    assert churn_by_month(subscriptions, changes, months, CHINA) == [(2, 1), (1, 0), (2, 1)]
    rates = [MonthlyFigures(month, 0, active, churned).churn_rate
             for month, (active, churned) in zip(months, [(2, 1), (1, 0), (2, 1)], strict=True)]
    assert rates == [0.5, 0.0, 0.5]
    assert MonthlyFigures(months[0], 0, 0, 0).churn_rate is None
