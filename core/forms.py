"""Typed form fields: the one place where what people type becomes a value.

``YuanField`` (typed yuan → integer fen), ``WholeField`` (whole numbers),
``ChinaDateTimeField`` (a ``datetime-local`` read in China time → aware UTC),
``ChinaDayField`` (a ``date`` input → the UTC start, or end, of that China day) and
``CNMobileField`` (mainland mobile → 11 bare digits). Each reads full-width characters and
stray spaces as people type them on Chinese keyboards, refuses the rest with one clear,
translated message, and shows its value back the way it is typed.

Input that cannot be read stops validation with its own message (``pre_validate``), so a
typo is never reported as "This field is required". Empty input is ``None``: combine with
``InputRequired``/``Optional`` as usual (not ``DataRequired``, which calls 0 empty).
"""
import re
import unicodedata
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from flask_babel import gettext as _
from wtforms import Field, StringField
from wtforms.validators import StopValidation, ValidationError
from wtforms.widgets import DateInput, DateTimeLocalInput, TextInput

from core.clock import CHINA_TZ, china_day_bounds, to_china
from core.emails import InvalidEmail, normalize_email
from core.money import format_money

CN_MOBILE = re.compile(r"1[3-9][0-9]{9}", re.ASCII)  # mainland mobile numbers: 11 digits, 13x–19x
INT_MAX = 2**31 - 1  # amounts and counts live in 32-bit integer columns
INT_MIN = -(2**31)

_SPACES = re.compile(r"\s+")  # after NFKC, thin and no-break spaces are plain spaces
_GROUPED = re.compile(r"[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]*)?")  # 1,299.00
_DECIMAL = re.compile(r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_WHOLE = re.compile(r"[0-9]+")


def normalize_typed(text):
    """Full-width digits and signs as ASCII (``１２．５`` → ``12.5``, ``￥`` → ``¥``), no spaces."""
    return _SPACES.sub("", unicodedata.normalize("NFKC", text or ""))


class _TypedField(Field):
    """A text input read into a typed value; ``_problem`` holds why the input could not be read."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self._problem = None

    def process_formdata(self, valuelist):
        self._problem = None
        text = valuelist[0] if valuelist else ""
        if not normalize_typed(text):
            self.data = None
            return
        try:
            self.data = self.read(text)
        except ValueError as problem:
            self.data = None
            self._problem = str(problem)

    def read(self, text):
        """The value ``text`` holds. :raise ValueError: with the message to show"""
        raise NotImplementedError

    def show(self, value):
        return str(value)

    def pre_validate(self, form):
        if self._problem:
            raise StopValidation(self._problem)

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]  # re-shown exactly as typed, next to its error
        return "" if self.data is None else self.show(self.data)


class YuanField(_TypedField):
    """Yuan as typed (``12``, ``12.5``, ``¥12.50``, ``１２．５``, ``1,299``) → ``.data`` in fen.

    ``minimum``/``maximum`` are fen, inclusive; amounts always fit a 32-bit column.
    """

    widget = TextInput()

    def __init__(self, label=None, validators=None, *, minimum=0, maximum=None, **kwargs):
        kwargs["render_kw"] = {"inputmode": "decimal", **(kwargs.get("render_kw") or {})}
        super().__init__(label, validators, **kwargs)
        self.minimum = INT_MIN if minimum is None else minimum
        self.maximum = INT_MAX if maximum is None else min(maximum, INT_MAX)

    def read(self, text):
        text = normalize_typed(text).replace("。", ".")  # the Chinese IME's full stop, typed for a dot
        sign, text = ("-", text[1:]) if text.startswith("-") else ("", text.removeprefix("+"))
        text = text.removeprefix("¥").removesuffix("元")
        if _GROUPED.fullmatch(text):
            text = text.replace(",", "")
        if not _DECIMAL.fullmatch(text):
            raise ValueError(_("Enter an amount in yuan, e.g. 12.50."))
        if len(text.partition(".")[0]) > 12:  # far out of range; Decimal must not quantize it
            text = str(INT_MAX)
        amount = Decimal(sign + text)
        if amount != amount.quantize(Decimal("0.01")):
            raise ValueError(_("At most 2 decimal places."))
        if amount * 100 > self.maximum:
            raise ValueError(_("Must be at most %(max)s.", max=format_money(self.maximum)))
        if amount * 100 < self.minimum:
            raise ValueError(_("Must be at least %(min)s.", min=format_money(self.minimum)))
        return int(amount * 100)

    def show(self, fen):
        sign = "-" if fen < 0 else ""
        return f"{sign}{abs(fen) // 100}.{abs(fen) % 100:02d}"


class WholeField(_TypedField):
    """A whole number (``12``, ``１２``, ``-3`` when ``minimum`` allows); no decimals, no letters."""

    widget = TextInput()

    def __init__(self, label=None, validators=None, *, minimum=None, maximum=None, **kwargs):
        kwargs["render_kw"] = {"inputmode": "numeric", **(kwargs.get("render_kw") or {})}
        super().__init__(label, validators, **kwargs)
        self.minimum = INT_MIN if minimum is None else max(minimum, INT_MIN)
        self.maximum = INT_MAX if maximum is None else min(maximum, INT_MAX)

    def read(self, text):
        text = normalize_typed(text)
        sign, digits = ("-", text[1:]) if text.startswith("-") else ("", text.removeprefix("+"))
        if not _WHOLE.fullmatch(digits):
            raise ValueError(_("Enter a whole number, e.g. 12."))
        # Beyond 12 digits it is out of range anyway; don't make int() read a pasted essay.
        number = int(sign + digits) if len(digits) <= 12 else (INT_MIN - 1 if sign else INT_MAX + 1)
        if number > self.maximum:
            raise ValueError(_("Must be at most %(max)d.", max=self.maximum))
        if number < self.minimum:
            raise ValueError(_("Must be at least %(min)d.", min=self.minimum))
        return number


class ChinaDateTimeField(_TypedField):
    """An ``<input type=datetime-local>`` read as China time; ``.data`` is an aware UTC datetime.

    Shown back in China time as ``2026-12-12T20:00``. Naive datetimes given as data (SQLite
    columns) are taken as UTC.
    """

    widget = DateTimeLocalInput()

    def read(self, text):
        text = _SPACES.sub(" ", unicodedata.normalize("NFKC", text)).strip()  # "2026-12-12 20:00" keeps its space
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(_("Enter a date and time, e.g. 2026-12-12 20:00.")) from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=CHINA_TZ)
        return moment.astimezone(UTC)

    def show(self, moment):
        return to_china(moment).strftime("%Y-%m-%dT%H:%M")


class ChinaDayField(_TypedField):
    """An ``<input type=date>`` naming a China day; ``.data`` is that day's start in UTC, or,
    with ``last=True`` (the last day of a period), its end: the next day's start, so a
    period reads ``start <= at < end``."""

    widget = DateInput()

    def __init__(self, label=None, validators=None, *, last=False, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.last = last

    def read(self, text):
        try:
            day = datetime.strptime(normalize_typed(text), "%Y-%m-%d").date()
        except ValueError:
            raise ValueError(_("Enter a date like 2026-12-01.")) from None
        start, end = china_day_bounds(day)
        return end if self.last else start

    def show(self, moment):
        local = to_china(moment) - (timedelta(days=1) if self.last else timedelta())
        return local.strftime("%Y-%m-%d")


class CNMobileField(StringField):
    """A mainland mobile number, typed with spaces, dashes or ``+86``; ``.data`` is the bare 11
    digits (``13812345678``), or None when left empty."""

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs["render_kw"] = {"inputmode": "tel", "autocomplete": "tel", **(kwargs.get("render_kw") or {})}
        super().__init__(label, validators, **kwargs)
        self._problem = None

    def process_formdata(self, valuelist):
        self._problem = None
        number = re.sub(r"[\s\-()]", "", unicodedata.normalize("NFKC", valuelist[0] if valuelist else ""))
        number = number.removeprefix("+86")
        if not number:
            self.data = None
        elif CN_MOBILE.fullmatch(number):
            self.data = number
        else:
            self.data = None
            self._problem = _("Enter an 11-digit mobile number, like 13812345678.")

    def pre_validate(self, form):
        if self._problem:
            raise StopValidation(self._problem)

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return self.data or ""


class EmailAddress:
    """Validator of every form's e-mail field: the one address rule (``core.emails``; the
    services normalise the address they store). An empty field is left to ``InputRequired``
    or ``Optional``."""

    def __call__(self, form, field):
        if not field.data:
            return
        try:
            normalize_email(field.data)
        except InvalidEmail as problem:
            raise ValidationError(str(problem.message)) from None
