"""A store's member rules (``MemberSettings``) as staff edit them: points earned and spent,
sign-in, expiry, and the top-up bonus rules ("充100送10"). Every value is checked before
anything is written; a save is audited with the rules before and after."""
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from commerce.members.models import MemberSettings
from commerce.members.wallet import MAX_TOP_UP
from core.audit import record_audit
from core.errors import DomainError
from core.extensions import db
from core.money import format_money

MAX_BONUS_RULES = 10
RULE_FIELDS = ("points_per_yuan", "sign_in_points", "points_expire_months", "points_per_yuan_off",
               "redeem_cap_percent", "top_up_bonuses")


class RulesInvalid(DomainError):
    """Some rules as typed cannot be saved; ``extra["problems"]`` maps each field to its message."""


@dataclass(frozen=True)
class MemberRules:
    """The rules as typed, parsed: whole numbers (None where the text was not one) and
    ``top_up_bonuses`` as ``(pay fen, bonus fen)`` pairs (None where not an amount)."""

    points_per_yuan: int | None
    sign_in_points: int | None
    points_expire_months: int | None  # None: points never expire
    points_per_yuan_off: int | None
    redeem_cap_percent: int | None
    top_up_bonuses: tuple = ()


def save_member_rules(rules, *, actor):
    """Check ``rules`` (a ``MemberRules``) and save them as the store's. Returns the
    ``MemberSettings``. Does not commit.

    :raise RulesInvalid: one or more values are out of range (nothing written)
    """
    problems = {}
    for field, low, high, message in _ranges():
        value = getattr(rules, field)
        if field == "points_expire_months" and value is None:
            continue
        if not isinstance(value, int) or not low <= value <= high:
            problems[field] = message
    bonuses, problem = _checked_bonuses(rules.top_up_bonuses)
    if problem:
        problems["top_up_bonuses"] = problem
    if problems:
        raise RulesInvalid(" ".join(problems.values()), field=next(iter(problems)), extra={"problems": problems})
    settings = db.session.scalar(select(MemberSettings))
    before = {field: getattr(settings, field) for field in RULE_FIELDS} if settings else None
    if settings is None:
        settings = MemberSettings()
        db.session.add(settings)
        db.session.flush()  # inserted with the defaults first: an INSERT would turn None (never expire) into 12
    for field in RULE_FIELDS:
        setattr(settings, field, bonuses if field == "top_up_bonuses" else getattr(rules, field))
    db.session.flush()
    record_audit("member.rules_saved", actor=actor, tenant_id=settings.tenant_id, target=settings,
                 details={"before": before, "after": {field: getattr(settings, field) for field in RULE_FIELDS}})
    return settings


def _ranges():
    return (
        ("points_per_yuan", 0, 100, _("Points per yuan paid: a whole number from 0 to 100.")),
        ("sign_in_points", 0, 1000, _("Sign-in points: a whole number from 0 to 1000.")),
        ("points_expire_months", 1, 120, _("Points expire after 1 to 120 months, or leave it empty for never.")),
        ("points_per_yuan_off", 1, 100_000, _("Points for ¥1 off: a whole number from 1 to 100000.")),
        ("redeem_cap_percent", 0, 100, _("Points may pay 0 to 100 percent of the goods.")),
    )


def _checked_bonuses(pairs):
    """``([[pay, bonus], …] sorted by pay, problem or None)``."""
    pairs = list(pairs)
    if len(pairs) > MAX_BONUS_RULES:
        return [], _("At most %(n)d top-up bonus rules.", n=MAX_BONUS_RULES)
    for pay, bonus in pairs:
        if not isinstance(pay, int) or not 0 < pay <= MAX_TOP_UP:
            return [], _("Each top-up amount is from ¥0.01 to %(most)s.", most=format_money(MAX_TOP_UP))
        if not isinstance(bonus, int) or not 0 < bonus <= pay:
            return [], _("Each bonus is more than ¥0 and at most its top-up amount.")
    if len({pay for pay, _bonus in pairs}) != len(pairs):
        return [], _("Two bonus rules have the same top-up amount.")
    return [[pay, bonus] for pay, bonus in sorted(pairs)], None
