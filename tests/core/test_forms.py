"""Typed fields on a tiny app: what people type, what the view gets, what is shown back."""
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import Flask
from flask_babel import Babel, force_locale
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms.validators import InputRequired, Optional

from core.forms import CN_MOBILE, ChinaDateTimeField, ChinaDayField, CNMobileField, WholeField, YuanField

TRANSLATIONS = str(Path(__file__).resolve().parents[2] / "translations")


class PriceForm(FlaskForm):
    price = YuanField("Price", validators=[InputRequired()], maximum=100_000_00)
    market_price = YuanField("Market price", validators=[Optional()])
    stock = WholeField("Stock", validators=[InputRequired()], minimum=0, maximum=999_999)
    adjustment = WholeField("Adjustment", validators=[Optional()])
    starts_at = ChinaDateTimeField("Starts", validators=[Optional()])
    first_day = ChinaDayField("From", validators=[Optional()])
    last_day = ChinaDayField("Until", validators=[Optional()], last=True)
    phone = CNMobileField("Mobile", validators=[Optional()])


@pytest.fixture
def tiny_app():
    app = Flask(__name__)
    app.config.update(SECRET_KEY="test", WTF_CSRF_ENABLED=False, BABEL_TRANSLATION_DIRECTORIES=TRANSLATIONS)
    Babel(app)
    return app


@pytest.fixture
def submit(tiny_app):
    """``submit(price="12.5")`` → the validated PriceForm (stock defaults to a valid 1)."""

    def submit_form(**typed):
        typed = {"price": "1", "stock": "1", **typed}
        with tiny_app.test_request_context(method="POST", data=MultiDict(typed)), force_locale("en"):
            form = PriceForm()
            form.validate()
            return form

    return submit_form


@pytest.mark.parametrize("typed, fen", [
    ("12", 1200),
    ("12.5", 1250),
    ("12.50", 1250),
    ("12.500", 1250),  # a trailing zero is still two decimals' worth
    ("0.01", 1),
    (".5", 50),
    ("12.", 1200),
    ("0", 0),
    ("¥12.50", 1250),
    ("￥12.50", 1250),
    ("１２．５", 1250),
    ("12。5", 1250),  # the Chinese IME's full stop
    (" 12.50 ", 1250),
    ("1\u2009299.00", 129900),  # thin space as a thousands separator
    ("1\u202f299", 129900),  # narrow no-break space
    ("1,299.00", 129900),
    ("1，299", 129900),  # full-width comma
    ("12元", 1200),
    ("100000", 100_000_00),  # exactly the maximum
])
def test_yuan_typed_becomes_fen(submit, typed, fen):
    form = submit(price=typed)
    assert form.price.errors == [] and form.price.data == fen


@pytest.mark.parametrize("typed, message", [
    ("12.555", "At most 2 decimal places."),
    ("0.001", "At most 2 decimal places."),
    ("-1", "Must be at least ¥0.00."),
    ("100000.01", "Must be at most ¥100,000.00."),
    ("99999999999999999999999999", "Must be at most ¥100,000.00."),
    ("abc", "Enter an amount in yuan, e.g. 12.50."),
    ("NaN", "Enter an amount in yuan, e.g. 12.50."),
    ("inf", "Enter an amount in yuan, e.g. 12.50."),
    ("1e3", "Enter an amount in yuan, e.g. 12.50."),
    ("12,5", "Enter an amount in yuan, e.g. 12.50."),  # a comma only groups thousands
    ("1.2.3", "Enter an amount in yuan, e.g. 12.50."),
    ("¥", "Enter an amount in yuan, e.g. 12.50."),
])
def test_yuan_refusals_say_what_is_wrong_and_nothing_else(submit, typed, message):
    form = submit(price=typed)
    assert form.price.errors == [message]
    assert form.price.data is None
    assert form.price._value() == typed  # shown back as typed, next to its error


def test_empty_yuan_is_none_and_required_says_so(submit):
    form = submit(price="", market_price="")
    assert form.price.errors == ["This field is required."]
    assert form.market_price.errors == [] and form.market_price.data is None


def test_yuan_maximum_never_exceeds_a_32_bit_column(submit):
    form = submit(market_price="21474836.48")
    assert form.market_price.errors == ["Must be at most ¥21,474,836.47."]


def test_yuan_minimum_none_allows_negative_amounts(tiny_app):
    class AdjustForm(FlaskForm):
        change = YuanField("Change", minimum=None)

    with tiny_app.test_request_context(method="POST", data={"change": "-3.5"}), force_locale("en"):
        form = AdjustForm()
        assert form.validate() and form.change.data == -350


def test_fen_from_the_database_is_shown_as_yuan(tiny_app):
    class Priced:
        price, market_price, stock = 1250, 5, 3
        starts_at = datetime(2026, 12, 12, 12, 0, tzinfo=UTC)
        first_day = datetime(2026, 11, 30, 16, 0, tzinfo=UTC)
        last_day = datetime(2026, 12, 31, 16, 0, tzinfo=UTC)
        phone = "13812345678"
        adjustment = None

    with tiny_app.test_request_context():
        form = PriceForm(obj=Priced())
        assert form.price._value() == "12.50"
        assert form.market_price._value() == "0.05"
        assert form.stock._value() == "3"
        assert form.adjustment._value() == ""
        assert form.starts_at._value() == "2026-12-12T20:00"
        assert form.first_day._value() == "2026-12-01"
        assert form.last_day._value() == "2026-12-31"
        assert 'inputmode="decimal"' in form.price()
        assert 'type="datetime-local"' in form.starts_at()
        assert 'value="2026-12-12T20:00"' in form.starts_at()


def test_messages_are_translated(tiny_app):
    with tiny_app.test_request_context(method="POST", data={"price": "1.234", "stock": "x"}), force_locale("zh"):
        form = PriceForm()
        form.validate()
        assert form.price.errors == ["最多两位小数。"]
        assert form.stock.errors == ["请输入整数，例如 12。"]


@pytest.mark.parametrize("typed, number", [("12", 12), ("１２", 12), (" 7 ", 7), ("0", 0), ("999999", 999_999)])
def test_whole_numbers(submit, typed, number):
    form = submit(stock=typed)
    assert form.stock.errors == [] and form.stock.data == number


@pytest.mark.parametrize("typed, message", [
    ("1.5", "Enter a whole number, e.g. 12."),
    ("1.0", "Enter a whole number, e.g. 12."),
    ("abc", "Enter a whole number, e.g. 12."),
    ("1e3", "Enter a whole number, e.g. 12."),
    ("-", "Enter a whole number, e.g. 12."),
    ("-1", "Must be at least 0."),
    ("1000000", "Must be at most 999999."),
    ("9" * 40, "Must be at most 999999."),
])
def test_whole_number_refusals(submit, typed, message):
    form = submit(stock=typed)
    assert form.stock.errors == [message] and form.stock.data is None


def test_a_whole_field_without_bounds_still_fits_32_bits(submit):
    assert submit(adjustment="-5").adjustment.data == -5
    assert submit(adjustment="2147483648").adjustment.errors == ["Must be at most 2147483647."]


@pytest.mark.parametrize("typed", ["2026-12-12T20:00", "2026-12-12 20:00", "2026-12-12T20:00:00", "２０２６-１２-１２T２０:００"])
def test_a_datetime_local_is_read_in_china_time_and_kept_in_utc(submit, typed):
    form = submit(starts_at=typed)
    assert form.starts_at.errors == []
    assert form.starts_at.data == datetime(2026, 12, 12, 12, 0, tzinfo=UTC)
    assert form.starts_at.data.tzinfo is UTC


@pytest.mark.parametrize("typed", ["tomorrow", "2026-13-01T10:00", "2026-12-12T25:00"])
def test_a_datetime_that_is_not_one_is_refused(submit, typed):
    form = submit(starts_at=typed)
    assert form.starts_at.errors == ["Enter a date and time, e.g. 2026-12-12 20:00."]


def test_a_period_of_china_days_runs_from_the_first_midnight_to_the_midnight_after_the_last(submit):
    form = submit(first_day="2026-12-01", last_day="2026-12-31")
    assert form.first_day.data == datetime(2026, 11, 30, 16, 0, tzinfo=UTC)
    assert form.last_day.data == datetime(2026, 12, 31, 16, 0, tzinfo=UTC)
    assert submit(first_day="12/01/2026").first_day.errors == ["Enter a date like 2026-12-01."]


@pytest.mark.parametrize("typed", ["13812345678", "138 1234 5678", "138-1234-5678", "+86 138 1234 5678",
                                   "+86-13812345678", "１３８１２３４５６７８"])
def test_mobile_numbers_come_out_as_eleven_digits(submit, typed):
    form = submit(phone=typed)
    assert form.phone.errors == [] and form.phone.data == "13812345678"


@pytest.mark.parametrize("typed", ["12812345678", "1381234567", "138123456789", "+1 138 1234 5678", "abc",
                                   "١٣٨١٢٣٤٥٦٧٨"])  # Arabic-Indic digits are digits to \d, not to us
def test_not_a_mainland_mobile_is_refused(submit, typed):
    form = submit(phone=typed)
    assert form.phone.errors == ["Enter an 11-digit mobile number, like 13812345678."]
    assert form.phone._value() == typed


def test_the_mobile_pattern_matches_the_one_members_use():
    assert CN_MOBILE.fullmatch("19912345678") and not CN_MOBILE.fullmatch("11912345678")
