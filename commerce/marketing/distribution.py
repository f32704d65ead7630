"""Distribution (分销): members apply to be distributors and the store approves them; a shopper
who arrived through someone's link is bound to that referrer once (first referrer wins);
paid orders earn the referrer — and the referrer's referrer — a commission, frozen until
the after-sales window has passed, then settled to their stored value.

Rules, in one place:
- At most ``MAX_LEVELS`` (2) levels earn: WeChat forbids distribution deeper than two
  levels, so the chain walk stops there and the database refuses a level 3 row.
- A level earns only if that ancestor is an approved distributor; the base is what the
  shopper paid for the goods (order total − shipping fee); the commission is
  ``floor(base × percent / 100)`` fen, with the store's percentages at payment time.
- A commission is frozen until the order has been completed for the store's
  ``settle_days`` with no after-sales request open; the sweep then settles it with a
  ``BalanceEntry`` keyed ``commission:<id>`` (credited once).
- A refund pro-rates: the commission becomes ``floor(max(0, base − refunded) × percent / 100)``
  and the difference is ``cancelled_amount``; a frozen commission cancelled in full is
  ``cancelled``. A settled one is reversed by a negative entry when the balance covers
  it; when it does not, the whole difference is recorded as ``owed`` instead (shown in
  the console, collected by hand) and the balance is left alone.
- Binding refuses the member themselves and any referrer whose own chain leads back to
  the member (A→B→A), walked to the top under a per-store lock on PostgreSQL so two
  crosswise bindings cannot both pass the check.
"""
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Index,
    Integer,
    String,
    UniqueConstraint,
    case,
    func,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from commerce.members.ledger import NotEnough, post_entry
from commerce.members.models import BalanceEntry, Member
from commerce.orders.models import Order
from core.audit import record_audit
from core.errors import DomainError
from core.extensions import db
from core.models import Timestamped, UtcDateTime, utcnow
from core.outbox import subscriber
from core.tenancy import current_tenant_id
from tenants.scoping import TenantScoped, tenant_foreign_key

MAX_LEVELS = 2  # WeChat's rules: never more than two levels of distribution
MAX_PERCENT = 50
MAX_SETTLE_DAYS = 90
MAX_CHAIN = 10_000  # a walk up the referral chain gives up here (the chain is acyclic by construction)
_BINDING_LOCK = 17  # first key of the PostgreSQL advisory lock that serializes one store's bindings


class DistributionSettings(TenantScoped, Timestamped, db.Model):
    """A store's distribution rules; a store without a row uses the defaults (off)."""

    __tablename__ = "distribution_settings"
    __tenant_table_args__ = (
        UniqueConstraint("tenant_id"),
        CheckConstraint(f"level1_percent >= 1 AND level1_percent <= {MAX_PERCENT}", name="level1_percent_range"),
        CheckConstraint(f"level2_percent >= 0 AND level2_percent <= {MAX_PERCENT}", name="level2_percent_range"),
        CheckConstraint(f"settle_days >= 0 AND settle_days <= {MAX_SETTLE_DAYS}", name="settle_days_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    level1_percent: Mapped[int] = mapped_column(Integer, nullable=False, default=10)  # of the goods paid
    level2_percent: Mapped[int] = mapped_column(Integer, nullable=False, default=5)  # 0: only one level earns
    settle_days: Mapped[int] = mapped_column(Integer, nullable=False, default=7)  # after completion


class Distributor(TenantScoped, Timestamped, db.Model):
    """A member's application to distribute, and the store's decision."""

    __tablename__ = "distributors"
    __tenant_table_args__ = (
        tenant_foreign_key("member_id", "members", ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "member_id"),
        Index("ix_distributors_tenant_status", "tenant_id", "status"),
    )

    PENDING = "pending"  # applied, waiting for the store
    APPROVED = "approved"  # earns commissions on the orders of their team
    REJECTED = "rejected"  # refused; may apply again
    STATUSES = (PENDING, APPROVED, REJECTED)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(Integer, nullable=False)
    status: Mapped[str] = mapped_column(String(10), nullable=False, default=PENDING)
    applied_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    decided_by: Mapped[int | None] = mapped_column(Integer)  # the staff user


class Referral(TenantScoped, db.Model):
    """Who brought whom: ``member_id`` was invited by ``referrer_id``. One row per member,
    written once; distribution and invite rewards both read it."""

    __tablename__ = "referrals"
    __tenant_table_args__ = (
        tenant_foreign_key("member_id", "members", ondelete="CASCADE"),
        tenant_foreign_key("referrer_id", "members", ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "member_id"),
        CheckConstraint("member_id <> referrer_id", name="not_self"),
        Index("ix_referrals_tenant_referrer", "tenant_id", "referrer_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(Integer, nullable=False)
    referrer_id: Mapped[int] = mapped_column(Integer, nullable=False)
    bound_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False, default=utcnow)


class Commission(TenantScoped, Timestamped, db.Model):
    """What one distributor earns on one paid order, at one level. Money in fen."""

    __tablename__ = "commissions"
    __tenant_table_args__ = (
        tenant_foreign_key("order_id", "orders", ondelete="CASCADE"),
        tenant_foreign_key("member_id", "members", ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "order_id", "level"),
        CheckConstraint(f"level >= 1 AND level <= {MAX_LEVELS}", name="level_within_cap"),
        CheckConstraint("amount >= 0 AND cancelled_amount >= 0 AND cancelled_amount <= amount",
                        name="cancelled_within_amount"),
        CheckConstraint("owed >= 0 AND owed <= cancelled_amount", name="owed_within_cancelled"),
        Index("ix_commissions_tenant_member_status", "tenant_id", "member_id", "status"),
        Index("ix_commissions_tenant_status_settle_after", "tenant_id", "status", "settle_after"),
    )

    FROZEN = "frozen"  # earned, waiting for the after-sales window to pass
    SETTLED = "settled"  # credited to the distributor's stored value
    CANCELLED = "cancelled"  # refunded in full before it was settled
    STATUSES = (FROZEN, SETTLED, CANCELLED)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(Integer, nullable=False)
    member_id: Mapped[int] = mapped_column(Integer, nullable=False)  # the distributor who earns it
    level: Mapped[int] = mapped_column(Integer, nullable=False)  # 1: the buyer's referrer; 2: theirs
    base: Mapped[int] = mapped_column(Integer, nullable=False)  # goods paid: order total − shipping
    percent: Mapped[int] = mapped_column(Integer, nullable=False)
    amount: Mapped[int] = mapped_column(Integer, nullable=False)  # as first earned
    cancelled_amount: Mapped[int] = mapped_column(Integer, nullable=False, default=0)  # taken away by refunds
    owed: Mapped[int] = mapped_column(Integer, nullable=False, default=0)  # reversal the balance could not cover
    status: Mapped[str] = mapped_column(String(10), nullable=False, default=FROZEN)
    settle_after: Mapped[datetime | None] = mapped_column(UtcDateTime)  # set when the order completes
    settled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    def earned(self):
        """Fen it is worth now: what refunds left of it."""
        return self.amount - self.cancelled_amount


class DistributionProblem(DomainError):
    """A distribution action that cannot be done as asked."""

    status = 409


class ReferralRefused(DomainError):
    """The binding would be to oneself, make a loop, or replace an earlier referrer."""

    status = 409


# --- settings ----------------------------------------------------------------------------

def distribution_settings():
    """The current store's saved rules, or the defaults (not saved)."""
    saved = db.session.scalar(select(DistributionSettings))
    if saved is not None:
        return saved
    return DistributionSettings(enabled=False, level1_percent=10, level2_percent=5, settle_days=7)


def save_distribution_settings(*, enabled, level1_percent, level2_percent, settle_days, actor):
    """Write the store's rules, audited. Commissions already earned keep their percentages.

    :raise DistributionProblem: a percentage or the days out of range (status 422, ``field``)
    """
    if not _whole(level1_percent) or not 1 <= level1_percent <= MAX_PERCENT:
        raise DistributionProblem(_("Level 1 commission: a whole percentage from 1 to %(n)d.", n=MAX_PERCENT),
                                  field="level1_percent", status=422)
    if not _whole(level2_percent) or not 0 <= level2_percent <= MAX_PERCENT:
        raise DistributionProblem(_("Level 2 commission: a whole percentage from 0 to %(n)d.", n=MAX_PERCENT),
                                  field="level2_percent", status=422)
    if not _whole(settle_days) or not 0 <= settle_days <= MAX_SETTLE_DAYS:
        raise DistributionProblem(_("Days before settlement: from 0 to %(n)d.", n=MAX_SETTLE_DAYS),
                                  field="settle_days", status=422)
    settings = db.session.scalar(select(DistributionSettings))
    if settings is None:
        settings = DistributionSettings()
        db.session.add(settings)
    settings.enabled, settings.level1_percent = bool(enabled), level1_percent
    settings.level2_percent, settings.settle_days = level2_percent, settle_days
    db.session.flush()
    record_audit("distribution.settings", actor=actor, tenant_id=settings.tenant_id, target=settings,
                 details={"enabled": settings.enabled, "level1": level1_percent, "level2": level2_percent,
                          "days": settle_days})
    return settings


def _whole(value):
    return isinstance(value, int) and not isinstance(value, bool)


# --- distributors ------------------------------------------------------------------------

def distributor_of(member_id):
    return db.session.scalar(select(Distributor).where(Distributor.member_id == member_id))


def apply_as_distributor(member, *, now=None):
    """The member asks to distribute (again, after a rejection). Does not commit.

    :raise DistributionProblem: distribution is off, or already applied or approved
    """
    if not distribution_settings().enabled:
        raise DistributionProblem(_("This store does not run a distribution program."))
    now = now or utcnow()
    existing = distributor_of(member.id)
    if existing is None:
        try:
            with db.session.begin_nested():
                existing = Distributor(member_id=member.id, status=Distributor.PENDING, applied_at=now)
                db.session.add(existing)
            return existing
        except IntegrityError:  # a double submit: the first one counts
            existing = distributor_of(member.id)
    reapplied = db.session.execute(
        update(Distributor).where(Distributor.id == existing.id, Distributor.status == Distributor.REJECTED)
        .values(status=Distributor.PENDING, applied_at=now, decided_at=None, decided_by=None)
        .execution_options(synchronize_session=False)).rowcount
    db.session.refresh(existing)
    if not reapplied:
        raise DistributionProblem(_("You have applied already."))
    return existing


def decide_application(distributor, *, approve, actor, now=None):
    """Approve or reject a pending application, audited. Does not commit.

    :raise DistributionProblem: it was decided already (by someone else meanwhile)
    """
    target = Distributor.APPROVED if approve else Distributor.REJECTED
    changed = db.session.execute(
        update(Distributor).where(Distributor.id == distributor.id, Distributor.status == Distributor.PENDING)
        .values(status=target, decided_at=now or utcnow(), decided_by=getattr(actor, "id", None))
        .execution_options(synchronize_session=False)).rowcount
    db.session.refresh(distributor)
    if changed != 1:
        raise DistributionProblem(_("This application has been decided already."))
    record_audit(f"distributor.{'approve' if approve else 'reject'}", actor=actor, tenant_id=distributor.tenant_id,
                 target=distributor, details={"member_id": distributor.member_id})
    return distributor


def find_distributor(distributor_id):
    """The current store's distributor row, or None (another store's id finds nothing)."""
    return db.session.scalar(select(Distributor).where(Distributor.id == distributor_id))


def store_distributors(status=None, limit=200):
    statement = select(Distributor, Member).join(Member, Member.id == Distributor.member_id)
    if status is not None:
        statement = statement.where(Distributor.status == status)
    return db.session.execute(statement.order_by(Distributor.applied_at.desc()).limit(limit)).all()


# --- referral codes and binding ----------------------------------------------------------

def referral_code(member):
    """The code in a member's share links (``?ref=``): their id and a signature, so codes
    cannot be made up for other members and another store's code finds nobody."""
    return f"{member.id}-{_signature(member.tenant_id, member.id)}"


def referrer_id_from_code(code, tenant_id):
    """The member id a code names, if its signature is right for this store; else None."""
    member_id, _sep, signature = (code or "").partition("-")
    if not member_id.isdigit() or len(member_id) > 12:
        return None
    if not hmac.compare_digest(signature, _signature(tenant_id, int(member_id))):
        return None
    return int(member_id)


def _signature(tenant_id, member_id):
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"referral:{tenant_id}:{member_id}".encode(), hashlib.sha256).hexdigest()[:10]


def referrer_of(member_id):
    return db.session.scalar(select(Referral.referrer_id).where(Referral.member_id == member_id))


def ancestors(member_id, levels=MAX_LEVELS):
    """The member's referrer, that one's referrer, … at most ``levels`` of them."""
    chain = []
    current = member_id
    while len(chain) < levels:
        current = referrer_of(current)
        if current is None:
            break
        chain.append(current)
    return chain


def bind_referral(member_id, referrer_id, *, now=None):
    """Record that ``referrer_id`` brought ``member_id``, once. Does not commit.

    :raise ReferralRefused: self, a loop, an unknown referrer, or already bound
    """
    if member_id == referrer_id:
        raise ReferralRefused(_("You cannot invite yourself."))
    _lock_bindings()
    if db.session.scalar(select(Member.id).where(Member.id == referrer_id)) is None:
        raise ReferralRefused(_("This invitation link is not valid."))
    if referrer_of(member_id) is not None:
        raise ReferralRefused(_("You were invited by someone already."))
    if member_id in ancestors(referrer_id, levels=MAX_CHAIN):
        raise ReferralRefused(_("This invitation would make a loop."))
    try:
        with db.session.begin_nested():
            referral = Referral(member_id=member_id, referrer_id=referrer_id, bound_at=now or utcnow())
            db.session.add(referral)
    except IntegrityError:
        raise ReferralRefused(_("You were invited by someone already.")) from None
    return referral


def _lock_bindings():
    """Bindings of one store take turns (until commit), so the loop check sees the other's
    row. SQLite lets one writer at a time anyway."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:kind, :tenant)"),
                           {"kind": _BINDING_LOCK, "tenant": current_tenant_id()})


def team_counts(member_id):
    """``(level 1, level 2)``: members the member brought, and the members those brought."""
    level1 = select(Referral.member_id).where(Referral.referrer_id == member_id)
    first = db.session.scalar(select(func.count()).select_from(level1.subquery()))
    second = db.session.scalar(select(func.count(Referral.id)).where(Referral.referrer_id.in_(level1)))
    return first, second


# --- earning, settling, reversing --------------------------------------------------------

def commission_amount(base, percent):
    """Rounded down to the fen."""
    return max(0, base) * percent // 100


def goods_paid(order):
    """What the shopper paid for the goods: the total without shipping."""
    return max(0, order.total - order.shipping_fee)


def record_commissions(order):
    """The commissions a paid order earns its buyer's referrer (level 1) and that one's
    referrer (level 2), each if an approved distributor; never a third level. Safe to call
    twice (one row per order and level). Returns the new ones. Does not commit."""
    settings = distribution_settings()
    if not settings.enabled or order.paid_at is None or order.status in (Order.CANCELLED, Order.REFUNDED):
        return []
    percents = (settings.level1_percent, settings.level2_percent)
    base = goods_paid(order)
    chain = ancestors(order.member_id, levels=MAX_LEVELS)
    approved = set(db.session.scalars(select(Distributor.member_id).where(
        Distributor.status == Distributor.APPROVED, Distributor.member_id.in_(chain))))
    made = []
    for level, earner in enumerate(chain, start=1):
        amount = commission_amount(base, percents[level - 1])
        if earner not in approved or amount <= 0:
            continue
        try:
            with db.session.begin_nested():
                commission = Commission(order_id=order.id, member_id=earner, level=level, base=base,
                                        percent=percents[level - 1], amount=amount, status=Commission.FROZEN)
                db.session.add(commission)
            made.append(commission)
        except IntegrityError:
            continue  # recorded by an earlier run
    if made and order.refunded_amount:
        order_refunded(order)
    return made


@subscriber("order.paid")
def record_commissions_when_paid(event):
    """An order was paid: ``record_commissions`` (committed with the event's marker)."""
    order = db.session.get(Order, event.payload["order_id"])
    if order is not None:
        record_commissions(order)


def order_completed(order):
    """The order completed: its frozen commissions settle ``settle_days`` from now, and
    its buyer may have earned their inviter a reward. Does not commit."""
    from commerce.marketing.invites import credit_invite_rewards

    _stamp_settle_after(select(Commission.id).where(Commission.order_id == order.id))
    credit_invite_rewards(order)


def _stamp_settle_after(commission_ids):
    days = distribution_settings().settle_days
    due = db.session.execute(
        select(Commission.id, Order.completed_at).join(Order, Order.id == Commission.order_id)
        .where(Commission.id.in_(commission_ids), Commission.status == Commission.FROZEN,
               Commission.settle_after.is_(None), Order.completed_at.is_not(None))).all()
    for commission_id, completed_at in due:
        db.session.execute(update(Commission).where(Commission.id == commission_id,
                                                    Commission.settle_after.is_(None))
                           .values(settle_after=completed_at + timedelta(days=days))
                           .execution_options(synchronize_session=False))


def settle_due_commissions(now=None):
    """For the current store (from the sweep): credit frozen commissions whose order has
    been completed for the store's days with no after-sales request open. Returns how many
    this run settled; a second run finds them settled."""
    from commerce.aftersales.models import AfterSale

    now = now or utcnow()
    _stamp_settle_after(select(Commission.id).where(Commission.status == Commission.FROZEN,
                                                    Commission.settle_after.is_(None)))
    open_request = select(AfterSale.id).where(AfterSale.order_id == Commission.order_id,
                                              AfterSale.status.in_(AfterSale.OPEN)).exists()
    due = db.session.scalars(
        select(Commission.id).join(Order, Order.id == Commission.order_id)
        .where(Commission.status == Commission.FROZEN, Commission.settle_after <= now,
               Order.status == Order.COMPLETED, ~open_request).order_by(Commission.id)).all()
    settled = 0
    for commission_id in due:
        claimed = db.session.execute(
            update(Commission).where(Commission.id == commission_id, Commission.status == Commission.FROZEN)
            .values(status=Commission.SETTLED, settled_at=now)
            .returning(Commission.member_id, Commission.order_id, Commission.amount - Commission.cancelled_amount)
            .execution_options(synchronize_session=False)).first()
        if claimed is None:
            continue  # settled or cancelled meanwhile
        member_id, order_id, earned = claimed
        post_entry(BalanceEntry, member_id, earned, BalanceEntry.COMMISSION, f"commission:{commission_id}",
                   order_id=order_id)
        settled += 1
    return settled


def order_refunded(order):
    """A refund of ``order`` succeeded: pro-rate its commissions to what is left paid for
    the goods. Frozen ones shrink (or are cancelled); settled ones are reversed from the
    distributor's balance, or recorded as owed when the balance is short. Does not commit."""
    for commission in db.session.scalars(select(Commission).where(
            Commission.order_id == order.id, Commission.status != Commission.CANCELLED)).all():
        for _attempt in range(5):  # a concurrent refund or settlement: read again and redo
            if _reduce(commission, order.refunded_amount):
                break
            db.session.refresh(commission)


def _reduce(commission, refunded):
    """Cancel what a refund of ``refunded`` fen takes off ``commission``. False when the row
    changed under us (read it again and retry)."""
    keeps = commission_amount(commission.base - refunded, commission.percent)
    extra = commission.amount - keeps - commission.cancelled_amount
    if extra <= 0 or commission.status == Commission.CANCELLED:
        return True
    values = {"cancelled_amount": commission.cancelled_amount + extra}
    if commission.status == Commission.FROZEN and keeps == 0:
        values["status"] = Commission.CANCELLED
    changed = db.session.execute(
        update(Commission).where(Commission.id == commission.id, Commission.status == commission.status,
                                 Commission.cancelled_amount == commission.cancelled_amount)
        .values(**values).execution_options(synchronize_session=False)).rowcount
    if changed != 1:
        return False
    if commission.status == Commission.SETTLED:  # this call owns the increment: take it back once
        try:
            post_entry(BalanceEntry, commission.member_id, -extra, BalanceEntry.COMMISSION,
                       f"commission_reversal:{commission.id}:{values['cancelled_amount']}",
                       order_id=commission.order_id)
        except NotEnough:
            db.session.execute(update(Commission).where(Commission.id == commission.id)
                               .values(owed=Commission.owed + extra).execution_options(synchronize_session=False))
    db.session.refresh(commission)
    return True


# --- what screens show -------------------------------------------------------------------

def status_labels():
    """What commission and application statuses are called on screens."""
    return {Commission.FROZEN: _("Frozen"), Commission.SETTLED: _("Settled"), Commission.CANCELLED: _("Cancelled"),
            Distributor.PENDING: _("Waiting for review"), Distributor.APPROVED: _("Approved"),
            Distributor.REJECTED: _("Rejected")}


@dataclass(frozen=True)
class Earnings:
    """A distributor's commissions in fen: waiting, credited, taken away by refunds."""

    frozen: int
    settled: int
    cancelled: int
    owed: int


def earnings_of(member_id):
    return _earnings(Commission.member_id == member_id)


def _earnings(*conditions):
    earned = Commission.amount - Commission.cancelled_amount
    row = db.session.execute(select(
        func.coalesce(func.sum(case((Commission.status == Commission.FROZEN, earned), else_=0)), 0),
        func.coalesce(func.sum(case((Commission.status == Commission.SETTLED, earned), else_=0)), 0),
        func.coalesce(func.sum(Commission.cancelled_amount), 0),
        func.coalesce(func.sum(Commission.owed), 0)).where(*conditions)).one()
    return Earnings(*(int(value) for value in row))


def member_commissions(member_id, limit=50):
    return db.session.execute(select(Commission, Order.number).join(Order, Order.id == Commission.order_id)
                              .where(Commission.member_id == member_id)
                              .order_by(Commission.id.desc()).limit(limit)).all()


def store_commissions(limit=200):
    """The latest commissions with their order number and earner."""
    return db.session.execute(select(Commission, Order.number, Member)
                              .join(Order, Order.id == Commission.order_id)
                              .join(Member, Member.id == Commission.member_id)
                              .order_by(Commission.id.desc()).limit(limit)).all()


@dataclass(frozen=True)
class DistributionResults:
    distributors: int  # approved
    orders: int  # paid orders that earned a commission
    gmv: int  # fen: those orders' totals
    earnings: Earnings


def distribution_results():
    """The console's figures for the whole store."""
    referred = select(Commission.order_id).distinct().subquery()
    orders, gmv = db.session.execute(
        select(func.count(Order.id), func.coalesce(func.sum(Order.total), 0))
        .where(Order.id.in_(select(referred.c.order_id)))).one()
    distributors = db.session.scalar(select(func.count(Distributor.id))
                                     .where(Distributor.status == Distributor.APPROVED))
    return DistributionResults(distributors, orders, int(gmv), _earnings())
