"""Forms of the data screens (数据): the date range every analysis screen is read over, and the
share-link builder. Both are GET forms (they narrow what is shown and write nothing), so they
carry no CSRF token, like the lists' filters (``builder.forms.orders.OrderFilterForm``).

A range is one of the presets (今日, 昨日, 近7天, 近30天) or a custom ``from``–``to`` of China
days; what cannot be read, ends before it starts or spans more than ``MAX_RANGE_DAYS`` is
refused with a message on the field, and the screen shows nothing else.
"""
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from wtforms import Form, StringField

from core.clock import china_date
from core.forms import ChinaDayField

MAX_RANGE_DAYS = 366  # a leap year; longer ranges are read a year at a time

TODAY, YESTERDAY, LAST_7, LAST_30, CUSTOM = "today", "yesterday", "7d", "30d", "custom"
PRESETS = ((TODAY, _l("Today")), (YESTERDAY, _l("Yesterday")), (LAST_7, _l("Last 7 days")),
           (LAST_30, _l("Last 30 days")), (CUSTOM, _l("Custom")))
DEFAULT_PRESET = LAST_7


@dataclass(frozen=True)
class DayRange:
    """China days ``start`` to ``end``, both included."""

    start: date
    end: date

    @property
    def days(self):
        return (self.end - self.start).days + 1


def preset_range(preset, today):
    """The China days a preset names, counted back from ``today`` (included)."""
    if preset == YESTERDAY:
        return DayRange(today - timedelta(days=1), today - timedelta(days=1))
    if preset == LAST_7:
        return DayRange(today - timedelta(days=6), today)
    if preset == LAST_30:
        return DayRange(today - timedelta(days=29), today)
    return DayRange(today, today)


class RangeForm(Form):
    """``RangeForm(request.args, today=…)``: a preset, or ``from``/``to`` with ``range=custom``
    (typing dates alone means custom too); ``channel`` narrows the funnel (empty: every channel).

    After ``validate()``, ``day_range`` is the range read (None when refused) and ``args()``
    the query string that shows the same range again (links, CSV exports)."""

    presets = PRESETS
    range = StringField(default=DEFAULT_PRESET)  # a preset's code; anything else is the default
    date_from = ChinaDayField(_l("Start date"), name="from")
    date_to = ChinaDayField(_l("End date"), name="to")
    channel = StringField(default="")

    def __init__(self, formdata=None, *, today, channels=(), **kwargs):
        super().__init__(formdata, **kwargs)
        self.today = today
        self.channels = dict(channels)
        self.day_range = None

    @property
    def preset(self):
        if self.range.data in dict(PRESETS) and (self.range.raw_data or not self._typed_dates()):
            return self.range.data
        return CUSTOM if self._typed_dates() else DEFAULT_PRESET

    def _typed_dates(self):
        return any(value.strip() for value in (self.date_from.raw_data or []) + (self.date_to.raw_data or []))

    @property
    def chosen_channel(self):
        """The channel code asked for if it is one of ``channels``, else None (every channel)."""
        return self.channel.data if self.channel.data in self.channels else None

    def validate(self, extra_validators=None):
        if not super().validate(extra_validators):
            return False
        if self.preset != CUSTOM:
            self.day_range = preset_range(self.preset, self.today)
            return True
        if self.date_from.data is None:
            self.date_from.errors.append(_l("Choose the first day of the range."))
            return False
        if self.date_to.data is None:
            self.date_to.errors.append(_l("Choose the last day of the range."))
            return False
        chosen = DayRange(china_date(self.date_from.data), china_date(self.date_to.data))
        if chosen.end < chosen.start:
            self.date_to.errors.append(_l("The last day comes before the first day."))
            return False
        if chosen.days > MAX_RANGE_DAYS:
            self.date_to.errors.append(_l("Choose at most %(n)d days.", n=MAX_RANGE_DAYS))
            return False
        self.day_range = chosen
        return True

    def problems(self):
        """Every message of a refused range, in field order."""
        return [str(message) for field in self for message in field.errors]

    def args(self, **changes):
        """The range (and channel) as query-string arguments."""
        values = {"range": self.preset}
        if self.preset == CUSTOM and self.day_range is not None:
            values.update({"from": self.day_range.start.isoformat(), "to": self.day_range.end.isoformat()})
        if self.chosen_channel:
            values["channel"] = self.chosen_channel
        values.update(changes)
        return {name: value for name, value in values.items() if value}


class ShareLinkForm(Form):
    """``ShareLinkForm(request.args, targets=…, channels=…)``: a page of the store
    (``targets``: ``[(value, label)]``, the store's own pages, products and categories) and a
    channel code. Anything not offered is refused with a message; nothing is written."""

    target = StringField(_l("Page"))  # checked against the store's own targets in ``validate``
    channel = StringField(_l("Source channel"))

    def __init__(self, formdata=None, *, targets, channels, **kwargs):
        super().__init__(formdata, **kwargs)
        self.targets = {value for group in targets for value, _label in group[1]}
        self.channels = dict(channels)

    def was_submitted(self):
        return bool(self.target.raw_data or self.channel.raw_data)

    def validate(self, extra_validators=None):
        if not super().validate(extra_validators):
            return False
        ok = True
        if self.target.data not in self.targets:
            self.target.errors.append(_l("Choose a page of this store."))
            ok = False
        if self.channel.data not in self.channels:
            self.channel.errors.append(_l("Choose a channel."))
            ok = False
        return ok
