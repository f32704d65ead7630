"""The plan catalogue: 基础版, 专业版, 旗舰版 with their prices (integer fen) and entitlements.

Plans are code, not rows: a price or a limit changes with a deploy, and every invoice
copies the amounts it charged, so old invoices never change with the catalogue.
"""
from collections import OrderedDict
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core.errors import DomainError

MONTHS_PAID_PER_YEAR = 10  # a yearly plan costs ten months: two months free
TRIAL_PLAN = "pro"  # trials show the full product; also the limits of a store made before billing


@dataclass(frozen=True)
class Entitlements:
    """What a plan allows. ``None`` is unlimited; booleans switch a feature on or off."""

    max_products: int | None
    staff_seats: int | None  # staff accounts, the owner included
    pages: int | None
    custom_domain: bool
    mini_programs: int | None  # mini-program AppIDs bound to the store
    marketing: bool  # coupons, flash sales, group buys
    storage_mb: int | None  # media uploads


@dataclass(frozen=True)
class Plan:
    code: str
    name: str  # lazily translated: str(plan.name) in the request's language
    monthly_price: int  # fen
    yearly_price: int  # fen
    entitlements: Entitlements

    def price(self, interval):
        """Fen for one period of ``interval`` ("month" or "year")."""
        return self.yearly_price if interval == "year" else self.monthly_price

    def rank(self):
        return list(PLANS).index(self.code)


PLANS = OrderedDict((plan.code, plan) for plan in (
    Plan("basic", _l("Basic"), 199_00, 199_00 * MONTHS_PAID_PER_YEAR,
         Entitlements(max_products=100, staff_seats=2, pages=5, custom_domain=False, mini_programs=0,
                      marketing=False, storage_mb=500)),
    Plan("pro", _l("Pro"), 499_00, 499_00 * MONTHS_PAID_PER_YEAR,
         Entitlements(max_products=2000, staff_seats=10, pages=30, custom_domain=True, mini_programs=1,
                      marketing=True, storage_mb=5_000)),
    Plan("flagship", _l("Flagship"), 1299_00, 1299_00 * MONTHS_PAID_PER_YEAR,
         Entitlements(max_products=None, staff_seats=None, pages=None, custom_domain=True, mini_programs=5,
                      marketing=True, storage_mb=50_000)),
))


def add_interval(moment, interval):
    """``moment`` plus one calendar month or year; the 31st becomes the month's last day."""
    months = 12 if interval == "year" else 1
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    for day in (moment.day, 30, 29, 28):
        try:
            return moment.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    raise AssertionError("unreachable: every month has 28 days")


class UnknownPlan(DomainError):
    status = 422


def plan(code):
    """The plan with this code.

    :raise UnknownPlan: no such plan
    """
    try:
        return PLANS[code]
    except KeyError:
        raise UnknownPlan(_("There is no plan %(code)s.", code=code), field="plan") from None
