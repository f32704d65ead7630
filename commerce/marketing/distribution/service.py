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
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import (
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError

from commerce.marketing.distribution.errors import DistributionProblem, ReferralRefused
from commerce.marketing.distribution.models import (
    MAX_LEVELS,
    MAX_PERCENT,
    MAX_SETTLE_DAYS,
    Commission,
    DistributionSettings,
    Distributor,
    Referral,
)
from commerce.marketing.distribution.queries import ancestors, distribution_settings, distributor_of, referrer_of
from commerce.marketing.invites.service import credit_invite_rewards
from commerce.members.ledger import NotEnough, post_entry
from commerce.members.models import BalanceEntry, Member
from commerce.orders.hooks import order_hook
from commerce.orders.models import Order
from core.audit import record_audit
from core.extensions import db
from core.models import utcnow
from core.tenancy import current_tenant_id
from core.tokens import id_code, id_from_code

MAX_CHAIN = 10_000  # a walk up the referral chain gives up here (the chain is acyclic by construction)
REFERRAL = "referral"  # the core.tokens purpose of share-link codes
_BINDING_LOCK = 17  # first key of the PostgreSQL advisory lock that serializes one store's bindings


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


# --- referral codes and binding ----------------------------------------------------------

def referral_code(member):
    """The code in a member's share links (``?ref=``): their id and a signature, so codes
    cannot be made up for other members and another store's code finds nobody."""
    return id_code(REFERRAL, member.id, tenant_id=member.tenant_id)


def referrer_id_from_code(code, tenant_id):
    """The member id a code names, if its signature is right for this store; else None."""
    return id_from_code(REFERRAL, code, tenant_id=tenant_id)


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


@order_hook("completed")
def order_completed(order):
    """The order completed: its frozen commissions settle ``settle_days`` from now, and
    its buyer may have earned their inviter a reward. Does not commit."""
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
