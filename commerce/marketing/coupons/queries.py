"""Read-only named queries over coupon campaigns, for views, blocks and the console."""
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from commerce.catalog.models import Category
from commerce.marketing.coupons.models import Coupon, MemberCoupon
from commerce.marketing.results import UNCOUNTED
from commerce.orders.models import Order
from commerce.pricing.coupons import CouponLine, coupon_discount
from core.extensions import db
from core.models import utcnow
from core.pagination import Ordering, paginate


@dataclass(frozen=True)
class Offer:
    """A held coupon and what it would take off this basket (fen)."""

    member_coupon: MemberCoupon
    discount: int


@dataclass(frozen=True)
class StripCoupon:
    """A claimable coupon as the storefront's coupon strip shows it."""

    id: int
    title: str
    kind: str
    value: int  # fen off (a percent coupon's cap, 0 if none)
    percent_off: int | None
    min_spend: int  # fen; 0: no threshold


def claimable_coupons(*, limit, now=None):
    """Active coupons still to be had, newest first, for the storefront's coupon strip."""
    now = now or utcnow()
    rows = db.session.scalars(
        select(Coupon).where(Coupon.status == Coupon.ACTIVE,
                             or_(Coupon.valid_days.is_not(None), Coupon.valid_until > now),
                             or_(Coupon.total_quantity.is_(None), Coupon.claimed_count < Coupon.total_quantity))
        .order_by(Coupon.id.desc()).limit(limit)).all()
    return [StripCoupon(id=c.id, title=c.name, kind=c.kind, value=c.value() or 0, percent_off=c.percent_off,
                        min_spend=c.min_spend()) for c in rows]


# --- what applies, and how much ----------------------------------------------------------

def coupon_lines(items):
    """``(product_id, category_id, amount)`` triples → ``CouponLine``s, with each category's
    parent (one query), so a coupon for 茶叶 covers 绿茶 under it."""
    items = list(items)
    category_ids = sorted({category_id for _p, category_id, _a in items if category_id is not None})
    parents = dict(db.session.execute(select(Category.id, Category.parent_id)
                                      .where(Category.id.in_(category_ids))).all()) if category_ids else {}
    return [CouponLine(product_id, tuple(c for c in (category_id, parents.get(category_id)) if c is not None), amount)
            for product_id, category_id, amount in items]


def discount_for(member_coupon, lines):
    """Fen this copy (or a ``Coupon``) takes off ``lines``; 0 if it does not apply."""
    coupon = member_coupon.coupon if isinstance(member_coupon, MemberCoupon) else member_coupon
    return coupon_discount(coupon, lines)


def usable_coupons(member_id, *, now=None):
    """The member's copies that can be used now, with their coupons loaded."""
    now = now or utcnow()
    return db.session.scalars(select(MemberCoupon).where(
        MemberCoupon.member_id == member_id, MemberCoupon.status.in_(MemberCoupon.USABLE),
        MemberCoupon.valid_from <= now, MemberCoupon.valid_until > now).order_by(MemberCoupon.valid_until)).all()


MEMBER_COUPON_TABS = ("unused", "used", "expired")


def _member_coupon_tab_filters(now):
    usable, running = MemberCoupon.status.in_(MemberCoupon.USABLE), MemberCoupon.valid_until > now
    return {"unused": usable & running, "used": MemberCoupon.status == MemberCoupon.USED,
            "expired": (MemberCoupon.status == MemberCoupon.EXPIRED) | (usable & ~running)}


def member_coupons(member_id, tab, *, now=None, limit=100):
    """The member's copies on one tab of 我的优惠券 (``MEMBER_COUPON_TABS``), their coupons
    loaded: unused soonest-ending first, used and expired latest first."""
    now = now or utcnow()
    order = {"unused": (MemberCoupon.valid_until, MemberCoupon.id),
             "used": (MemberCoupon.used_at.desc(), MemberCoupon.id.desc()),
             "expired": (MemberCoupon.valid_until.desc(), MemberCoupon.id.desc())}[tab]
    return db.session.scalars(select(MemberCoupon).where(MemberCoupon.member_id == member_id,
                                                         _member_coupon_tab_filters(now)[tab])
                              .options(joinedload(MemberCoupon.coupon)).order_by(*order).limit(limit)).all()


def member_coupon_counts(member_id, *, now=None):
    """``{tab: how many}`` for the member's coupons, in one query."""
    now = now or utcnow()
    filters = _member_coupon_tab_filters(now)
    row = db.session.execute(select(*(func.count().filter(filters[tab]) for tab in MEMBER_COUPON_TABS))
                             .where(MemberCoupon.member_id == member_id)).one()
    return dict(zip(MEMBER_COUPON_TABS, row, strict=True))


def eligible_coupons(member_id, lines, subtotal, *, now=None):
    """``Offer``s of the member's copies that take something off this basket, largest first."""
    offers = []
    for copy in usable_coupons(member_id, now=now):
        off = min(discount_for(copy, lines), subtotal)
        if off > 0:
            offers.append(Offer(copy, off))
    offers.sort(key=lambda offer: (-offer.discount, offer.member_coupon.valid_until, offer.member_coupon.id))
    return offers


def best_coupon(member_id, lines, subtotal, *, now=None):
    """The one ``Offer`` that takes off most (the one ending soonest on a tie), or None."""
    offers = eligible_coupons(member_id, lines, subtotal, now=now)
    return offers[0] if offers else None


def best_selection(offers):
    """From ``offers`` (largest first): the best non-stackable one and every stackable coupon
    once — the combination that takes off most, since stackable discounts add."""
    chosen, coupons, non_stackable = [], set(), False
    for offer in offers:
        coupon = offer.member_coupon.coupon
        if coupon.id in coupons or (not coupon.stackable and non_stackable):
            continue
        chosen.append(offer)
        coupons.add(coupon.id)
        non_stackable = non_stackable or not coupon.stackable
    return chosen


# --- the console's figures ---------------------------------------------------------------

def coupon_results(coupon_ids):
    """``{coupon id: (claimed, used, gmv fen)}``: copies held, copies spent, and the totals of
    the orders that used them and were paid (an order counts once per coupon)."""
    ids = list(coupon_ids)
    if not ids:
        return {}
    claimed = dict(db.session.execute(select(MemberCoupon.coupon_id, func.count(MemberCoupon.id))
                                      .where(MemberCoupon.coupon_id.in_(ids)).group_by(MemberCoupon.coupon_id)).all())
    used = dict(db.session.execute(select(MemberCoupon.coupon_id, func.count(MemberCoupon.id))
                                   .where(MemberCoupon.coupon_id.in_(ids), MemberCoupon.status == MemberCoupon.USED)
                                   .group_by(MemberCoupon.coupon_id)).all())
    orders = (select(MemberCoupon.coupon_id, Order.id, Order.total).distinct()
              .join(Order, Order.id == MemberCoupon.order_id)
              .where(MemberCoupon.coupon_id.in_(ids), MemberCoupon.status == MemberCoupon.USED,
                     Order.status.not_in(UNCOUNTED))).subquery()
    gmv = dict(db.session.execute(select(orders.c.coupon_id, func.sum(orders.c.total))
                                  .group_by(orders.c.coupon_id)).all())
    return {i: (claimed.get(i, 0), used.get(i, 0), int(gmv.get(i) or 0)) for i in ids}


NEWEST_FIRST = Ordering("coupons.newest", Coupon.id.desc())


def store_coupons(*, cursor=None, per_page=50):
    """A ``core.pagination.Page`` of the store's coupons, newest first, with a count.

    :raise BadCursor: ``cursor`` was not made for this list
    """
    return paginate(select(Coupon), NEWEST_FIRST, per_page=per_page, cursor=cursor, with_total=True)


def coupon_choices():
    """``[(id, name)]`` of every coupon of the store, newest first, for a reward's coupon choice."""
    return db.session.execute(select(Coupon.id, Coupon.name).order_by(Coupon.id.desc())).all()


def coupons_by_id(coupon_ids):
    """``{id: coupon}`` of those of ``coupon_ids`` that are the current store's."""
    ids = [i for i in coupon_ids if isinstance(i, int)]
    if not ids:
        return {}
    return {coupon.id: coupon for coupon in db.session.scalars(select(Coupon).where(Coupon.id.in_(ids)))}


def find_coupon(coupon_id):
    """The current store's coupon, or None (another store's id finds nothing)."""
    if not isinstance(coupon_id, int):
        return None
    return db.session.scalar(select(Coupon).where(Coupon.id == coupon_id))
