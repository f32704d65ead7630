"""Members console forms: a staff adjustment of points or balance, the member rules with
their top-up bonus table, and a level.

The rules' ranges are the members area's own (``commerce.members.rules``/``levels`` say what
is wrong with each value); these forms read what was typed: a value that cannot be read
reaches the rules as None, which they refuse with their message.
"""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, Field, Form, StringField
from wtforms.validators import InputRequired, NoneOf

from core.forms import WholeField, YuanField

MAX_ADJUSTMENT = 10_000_000  # points, or fen (¥100,000)


def _strip(text):
    return text.strip() if isinstance(text, str) else text


def _nonzero():
    message = _l("Enter a non-zero amount, negative to take away.")
    return [InputRequired(message=message), NoneOf([0], message=message)]


class AdjustmentForm(FlaskForm):
    """A staff adjustment; ``token`` is the form's one-time token, so a double submit counts once."""

    kind = StringField()
    amount = StringField()  # read per kind by the subclasses below
    note = StringField(filters=[_strip], validators=[InputRequired(message=_l("Give a reason for the adjustment."))])
    token = StringField(filters=[lambda text: (text or "")[:40]])

    @classmethod
    def for_kind(cls):
        """The form of the kind posted (points or balance), or None for another kind."""
        return {"points": PointsAdjustmentForm, "balance": BalanceAdjustmentForm}.get(cls().kind.data)

    def typed(self):
        """What was typed, to show back next to the refusal."""
        return {"kind": self.kind.data, "amount": self.amount._value(), "note": self.note.data or ""}


class PointsAdjustmentForm(AdjustmentForm):
    amount = WholeField(_l("Amount"), validators=_nonzero(), minimum=-MAX_ADJUSTMENT, maximum=MAX_ADJUSTMENT)


class BalanceAdjustmentForm(AdjustmentForm):
    amount = YuanField(_l("Amount"), validators=_nonzero(), minimum=-MAX_ADJUSTMENT, maximum=MAX_ADJUSTMENT)


class _OneAmount(Form):
    amount = YuanField()


class YuanColumnField(Field):
    """A column of a table posted as one name repeated (``bonus_pay``, ``bonus_pay`` …):
    ``typed`` keeps each cell as typed, ``data`` is each in fen, or None where it is not an amount."""

    def process_formdata(self, valuelist):
        self.typed = list(valuelist)
        self.data = [_OneAmount(MultiDict({"amount": text})).amount.data for text in valuelist]

    def process_data(self, value):
        self.typed, self.data = [], list(value or [])


class MemberRulesForm(FlaskForm):
    points_per_yuan = WholeField(_l("Points per yuan paid"))
    sign_in_points = WholeField(_l("Sign-in points"))
    points_expire_months = WholeField(_l("Points expire after (months)"))
    points_per_yuan_off = WholeField(_l("Points for ¥1 off"))
    redeem_cap_percent = WholeField(_l("Points may pay (percent)"))
    bonus_pay = YuanColumnField()
    bonus_amount = YuanColumnField()

    RULE_FIELDS = ("points_per_yuan", "sign_in_points", "points_expire_months", "points_per_yuan_off",
                   "redeem_cap_percent")

    def top_up_bonuses(self):
        """``((pay fen, bonus fen), …)`` for the rows with anything typed."""
        return tuple((pay, bonus) for pay, bonus, (typed_pay, typed_bonus)
                     in zip(self.bonus_pay.data, self.bonus_amount.data, self.bonus_rows(), strict=False)
                     if typed_pay.strip() or typed_bonus.strip())

    def bonus_rows(self):
        """The bonus table as typed: ``[(pay, bonus), …]``."""
        return list(zip(self.bonus_pay.typed, self.bonus_amount.typed, strict=False))

    def typed(self):
        return {name: self[name]._value() for name in self.RULE_FIELDS}


class LevelForm(FlaskForm):
    name = StringField(_l("Name"))
    growth_threshold = WholeField(_l("Growth threshold"))
    discount_percent = WholeField(_l("Discount (percent of the price)"))

    def typed(self):
        return {name: self[name]._value() for name in ("name", "growth_threshold", "discount_percent")}


class MemberDataExportForm(FlaskForm):
    """导出数据 on the member's request: the CSRF token only."""


class MemberEraseForm(FlaskForm):
    """注销会员 on the member's request: staff confirm the member asked for it."""

    confirm = BooleanField(_l("The member asked to close their account (PIPL art. 47)."),
                           validators=[InputRequired(_l("Confirm that the member asked for it."))])
