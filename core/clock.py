"""China time: the one ``CHINA_TZ`` and the conversions around it.

Moments are stored in UTC (``core.models.UtcDateTime``, ``utcnow()``); a shop's days, dates
typed in forms and times shown to people are in China time. This module turns one into the
other, so no package keeps its own ``+08:00``.
"""
from datetime import UTC, date, datetime, time, timedelta, timezone

# A fixed offset rather than ZoneInfo("Asia/Shanghai"): China has kept +08:00 without daylight
# saving since 1991, so it is exact for every date a shop sees, and it needs no tz database
# (slim images ship without one and tzdata is not a dependency).
CHINA_TZ = timezone(timedelta(hours=8), "Asia/Shanghai")


def china_now():
    """The current moment, aware, in China time."""
    return datetime.now(CHINA_TZ)


def china_today():
    """Today's date in China (a shop's "day": sign-in points, daily limits)."""
    return china_now().date()


def to_china(moment):
    """An aware moment shown in China time; a naive one is taken as UTC (what SQLite returns
    from a plain ``DateTime`` column). None stays None."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(CHINA_TZ)


def china_date(moment):
    """The date in China of a moment (see ``to_china`` for naive ones)."""
    return to_china(moment).date()


def from_china(wall_time):
    """A naive wall-clock time read in China (a ``datetime-local`` input) → aware UTC."""
    return wall_time.replace(tzinfo=CHINA_TZ).astimezone(UTC)


def china_day_bounds(day):
    """``(start, end)`` in UTC of the China day ``day``: start inclusive, end exclusive, so a
    query reads ``start <= at < end``."""
    if isinstance(day, datetime):
        day = day.date()
    if not isinstance(day, date):
        raise TypeError(f"expected a date, got {type(day).__name__}")
    start = datetime.combine(day, time.min, CHINA_TZ)
    return start.astimezone(UTC), (start + timedelta(days=1)).astimezone(UTC)
