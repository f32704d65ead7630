"""The coupon engine: a store's coupon templates, members claiming or being issued copies,
which copies apply to a basket and how much they take off, and spending and returning
them with orders.

Rules, in one place:
- 满减 (``amount_off``) takes its amount off once the items it covers reach the threshold
  (reaching it exactly counts); 无门槛 (``no_threshold``) needs no threshold; 折扣
  (``percent_off``) takes its percentage of the covered items, rounded down to the fen, at
  most its cap. No coupon takes off more than the items it covers.
- An order uses at most one coupon that is not stackable, plus any stackable ones (each
  coupon once); their discounts add up, to at most the items' subtotal, and the order
  still costs at least 1 fen (WeChat Pay cannot collect nothing).
- Limits (total quantity, per member) hold under concurrent claims: the template's count
  grows by a conditional UPDATE, a member's copies are numbered under a unique key.
- A copy is spent by a conditional UPDATE in the order's transaction; cancelling the order
  gives it back (``returned``, usable again) if still valid, else it is ``expired``.
"""
from datetime import UTC, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError

from commerce.catalog.models import Category, Product
from commerce.marketing.coupons.errors import CouponInvalid, CouponUnavailable
from commerce.marketing.coupons.models import Coupon, MemberCoupon
from commerce.marketing.coupons.queries import find_coupon
from commerce.members.models import Member
from commerce.orders.hooks import order_hook
from core.audit import record_audit
from core.cache import bump_version_on_commit
from core.extensions import db
from core.models import utcnow
from tenants.entitlements import require

MAX_NAME = 40
MAX_MONEY = 10_000_000  # fen: ¥100,000
MAX_DAYS = 365
MAX_TARGETS = 100
MAX_PER_MEMBER = 100
EDITABLE = ("name", "kind", "amount_off", "threshold", "percent_off", "max_discount", "scope", "target_ids",
            "valid_from", "valid_until", "valid_days", "total_quantity", "per_member_limit", "stackable")


# --- templates ---------------------------------------------------------------------------

def create_coupon(fields, *, actor):
    """Write a new active coupon from parsed ``fields`` (see ``EDITABLE``); audited.

    :raise CouponInvalid: a field breaks a rule (all such fields in ``extra["errors"]``)
    """
    require("marketing")
    values = _validated({name: fields.get(name) for name in EDITABLE})
    coupon = Coupon(status=Coupon.ACTIVE, claimed_count=0, **values)
    db.session.add(coupon)
    db.session.flush()
    record_audit("coupon.create", actor=actor, target=coupon, details={"name": coupon.name, "kind": coupon.kind})
    bump_version_on_commit(db.session, coupon.tenant_id, "catalog")  # coupon strips on cached pages
    return coupon


def update_coupon(coupon, fields, *, actor):
    """Change a coupon's settings; copies already held keep their validity window.

    :raise CouponInvalid: a field breaks a rule, or the quantity is below what was claimed
    """
    values = _validated({name: fields.get(name) for name in EDITABLE})
    if values["total_quantity"] is not None and values["total_quantity"] < coupon.claimed_count:
        raise _invalid({"total_quantity": _("%(n)d have been claimed already: the quantity cannot be lower.",
                                            n=coupon.claimed_count)})
    for name, value in values.items():
        setattr(coupon, name, value)
    record_audit("coupon.update", actor=actor, tenant_id=coupon.tenant_id, target=coupon,
                 details={"name": coupon.name})
    bump_version_on_commit(db.session, coupon.tenant_id, "catalog")
    return coupon


def set_coupon_status(coupon, status, *, actor):
    """Pause a coupon (no more claims or issues; copies held stay usable) or resume it."""
    if status not in Coupon.STATUSES:
        raise _invalid({"status": _("Unknown status.")})
    if coupon.status != status:
        record_audit(f"coupon.{'pause' if status == Coupon.PAUSED else 'resume'}", actor=actor,
                     tenant_id=coupon.tenant_id, target=coupon)
        coupon.status = status
        bump_version_on_commit(db.session, coupon.tenant_id, "catalog")
    return coupon


def pause_coupon(coupon, *, actor):
    return set_coupon_status(coupon, Coupon.PAUSED, actor=actor)


def _validated(values):
    errors = {}
    name = (values["name"] or "").strip()
    if not name:
        errors["name"] = _("Give the coupon a name.")
    elif len(name) > MAX_NAME:
        errors["name"] = _("The name can be at most %(n)d characters.", n=MAX_NAME)
    kind = values["kind"]
    if kind not in Coupon.KINDS:
        errors["kind"] = _("Choose what kind of coupon this is.")
    amount_off, threshold = values["amount_off"], values["threshold"] or 0
    percent_off, cap = values["percent_off"], values["max_discount"]
    if kind in (Coupon.AMOUNT_OFF, Coupon.NO_THRESHOLD):
        if not _is_money(amount_off) or amount_off < 1:
            errors["amount_off"] = _("Enter the amount off, from ¥0.01.")
        percent_off = cap = None
    if kind in (Coupon.AMOUNT_OFF, Coupon.PERCENT_OFF):
        if not _is_money(threshold):
            errors["threshold"] = _("Enter the minimum spend in yuan, or 0 for none.")
        elif kind == Coupon.AMOUNT_OFF and _is_money(amount_off) and threshold and amount_off > threshold:
            errors["amount_off"] = _("The amount off cannot be more than the minimum spend.")
    else:
        threshold = 0
    if kind == Coupon.PERCENT_OFF:
        if not isinstance(percent_off, int) or not 1 <= percent_off <= 99:
            errors["percent_off"] = _("Enter the percentage off, a whole number from 1 to 99.")
        if cap is not None and (not _is_money(cap) or cap < 1):
            errors["max_discount"] = _("Enter the most it can take off, from ¥0.01, or leave it empty.")
        amount_off = None
    scope, target_ids = values["scope"] or Coupon.ALL, list(values["target_ids"] or ())
    if scope not in Coupon.SCOPES:
        errors["scope"] = _("Choose what the coupon applies to.")
    elif scope == Coupon.ALL:
        target_ids = []
    elif not target_ids or len(target_ids) > MAX_TARGETS or not all(isinstance(i, int) for i in target_ids):
        errors["target_ids"] = _("Choose from 1 to %(n)d categories or products.", n=MAX_TARGETS)
    else:
        model = Category if scope == Coupon.CATEGORIES else Product
        found = set(db.session.scalars(select(model.id).where(model.id.in_(target_ids))))
        if found != set(target_ids):
            errors["target_ids"] = _("Some of the chosen categories or products do not exist.")
    valid_from, valid_until, valid_days = values["valid_from"], values["valid_until"], values["valid_days"]
    if valid_days is not None:
        if not isinstance(valid_days, int) or not 1 <= valid_days <= MAX_DAYS:
            errors["valid_days"] = _("Enter the days it stays valid after claiming, from 1 to %(n)d.", n=MAX_DAYS)
        valid_from = valid_until = None
    elif not isinstance(valid_from, datetime) or not isinstance(valid_until, datetime):
        errors["valid_from"] = _("Give a start and an end date, or the days it stays valid after claiming.")
    elif valid_until <= valid_from:
        errors["valid_until"] = _("The end must be after the start.")
    else:  # kept in UTC: SQLite would drop another offset without converting
        valid_from, valid_until = valid_from.astimezone(UTC), valid_until.astimezone(UTC)
    total = values["total_quantity"]
    if total is not None and (not isinstance(total, int) or not 1 <= total <= 10_000_000):
        errors["total_quantity"] = _("Enter how many can be claimed in all, or leave it empty for no limit.")
    per_member = 1 if values["per_member_limit"] is None else values["per_member_limit"]
    if not isinstance(per_member, int) or not 1 <= per_member <= MAX_PER_MEMBER:
        errors["per_member_limit"] = _("Enter how many one member can hold, from 1 to %(n)d.", n=MAX_PER_MEMBER)
    if errors:
        raise _invalid(errors)
    return {"name": name, "kind": kind, "amount_off": amount_off, "threshold": threshold, "percent_off": percent_off,
            "max_discount": cap, "scope": scope, "target_ids": target_ids, "valid_from": valid_from,
            "valid_until": valid_until, "valid_days": valid_days, "total_quantity": total,
            "per_member_limit": per_member, "stackable": bool(values["stackable"])}


def _is_money(value):
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_MONEY


def _invalid(errors):
    field, message = next(iter(errors.items()))
    return CouponInvalid(message, field=field, extra={"errors": errors})


# --- claiming and issuing ----------------------------------------------------------------

def claim_coupon(member_id, coupon_id, *, now=None):
    """The member takes a copy of an active coupon; returns the ``MemberCoupon``.

    :raise CouponUnavailable: unknown or paused, ended, all claimed, or the member holds
        as many as one member may
    """
    coupon = find_coupon(coupon_id)
    if coupon is None or not coupon.is_active():
        raise CouponUnavailable(_("This coupon is not available."), status=404)
    return _grant(coupon, member_id, MemberCoupon.CLAIMED, now or utcnow())


def issue_to_members(coupon, member_ids, *, actor, now=None):
    """The store gives ``coupon`` to each member (``None``: every member); members at their
    limit are skipped and issuing stops when none are left. Audited; returns
    ``{"issued": n, "skipped": m}``.

    :raise CouponUnavailable: the coupon is paused or has ended
    """
    now = now or utcnow()
    _check_claimable(coupon, now)
    statement = select(Member.id).order_by(Member.id)
    if member_ids is not None:
        statement = statement.where(Member.id.in_(list(member_ids)))
    issued = skipped = 0
    for member_id in db.session.scalars(statement).all():
        try:
            _grant(coupon, member_id, MemberCoupon.ISSUED, now)
            issued += 1
        except CouponUnavailable as refusal:
            if refusal.extra.get("reason") == "all_claimed":
                break
            skipped += 1
    record_audit("coupon.issue", actor=actor, tenant_id=coupon.tenant_id, target=coupon,
                 details={"issued": issued, "skipped": skipped, "all": member_ids is None})
    return {"issued": issued, "skipped": skipped}


def _check_claimable(coupon, now):
    if not coupon.is_active():
        raise CouponUnavailable(_("This coupon is paused."), extra={"reason": "paused"})
    if coupon.has_fixed_window() and coupon.valid_until <= now:
        raise CouponUnavailable(_("This coupon has ended."), extra={"reason": "ended"})


def _grant(coupon, member_id, source, now):
    _check_claimable(coupon, now)
    if coupon.has_fixed_window():
        valid_from, valid_until = coupon.valid_from, coupon.valid_until
    else:
        valid_from, valid_until = now, now + timedelta(days=coupon.valid_days)
    for _attempt in range(coupon.per_member_limit):
        held = db.session.scalar(select(func.count(MemberCoupon.id)).where(
            MemberCoupon.coupon_id == coupon.id, MemberCoupon.member_id == member_id))
        if held >= coupon.per_member_limit:
            break
        savepoint = db.session.begin_nested()  # a lost race undoes this copy's count only
        try:
            counted = db.session.execute(
                update(Coupon).where(Coupon.id == coupon.id, Coupon.status == Coupon.ACTIVE,
                                     or_(Coupon.total_quantity.is_(None),
                                         Coupon.claimed_count < Coupon.total_quantity))
                .values(claimed_count=Coupon.claimed_count + 1).execution_options(synchronize_session=False)
            ).rowcount
            if counted != 1:
                savepoint.rollback()
                raise CouponUnavailable(_("Sorry, this coupon has all been claimed."),
                                        extra={"reason": "all_claimed"})
            copy = MemberCoupon(coupon_id=coupon.id, member_id=member_id, claim_number=held + 1, source=source,
                                valid_from=valid_from, valid_until=valid_until, status=MemberCoupon.AVAILABLE)
            db.session.add(copy)
            db.session.flush()
        except IntegrityError:
            # The same member's other claim took this number first: count again.
            savepoint.rollback()
            continue
        savepoint.commit()
        return copy
    raise _limit_reached(coupon)


def _limit_reached(coupon):
    if coupon.per_member_limit == 1:
        return CouponUnavailable(_("You already have this coupon."), extra={"reason": "limit"})
    return CouponUnavailable(_("You can hold this coupon at most %(n)d times.", n=coupon.per_member_limit),
                             extra={"reason": "limit"})


# --- spending with orders ----------------------------------------------------------------

def spend_coupons(order, member_coupon_ids, *, now):
    """Mark the member's copies used by ``order`` (just written, in the same transaction; its
    price was quoted with them), each by a conditional update.

    :raise CouponUnavailable: a copy was used on another order (or ran out) meanwhile
    """
    for copy_id in sorted(member_coupon_ids):  # in id order, like stock: checkouts never wait crosswise
        spent = db.session.execute(
            update(MemberCoupon).where(MemberCoupon.id == copy_id, MemberCoupon.member_id == order.member_id,
                                       MemberCoupon.status.in_(MemberCoupon.USABLE), MemberCoupon.valid_until > now)
            .values(status=MemberCoupon.USED, order_id=order.id, used_at=now)
            .execution_options(synchronize_session=False)).rowcount
        if spent != 1:
            raise CouponUnavailable(_("A chosen coupon was used on another order meanwhile."), field="coupon_ids")


def return_coupons(order, *, now=None):
    """After ``order`` is cancelled: its copies come back if still valid, else expire.
    Returns how many came back."""
    now = now or utcnow()
    back = db.session.execute(
        update(MemberCoupon).where(MemberCoupon.order_id == order.id, MemberCoupon.status == MemberCoupon.USED,
                                   MemberCoupon.valid_until > now)
        .values(status=MemberCoupon.RETURNED, order_id=None, used_at=None)
        .execution_options(synchronize_session=False)).rowcount
    db.session.execute(
        update(MemberCoupon).where(MemberCoupon.order_id == order.id, MemberCoupon.status == MemberCoupon.USED)
        .values(status=MemberCoupon.EXPIRED).execution_options(synchronize_session=False))
    return back


@order_hook("placed")
def spend_quoted_coupons(order, *, quote, now):
    """The coupons the order was quoted with are spent with it (same transaction)."""
    if quote.chosen_coupon_ids:
        spend_coupons(order, quote.chosen_coupon_ids, now=now)


order_hook("cancelled")(return_coupons)
