"""Console forms of coupons: the coupon's settings and issuing it to members. What the
merchant types is read once into fen, whole numbers and China days; the rules (ranges, which
fields a kind needs) stay with ``commerce.marketing.coupons.service``, which names the field
at fault. Field names are the ones the screens have always posted."""
import re
import unicodedata

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, Field, StringField
from wtforms.validators import StopValidation

from commerce.marketing.coupons.models import Coupon
from core.forms import ChinaDayField, WholeField, YuanField

MAX_WHOLE = 999_999_999  # nine digits: every count and number a coupon screen takes
MAX_ISSUE_IDS = 1000
FIXED, DAYS = "fixed", "days"  # a coupon is valid between two dates, or for days after claiming


class CouponYuanField(YuanField):
    """Yuan → fen (at most 2 decimals, never negative); text that is no amount at all is
    named back: "ten is not an amount in yuan."."""

    def read(self, text):
        try:
            return super().read(text)
        except ValueError as problem:
            if str(problem) == _("Enter an amount in yuan, e.g. 12.50."):  # unreadable, not out of range
                raise ValueError(_("%(value)s is not an amount in yuan.", value=text.strip())) from None
            raise


class WholeNumbersField(Field):
    """Whole numbers: every posted value (checkboxes) and every part of a typed list
    (``12, 13，14``); ``.data`` is a list of ints. ``pick=True`` takes the numbers out of
    whatever was typed (``#12 #13``) instead of refusing what is not one."""

    def __init__(self, label=None, validators=None, *, pick=False, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.pick = pick
        self._problem = None

    def process_formdata(self, valuelist):
        self._problem, self.data = None, []
        for value in valuelist:
            text = unicodedata.normalize("NFKC", value or "")  # full-width digits and commas as ASCII
            parts = re.findall(r"[0-9]+", text) if self.pick else [p for p in re.split(r"[\s,、]+", text) if p]
            for part in parts:
                if not re.fullmatch(r"[0-9]{1,9}", part):
                    self._problem = _("%(value)s is not a whole number.", value=part)
                    return
                self.data.append(int(part))

    def process_data(self, value):
        self.data = list(value or [])

    def pre_validate(self, form):
        if self._problem:
            raise StopValidation(self._problem)

    def holds(self, number):
        """Whether ``number`` is among the values (as posted, when the form was posted)."""
        if self.raw_data:
            return str(number) in self.raw_data
        return number in (self.data or [])

    def _value(self):
        if self.raw_data:
            return ", ".join(self.raw_data)
        return ", ".join(str(number) for number in self.data or [])


def _stripped(text):
    return text.strip() if isinstance(text, str) else text


def _text(label, **kwargs):
    return StringField(label, filters=[_stripped], **kwargs)


def _whole(label, **kwargs):
    return WholeField(label, minimum=0, maximum=MAX_WHOLE, **kwargs)


def _yuan(label):
    return CouponYuanField(label)


class CouponForm(FlaskForm):
    """A coupon's settings. Only the fields its choices use are read: the list of categories
    or of products (by ``scope``), the two dates or the days (by ``validity``)."""

    name = _text(_l("Name"))
    kind = _text(_l("Kind"), default=Coupon.AMOUNT_OFF)
    amount_off = _yuan(_l("Amount off (yuan)"))
    threshold = _yuan(_l("Minimum spend (yuan)"))
    percent_off = _whole(_l("Percentage off"))
    max_discount = _yuan(_l("At most (yuan)"))
    scope = _text(_l("Applies to"), default=Coupon.ALL)
    category_ids = WholeNumbersField(_l("Categories"))
    product_ids = WholeNumbersField(_l("Product numbers"))
    validity = _text(_l("Valid"), default=DAYS)
    valid_from = ChinaDayField(_l("From (YYYY-MM-DD)"))
    valid_until = ChinaDayField(_l("Until, inclusive (YYYY-MM-DD)"), last=True)
    valid_days = _whole(_l("Days after claiming"), default=7)
    total_quantity = _whole(_l("How many in all"))
    per_member_limit = _whole(_l("How many one member can hold"), default=1)
    stackable = BooleanField(_l("Can be combined with other coupons"))

    @classmethod
    def of(cls, coupon):
        """The form showing ``coupon``'s settings (no minimum spend shows as empty)."""
        fixed = coupon.has_fixed_window()
        return cls(data={
            "name": coupon.name, "kind": coupon.kind, "amount_off": coupon.amount_off,
            "threshold": coupon.threshold or None, "percent_off": coupon.percent_off,
            "max_discount": coupon.max_discount, "scope": coupon.scope,
            "category_ids": coupon.target_ids if coupon.scope == Coupon.CATEGORIES else [],
            "product_ids": coupon.target_ids if coupon.scope == Coupon.PRODUCTS else [],
            "validity": FIXED if fixed else DAYS, "valid_from": coupon.valid_from, "valid_until": coupon.valid_until,
            "valid_days": coupon.valid_days, "total_quantity": coupon.total_quantity,
            "per_member_limit": coupon.per_member_limit, "stackable": coupon.stackable})

    def _targets(self):
        return self.category_ids if self.scope.data == Coupon.CATEGORIES else self.product_ids

    def _unused(self):
        """The fields the choices leave out: their input is neither read nor refused."""
        lists = [field for field in (self.category_ids, self.product_ids) if field is not self._targets()]
        dates = [self.valid_days] if self.validity.data == FIXED else [self.valid_from, self.valid_until]
        return lists + dates

    def validate(self, extra_validators=None):
        super().validate(extra_validators)
        for field in self._unused():
            field.errors = []
        if self.validity.data == FIXED:
            for field in (self.valid_from, self.valid_until):
                if field.data is None and not field.errors:
                    field.errors = [_("Enter a date like 2026-12-01.")]
        return not self.errors

    def fields(self):
        """The ``create_coupon``/``update_coupon`` fields."""
        fixed = self.validity.data == FIXED
        return {
            "name": self.name.data, "kind": self.kind.data, "scope": self.scope.data,
            "stackable": self.stackable.data, "amount_off": self.amount_off.data,
            "threshold": self.threshold.data, "max_discount": self.max_discount.data,
            "percent_off": self.percent_off.data, "target_ids": list(self._targets().data or []),
            "total_quantity": self.total_quantity.data, "per_member_limit": self.per_member_limit.data,
            "valid_days": None if fixed else self.valid_days.data,
            "valid_from": self.valid_from.data if fixed else None,
            "valid_until": self.valid_until.data if fixed else None,
        }

    def show_refusal(self, refusal):
        """Put each of a refusal's messages (``extra["errors"]``: field → message) on its field;
        the chosen categories or products answer for ``target_ids``. Returns the messages
        that belong to no field."""
        errors = refusal.extra.get("errors") or {refusal.field: refusal.message}
        homeless = []
        for name, message in errors.items():
            field = self._targets() if name == "target_ids" else self._fields.get(name or "")
            if field is None:
                homeless.append(str(message))
            elif str(message) not in field.errors:
                field.errors = [*field.errors, str(message)]
        return homeless


class IssueCouponForm(FlaskForm):
    """Issue a coupon to every member (``audience=all``) or to the members numbered in
    ``member_ids`` (any separators; from 1 to ``MAX_ISSUE_IDS`` of them)."""

    audience = _text(_l("Issue to"), default="ids")
    member_ids = WholeNumbersField(_l("Member numbers"), pick=True)

    def validate_member_ids(self, field):
        if self.audience.data != "all" and not 1 <= len(field.data or []) <= MAX_ISSUE_IDS:
            raise StopValidation(_("Enter from 1 to %(n)d member numbers, or choose every member.", n=MAX_ISSUE_IDS))

    def chosen_members(self):
        """The member ids, or None for every member."""
        return None if self.audience.data == "all" else self.member_ids.data
