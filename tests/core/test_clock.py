from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.clock import CHINA_TZ, china_date, china_day_bounds, china_now, from_china, to_china


def test_china_is_eight_hours_ahead_of_utc_all_year():
    for month in (1, 7):
        moment = datetime(2026, month, 1, 12, tzinfo=UTC)
        assert moment.astimezone(CHINA_TZ).utcoffset() == timedelta(hours=8)


def test_the_fixed_offset_agrees_with_the_tz_database_for_current_dates():
    try:
        shanghai = ZoneInfo("Asia/Shanghai")
    except Exception:  # no tz database on this machine: nothing to compare with
        pytest.skip("no tz database")
    for day in range(0, 365, 7):
        moment = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=day)
        assert moment.astimezone(CHINA_TZ).utcoffset() == moment.astimezone(shanghai).utcoffset()


def test_china_now_is_aware_and_in_china():
    now = china_now()
    assert now.utcoffset() == timedelta(hours=8)
    assert abs(now - datetime.now(UTC)) < timedelta(seconds=5)


def test_to_china_reads_a_naive_moment_as_utc():
    assert to_china(datetime(2026, 1, 1, 20, 0)) == datetime(2026, 1, 2, 4, 0, tzinfo=CHINA_TZ)
    assert to_china(None) is None


def test_late_evening_utc_is_already_tomorrow_in_china():
    assert china_date(datetime(2026, 3, 1, 17, 0, tzinfo=UTC)) == date(2026, 3, 2)


def test_from_china_reads_wall_time_as_china_and_returns_utc():
    moment = from_china(datetime(2026, 12, 12, 20, 0))
    assert moment == datetime(2026, 12, 12, 12, 0, tzinfo=UTC)
    assert moment.tzinfo is UTC


def test_a_china_day_starts_at_sixteen_utc_the_day_before():
    start, end = china_day_bounds(date(2026, 12, 1))
    assert start == datetime(2026, 11, 30, 16, 0, tzinfo=UTC)
    assert end == datetime(2026, 12, 1, 16, 0, tzinfo=UTC)


def test_day_bounds_refuse_something_that_is_not_a_date():
    with pytest.raises(TypeError):
        china_day_bounds("2026-12-01")
