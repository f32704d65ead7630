"""Retention: how long each kind of personal data is kept, and the daily run that purges or
anonymises what is older.

The rules are registered by the packages that hold the data (``core.personal_data.
retention_rule``); this module knows none of them. It owns:

- ``RetentionPeriod`` — a longer period the platform set for one store and one rule (a law
  the store is under asks for more); platform-owned: only the platform console writes it.
  A store's period is ``max(rule default, store's)``: never shorter than the default.
- ``RetentionRun`` — the marker of a store's run on one China day: a rerun the same day
  does nothing; a crashed run (rolled back whole, marker included) is done again.
- ``run_retention(now=)`` — one store's run, in its context: every rule with its cutoff,
  the counts written to that day's audit log (``retention.purged``, counts only), all in
  one transaction. Registered as a sweep step, so the minute sweep makes it daily.
- ``purge_platform_rows(now=)`` — rules' platform part (rows of no store, e.g. platform
  audit entries) outside any store, once per run of ``flask retention`` / ``flask sweep``.
"""
import logging
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Date, ForeignKey, Integer, PrimaryKeyConstraint, String, UniqueConstraint, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from core.audit import AUDIT_RULE, purge_audit_log, record_audit
from core.clock import china_date
from core.errors import DomainError
from core.extensions import db
from core.jobs import run_job
from core.models import Timestamped, UtcDateTime, utcnow
from core.personal_data import retention_rules
from core.sweep_steps import sweep_step
from core.tenancy import current_tenant_id, unscoped
from tenants.models import Tenant
from tenants.scoping import TenantScoped

log = logging.getLogger(__name__)

PURGED_ACTION = "retention.purged"
PERIOD_SET_ACTION = "retention.period_set"
MAX_KEEP_DAYS = 36500  # a hundred years: beyond that it is a typo


class RetentionPeriod(Timestamped, db.Model):
    """Platform-owned: the longer period the platform set for one store's rule."""

    __tablename__ = "retention_periods"
    # Keyed like a tenant table (tenant_key), less SQLite's stand-in: nothing refers to a period.
    __table_args__ = (PrimaryKeyConstraint("tenant_id", "id"), UniqueConstraint("tenant_id", "rule"))
    __mapper_args__ = {"primary_key": ["id"]}

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False,
                                           primary_key=True)
    rule: Mapped[str] = mapped_column(String(64), nullable=False)
    keep_days: Mapped[int] = mapped_column(Integer, nullable=False)
    reason: Mapped[str | None] = mapped_column(String(200))  # the law or contract that asks for it
    set_by: Mapped[str | None] = mapped_column(String(255))  # the platform admin's e-mail


class RetentionRun(TenantScoped, db.Model):
    """A store's retention run of one China day, committed with what it purged."""

    __tablename__ = "retention_runs"
    __tenant_table_args__ = (UniqueConstraint("tenant_id", "day"),)

    day: Mapped[date] = mapped_column(Date, nullable=False)
    purged: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)  # {rule: count}
    finished_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)


class ShorterPeriod(DomainError):
    """A store's period may only be longer than the rule's default."""

    def __init__(self, rule, default_days):
        super().__init__(_l("%(rule)s is kept at least %(days)d days by law and by the platform's rule; a store's "
                            "period may be longer, never shorter.", rule=rule, days=default_days), field="keep_days")


class UnknownRule(DomainError):
    status = 404

    def __init__(self, rule):
        super().__init__(_l("There is no retention rule called %(rule)s.", rule=rule), field="rule")


def _days(delta):
    return delta.days + (1 if delta.seconds or delta.microseconds else 0)


def store_periods(tenant_id):
    """``{rule: keep_days}`` the platform set for store ``tenant_id``."""
    rows = db.session.execute(select(RetentionPeriod.rule, RetentionPeriod.keep_days)
                              .where(RetentionPeriod.tenant_id == tenant_id)).all()
    return dict(rows)


def effective_periods(tenant_id):
    """``[(rule, keep timedelta, store's days or None)]`` for store ``tenant_id``: the longer of
    the default and the store's period."""
    overrides = store_periods(tenant_id)
    periods = []
    for rule in retention_rules():
        days = overrides.get(rule.name)
        keep = max(rule.keep, timedelta(days=days)) if days else rule.keep
        periods.append((rule, keep, days))
    return periods


def set_store_period(tenant_id, rule_name, keep_days, *, actor, reason=None):
    """The platform sets store ``tenant_id``'s period for ``rule_name`` (days); audited.
    ``keep_days`` None removes it (the default applies again). Does not commit.

    :raise UnknownRule: no rule of that name
    :raise ShorterPeriod: shorter than the rule's default
    """
    rule = next((rule for rule in retention_rules() if rule.name == rule_name), None)
    if rule is None:
        raise UnknownRule(rule_name)
    period = db.session.scalar(select(RetentionPeriod).where(RetentionPeriod.tenant_id == tenant_id,
                                                             RetentionPeriod.rule == rule_name))
    before = period.keep_days if period is not None else None
    if keep_days is None:
        if period is not None:
            db.session.delete(period)
    else:
        if not isinstance(keep_days, int) or keep_days > MAX_KEEP_DAYS or timedelta(days=keep_days) < rule.keep:
            raise ShorterPeriod(rule_name, _days(rule.keep))
        if period is None:
            period = RetentionPeriod(tenant_id=tenant_id, rule=rule_name)
            db.session.add(period)
        period.keep_days = keep_days
        period.reason = (reason or "").strip()[:200] or None
        period.set_by = getattr(actor, "email", None)
    db.session.flush()
    record_audit(PERIOD_SET_ACTION, actor=actor, tenant_id=tenant_id,
                 details={"rule": rule_name, "before_days": before, "keep_days": keep_days})
    return period


def retention_table():
    """What is kept, how long by default and why: the rows of docs/privacy.md and of the
    platform console's retention page."""
    return [{"rule": rule.name, "keep_days": _days(rule.keep), "why": rule.why} for rule in retention_rules()]


def run_retention(now=None):
    """The current store's run for the China day of ``now``: each rule purges what is older
    than its period, the counts go to the audit log, and the day's marker is written — in
    one transaction (committed here). Returns ``{rule: count}``, or None when this day's run
    was done already."""
    now = now or utcnow()
    day = china_date(now)
    if db.session.scalar(select(RetentionRun.id).where(RetentionRun.day == day)) is not None:
        return None
    purged = {}
    try:
        for rule, keep, _store_days in effective_periods(current_tenant_id()):
            purged[rule.name] = int(rule.purge(now - keep, now=now) or 0)
        db.session.add(RetentionRun(day=day, purged=purged, finished_at=now))
        record_audit(PURGED_ACTION, details=purged)
        db.session.flush()
        db.session.commit()
    except IntegrityError:  # another process ran this day's run at the same moment
        db.session.rollback()
        return None
    return purged


@sweep_step(order=95, outcome="retention")
def retention_sweep_step():
    """Daily by way of the minute sweep: the day's marker makes every later sweep a no-op."""
    return run_retention()


def purge_platform_rows(now=None):
    """Outside any store: platform audit entries (of no store) older than the audit rule's
    default period are deleted, and the count written to the platform's audit log. Returns
    the count. Committed here."""
    now = now or utcnow()
    if current_tenant_id() is not None:
        raise RuntimeError("platform rows are purged outside any store")
    rule = next(rule for rule in retention_rules() if rule.name == AUDIT_RULE)
    count = purge_audit_log(now - rule.keep, now=now)
    if count:
        record_audit(PURGED_ACTION, details={AUDIT_RULE: count})
    db.session.commit()
    return count


def run_retention_everywhere(now=None):
    """``flask retention``: every store's run (each in its own context, as a job runs; one
    store's failure is logged and the others go on), then the platform's rows. Returns
    ``({store id: {rule: count} or None}, platform count)``."""
    now = now or utcnow()
    with unscoped():
        tenant_ids = db.session.scalars(select(Tenant.id).order_by(Tenant.id)).all()
    db.session.rollback()
    outcomes = {}
    for tenant_id in tenant_ids:
        try:
            outcomes[tenant_id] = run_job(run_retention, tenant_id, (now,))
        except Exception:
            log.exception("retention failed for store %s; the next run tries again", tenant_id)
    return outcomes, purge_platform_rows(now)
