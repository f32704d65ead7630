"""Proration and period arithmetic, table-driven: whole fen, rounded half up, never negative."""
from datetime import UTC, datetime, timedelta

import pytest

from billing.subscriptions import prorate
from tenants.plans import PLANS, add_interval

START = datetime(2026, 11, 1, tzinfo=UTC)
END = datetime(2026, 12, 1, tzinfo=UTC)  # a 30-day period


@pytest.mark.parametrize(("old", "new", "now", "expected"), [
    (49900, 129900, START, 80000),  # the whole period left: the whole difference
    (49900, 129900, START + timedelta(days=15), 40000),  # half left: half of 800.00
    (49900, 129900, START + timedelta(days=29, hours=12), 0),  # under a day left: the day under way is free
    (49900, 129900, START + timedelta(days=29), 2667),  # 1 day: 80000 / 30 = 2666.67 → 2667 (half up)
    (19900, 49900, START + timedelta(days=20), 10000),  # 10 days: 30000 × 10 / 30
    (19900, 49900, START + timedelta(days=19, hours=1), 10000),  # partial days are not counted: 10 whole days
    (100, 101, START + timedelta(days=15), 1),  # 0.5 fen rounds half up to 1
    (100, 101, START + timedelta(days=16), 0),  # 0.47 fen rounds down to 0
    (129900, 49900, START, 0),  # a cheaper plan never makes a negative charge
    (49900, 129900, END + timedelta(days=1), 0),  # after the period: nothing left to charge
    (49900, 129900, START - timedelta(days=3), 80000),  # before it starts: never more than the period
])
def test_prorate_charges_the_difference_for_whole_days_left(old, new, now, expected):
    assert prorate(old, new, period_start=START, period_end=END, now=now) == expected


def test_prorate_of_a_yearly_period_uses_its_365_days():
    year_end = add_interval(START, "year")
    amount = prorate(499000, 1299000, period_start=START, period_end=year_end, now=START + timedelta(days=265))
    assert amount == (800000 * 100 * 2 + 365) // (2 * 365) == 219178  # 219178.08 → 219178


@pytest.mark.parametrize(("moment", "interval", "expected"), [
    (datetime(2026, 1, 31, 8, tzinfo=UTC), "month", datetime(2026, 2, 28, 8, tzinfo=UTC)),
    (datetime(2028, 1, 31, tzinfo=UTC), "month", datetime(2028, 2, 29, tzinfo=UTC)),  # leap year
    (datetime(2026, 12, 15, tzinfo=UTC), "month", datetime(2027, 1, 15, tzinfo=UTC)),
    (datetime(2028, 2, 29, tzinfo=UTC), "year", datetime(2029, 2, 28, tzinfo=UTC)),
    (datetime(2026, 3, 31, tzinfo=UTC), "month", datetime(2026, 4, 30, tzinfo=UTC)),
])
def test_a_period_is_a_calendar_month_or_year(moment, interval, expected):
    assert add_interval(moment, interval) == expected


def test_plans_are_ordered_and_a_year_costs_ten_months():
    assert list(PLANS) == ["basic", "pro", "flagship"]
    for plan in PLANS.values():
        assert plan.yearly_price == plan.monthly_price * 10 and plan.price("year") == plan.yearly_price
    prices = [plan.monthly_price for plan in PLANS.values()]
    assert prices == sorted(prices)
