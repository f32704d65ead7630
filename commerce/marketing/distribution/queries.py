"""Read-only named queries over distribution (分销) campaigns, for views, blocks and the console."""
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import (
    case,
    func,
    select,
)

from commerce.marketing.distribution.models import MAX_LEVELS, Commission, DistributionSettings, Distributor, Referral
from commerce.members.models import Member
from commerce.orders.models import Order
from core.extensions import db
from core.pagination import Key, Ordering, paginate

# The lists page over rows of several entities: each key reads its value from the first one.
LATEST_APPLIED = Ordering("distributors.latest_applied",
                          Key(Distributor.applied_at, descending=True, value=lambda row: row[0].applied_at),
                          Key(Distributor.id, descending=True, value=lambda row: row[0].id))
NEWEST_COMMISSION = Ordering("commissions.newest", Key(Commission.id, descending=True, value=lambda row: row[0].id))

# --- settings ----------------------------------------------------------------------------

def distribution_settings():
    """The current store's saved rules, or the defaults (not saved)."""
    saved = db.session.scalar(select(DistributionSettings))
    if saved is not None:
        return saved
    return DistributionSettings(enabled=False, level1_percent=10, level2_percent=5, settle_days=7)


# --- distributors ------------------------------------------------------------------------

def distributor_of(member_id):
    return db.session.scalar(select(Distributor).where(Distributor.member_id == member_id))


def find_distributor(distributor_id):
    """The current store's distributor row, or None (another store's id finds nothing)."""
    return db.session.scalar(select(Distributor).where(Distributor.id == distributor_id))


def store_distributors(status=None, *, cursor=None, per_page=50):
    """A ``core.pagination.Page`` of ``(distributor, member)`` rows (of one ``status``, if
    given), latest application first, with a count.

    :raise BadCursor: ``cursor`` was not made for this list
    """
    statement = select(Distributor, Member).join(Member, Member.id == Distributor.member_id)
    if status is not None:
        statement = statement.where(Distributor.status == status)
    return paginate(statement, LATEST_APPLIED, per_page=per_page, cursor=cursor, with_total=True)


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


def team_counts(member_id):
    """``(level 1, level 2)``: members the member brought, and the members those brought."""
    level1 = select(Referral.member_id).where(Referral.referrer_id == member_id)
    first = db.session.scalar(select(func.count()).select_from(level1.subquery()))
    second = db.session.scalar(select(func.count(Referral.id)).where(Referral.referrer_id.in_(level1)))
    return first, second


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


def _member_commissions(member_id):
    return (select(Commission, Order.number).join(Order, Order.id == Commission.order_id)
            .where(Commission.member_id == member_id))


def member_commissions(member_id, limit=50):
    return db.session.execute(_member_commissions(member_id).order_by(Commission.id.desc()).limit(limit)).all()


def member_commission_page(member_id, *, cursor=None, per_page=20):
    """A ``core.pagination.Page`` of the member's ``(commission, order number)``, newest first.

    :raise BadCursor: ``cursor`` was not made for this list
    """
    return paginate(_member_commissions(member_id), NEWEST_COMMISSION, per_page=per_page, cursor=cursor)


NEWEST_REFERRAL = Ordering("referrals.newest", Key(Referral.id, descending=True, value=lambda row: row[0].id))


def member_team(member_id, *, cursor=None, per_page=20):
    """A ``core.pagination.Page`` of ``(referral, member)`` the member brought (level 1),
    newest first.

    :raise BadCursor: ``cursor`` was not made for this list
    """
    return paginate(select(Referral, Member).join(Member, Member.id == Referral.member_id)
                    .where(Referral.referrer_id == member_id), NEWEST_REFERRAL, per_page=per_page, cursor=cursor)


def store_commissions(*, cursor=None, per_page=50):
    """A ``core.pagination.Page`` of ``(commission, order number, earner)``, newest first,
    with a count.

    :raise BadCursor: ``cursor`` was not made for this list
    """
    statement = (select(Commission, Order.number, Member)
                 .join(Order, Order.id == Commission.order_id)
                 .join(Member, Member.id == Commission.member_id))
    return paginate(statement, NEWEST_COMMISSION, per_page=per_page, cursor=cursor, with_total=True)


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
