"""RFM segments of a store's members (RFM 客户分群), and a coupon to a segment in one step.

Only members who consented to profiling (``commerce.members.consent``) are scored, counted
or sent a segment's coupon; a withdrawal takes effect at once, because every read joins the
current consent, not the one of the last computation.

- **Recency**: China days since the member's last paid order (any time); **frequency**: paid
  orders in the 365 days before the computation; **monetary**: fen paid − refunded on those
  orders. A paid order is one whose money is GMV (not unpaid, not cancelled) and not wholly
  refunded: a fully refunded order bought nothing.
- **Scores** 1–5 are quintiles within the store, computed in Python from one aggregate
  query: ``1 + ⌊5 × (share of scored members with a strictly worse value)⌋``, so equal values
  always get equal scores (NTILE would split a tie at random) and the best fifth gets 5.
- **Segments**: each score is *high* at 3 or more (the upper three fifths), the classic cut
  at the middle quintile; R, F, M high or low make the 8 segments of ``SEGMENTS``.
- Recomputed by the sweep once per China day per store (``compute_rfm_nightly``) and from the
  console (``compute_rfm``, refused within a minute of the last computation).
"""
from dataclasses import dataclass
from datetime import UTC, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, delete, func, insert, select, text, true
from sqlalchemy.exc import IntegrityError

from commerce.analytics.rfm_models import MemberRfm, RfmRun, SegmentCampaign, SegmentCampaignRecipient
from commerce.marketing.coupons.errors import CouponUnavailable
from commerce.marketing.coupons.models import Coupon, MemberCoupon
from commerce.marketing.coupons.service import issue_to_members
from commerce.marketing.results import UNCOUNTED
from commerce.members.consent import consenting_member_ids
from commerce.members.models import Member, MemberConsent
from commerce.orders.models import Order
from core.audit import record_audit
from core.clock import china_date
from core.errors import DomainError
from core.extensions import db
from core.models import utcnow
from core.personal_data import erases_personal_data, exports_personal_data
from core.sweep_steps import sweep_step
from core.tenancy import current_tenant_id

PROFILING = MemberConsent.PROFILING
WINDOW_DAYS = 365  # frequency and monetary look this far back
HIGH = 3  # a score of 3, 4 or 5 is "high"
RECOMPUTE_AFTER = timedelta(minutes=1)  # the console's button waits this long between computations
_SCORES_LOCK = 33  # first key of the PostgreSQL advisory lock that serializes one store's computations


@dataclass(frozen=True)
class Segment:
    code: str
    label: object  # lazy: 重要价值客户 …
    advice: object  # what a merchant usually does with them
    r_high: bool
    f_high: bool
    m_high: bool


SEGMENTS = (
    Segment("important_value", _l("Important value customers"),
            _l("Recent, frequent and big spenders: look after them with exclusive benefits."), True, True, True),
    Segment("important_develop", _l("Important development customers"),
            _l("Recent big spenders who rarely buy: get them to come back more often."), True, False, True),
    Segment("important_keep", _l("Important retention customers"),
            _l("Frequent big spenders who have not bought lately: bring them back before they drift away."),
            False, True, True),
    Segment("important_win_back", _l("Important win-back customers"),
            _l("Big spenders who bought rarely and long ago: worth a strong offer to win them back."),
            False, False, True),
    Segment("general_value", _l("General value customers"),
            _l("Recent and frequent, spending little: raise the order value with bundles and thresholds."),
            True, True, False),
    Segment("general_develop", _l("General development customers"),
            _l("New or occasional buyers: a small coupon for the next order."), True, False, False),
    Segment("general_keep", _l("General retention customers"),
            _l("Used to buy often, not lately, spending little: remind them you are here."), False, True, False),
    Segment("general_win_back", _l("General win-back customers"),
            _l("Bought little, rarely and long ago: a low-cost reminder at most."), False, False, False),
)
SEGMENTS_BY_CODE = {segment.code: segment for segment in SEGMENTS}
_SEGMENT_OF_FLAGS = {(s.r_high, s.f_high, s.m_high): s.code for s in SEGMENTS}


class RfmRefused(DomainError):
    """An RFM action cannot be done now (computed a moment ago, an empty segment …)."""

    status = 409


def segment_of(r, f, m):
    """The code of the segment of scores ``r``, ``f``, ``m`` (each 1–5)."""
    return _SEGMENT_OF_FLAGS[(r >= HIGH, f >= HIGH, m >= HIGH)]


def quintile_scores(values, *, higher_is_better=True):
    """1–5 for each of ``values`` (in their order): ``1 + ⌊5 × worse / n⌋``, where ``worse`` is
    how many values are strictly worse; equal values get equal scores."""
    n = len(values)
    ordered = sorted(values, reverse=not higher_is_better)  # worst first
    worse_than = {}
    for position, value in enumerate(ordered):
        worse_than.setdefault(value, position)
    return [1 + (5 * worse_than[value]) // n for value in values]


# --- computing ---------------------------------------------------------------------------

def _scored_orders():
    """Orders that count as paid for RFM: money taken and not all given back."""
    return (Order.paid_at.is_not(None), Order.status.not_in(UNCOUNTED), Order.paid_amount > Order.refunded_amount)


def member_figures(now):
    """``[(member id, last paid at, frequency, monetary fen)]`` of every consenting member with
    a paid order: one aggregate query."""
    since = now - timedelta(days=WINDOW_DAYS)
    recent = Order.paid_at >= since
    rows = db.session.execute(
        select(Order.member_id, func.max(Order.paid_at),
               func.count(Order.id).filter(recent),
               func.coalesce(func.sum(case((recent, Order.paid_amount - Order.refunded_amount), else_=0)), 0))
        .where(*_scored_orders(), Order.paid_at <= now, Order.member_id.in_(consenting_member_ids(PROFILING)))
        .group_by(Order.member_id).order_by(Order.member_id)).all()
    return [(member_id, _aware(last), int(frequency), int(monetary)) for member_id, last, frequency, monetary in rows]


def _aware(moment):
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def compute_rfm(*, actor=None, now=None):
    """Score the store's consenting members again, replacing the last scores; returns the
    ``RfmRun`` (audited when a staff member asked). Refused within a minute of the last
    computation.

    :raise RfmRefused: computed less than a minute ago
    """
    now = now or utcnow()
    last = last_run()
    if last is not None and now - last.computed_at < RECOMPUTE_AFTER:
        raise RfmRefused(_("The segments were computed less than a minute ago. Try again in a minute."))
    run = RfmRun(computed_at=now, staff_id=getattr(actor, "id", None))
    db.session.add(run)
    run.scored = _replace_scores(now)
    db.session.flush()
    if actor is not None:
        record_audit("rfm.compute", actor=actor, target=run, details={"scored": run.scored})
    return run


@sweep_step(order=95, outcome="rfm_scored")
def compute_rfm_nightly(now=None):
    """Sweep step: score the store once per China day (the first sweep after midnight).
    Idempotent: the day's run row is unique per store, so a second sweep — or two at once —
    finds it and does nothing. Returns how many members were scored, or None if done already."""
    now = now or utcnow()
    day = china_date(now)
    if db.session.scalar(select(RfmRun.id).where(RfmRun.nightly_on == day)) is not None:
        return None
    savepoint = db.session.begin_nested()
    try:
        run = RfmRun(computed_at=now, nightly_on=day)
        db.session.add(run)
        db.session.flush()
    except IntegrityError:  # another sweep claimed the day meanwhile
        savepoint.rollback()
        return None
    savepoint.commit()
    run.scored = _replace_scores(now)
    return run.scored


def _replace_scores(now):
    _lock_scores()
    figures = member_figures(now)
    today = china_date(now)
    db.session.execute(delete(MemberRfm).execution_options(synchronize_session=False))
    if not figures:
        return 0
    recency = [(today - china_date(last)).days for _member, last, _f, _m in figures]
    r_scores = quintile_scores(recency, higher_is_better=False)
    f_scores = quintile_scores([frequency for _member, _last, frequency, _m in figures])
    m_scores = quintile_scores([monetary for _member, _last, _f, monetary in figures])
    tenant_id = current_tenant_id()  # a bulk INSERT is not stamped by the session
    rows = [{"tenant_id": tenant_id, "member_id": member_id, "r": r, "f": f, "m": m, "recency_days": days,
             "frequency": frequency, "monetary": monetary, "segment": segment_of(r, f, m), "computed_on": today}
            for (member_id, _last, frequency, monetary), days, r, f, m
            in zip(figures, recency, r_scores, f_scores, m_scores, strict=True)]
    db.session.execute(insert(MemberRfm), rows)
    return len(rows)


def _lock_scores():
    """A store's computations take turns (until commit): the nightly one and the button's
    would otherwise both insert a member's row. SQLite lets one writer at a time anyway."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:kind, :tenant)"),
                           {"kind": _SCORES_LOCK, "tenant": current_tenant_id()})


# --- reading -----------------------------------------------------------------------------

def last_run():
    """The store's latest ``RfmRun``, or None."""
    return db.session.scalar(select(RfmRun).order_by(RfmRun.computed_at.desc(), RfmRun.id.desc()).limit(1))


def _consenting():
    return MemberRfm.member_id.in_(consenting_member_ids(PROFILING))


@dataclass(frozen=True)
class SegmentFigures:
    segment: Segment
    members: int
    gmv: int  # fen paid − refunded in the window
    member_share: float  # of scored members, 0–1
    gmv_share: float  # of scored members' GMV, 0–1

    @property
    def member_share_text(self):
        return f"{self.member_share:.1%}"

    @property
    def gmv_share_text(self):
        return f"{self.gmv_share:.1%}"


def segment_figures():
    """``SegmentFigures`` of the 8 segments in ``SEGMENTS`` order (empty ones with zeros),
    counting only members who consent now."""
    rows = dict((segment, (count, int(gmv))) for segment, count, gmv in db.session.execute(
        select(MemberRfm.segment, func.count(MemberRfm.id), func.coalesce(func.sum(MemberRfm.monetary), 0))
        .where(_consenting()).group_by(MemberRfm.segment)).all())
    members = sum(count for count, _gmv in rows.values())
    gmv = sum(value for _count, value in rows.values())
    figures = []
    for segment in SEGMENTS:
        count, value = rows.get(segment.code, (0, 0))
        figures.append(SegmentFigures(segment, count, value, count / members if members else 0.0,
                                      value / gmv if gmv else 0.0))
    return figures


def members_without_consent():
    """How many of the store's members are left out for want of profiling consent."""
    consenting = select(func.count()).select_from(consenting_member_ids(PROFILING).subquery())
    # total − consenting rather than NOT IN (…), which PostgreSQL runs row by row once the
    # subquery's hash would not fit in work_mem.
    return db.session.scalar(select(func.count(Member.id))) - db.session.scalar(consenting)


def segment_member_ids(segment_code):
    """Ids of the members of a segment who consent now, in id order."""
    return db.session.scalars(select(MemberRfm.member_id).where(MemberRfm.segment == segment_code, _consenting())
                              .order_by(MemberRfm.member_id)).all()


def member_segment(member_id):
    """The member's ``MemberRfm`` if they are scored and consent now, else None."""
    return db.session.scalar(select(MemberRfm).where(MemberRfm.member_id == member_id, _consenting()))


# --- a coupon to a segment ---------------------------------------------------------------

def issue_segment_coupon(segment, coupon, *, actor, now=None):
    """Give ``coupon`` to every member of ``segment`` (a code of ``SEGMENTS``) who consents
    now and has not had this coupon from a segment campaign before, through the coupon
    service (audited); records and returns the ``SegmentCampaign``. Members already holding
    as many copies as allowed are skipped.

    Sending twice issues to nobody twice: the members who already had it from a segment
    campaign are left out first, and each recipient row is unique per (coupon, member) in
    the same transaction as their copy, so two clicks at once make the slower one fail whole.

    :raise RfmRefused: unknown or empty segment, or every member had it already
    :raise CouponUnavailable: the coupon is paused, has ended or is all claimed
    """
    now = now or utcnow()
    if segment not in SEGMENTS_BY_CODE:
        raise RfmRefused(_("Choose one of the segments."), status=422, field="segment")
    _check_issuable(coupon, now)
    members = segment_member_ids(segment)
    if not members:
        raise RfmRefused(_("This segment has no members to send a coupon to."))
    had_it = set(db.session.scalars(select(SegmentCampaignRecipient.member_id).where(
        SegmentCampaignRecipient.coupon_id == coupon.id)))
    wanted = [member_id for member_id in members if member_id not in had_it]
    if not wanted:
        raise RfmRefused(_("Every member of this segment has had this coupon from a segment campaign already."))
    held_before = set(db.session.scalars(select(MemberCoupon.id).where(
        MemberCoupon.coupon_id == coupon.id, MemberCoupon.member_id.in_(wanted))))
    outcome = issue_to_members(coupon, wanted, actor=actor, now=now)
    granted = db.session.execute(select(MemberCoupon.member_id, func.min(MemberCoupon.id)).where(
        MemberCoupon.coupon_id == coupon.id, MemberCoupon.member_id.in_(wanted),
        MemberCoupon.source == MemberCoupon.ISSUED, MemberCoupon.id.not_in(held_before) if held_before else true())
        .group_by(MemberCoupon.member_id).order_by(MemberCoupon.member_id)).all()
    if not granted:
        raise RfmRefused(_("Nobody in this segment could get the coupon: they all hold as many as allowed, "
                           "or none are left."))
    campaign = SegmentCampaign(segment=segment, coupon_id=coupon.id, members_issued=len(granted),
                               members_skipped=outcome["skipped"], staff_id=getattr(actor, "id", None),
                               staff_label=getattr(actor, "email", None), issued_at=now)
    db.session.add(campaign)
    db.session.flush()
    savepoint = db.session.begin_nested()
    try:
        db.session.add_all(SegmentCampaignRecipient(campaign_id=campaign.id, coupon_id=coupon.id, member_id=member_id,
                                                    member_coupon_id=copy_id) for member_id, copy_id in granted)
        db.session.flush()
    except IntegrityError:  # the same coupon went to the same members by a campaign that committed meanwhile
        savepoint.rollback()
        raise RfmRefused(_("This coupon was just sent to this segment. Reload the page to see it.")) from None
    savepoint.commit()
    record_audit("rfm.segment_coupon", actor=actor, target=campaign,
                 details={"segment": segment, "coupon_id": coupon.id, "issued": len(granted),
                          "skipped": outcome["skipped"]})
    return campaign


def _check_issuable(coupon, now):
    if not coupon.is_active():
        raise CouponUnavailable(_("This coupon is paused: resume it before sending it."), field="coupon_id")
    if coupon.has_fixed_window() and coupon.valid_until <= now:
        raise CouponUnavailable(_("This coupon has ended: choose another one."), field="coupon_id")
    if coupon.remaining() == 0:
        raise CouponUnavailable(_("This coupon has all been claimed: raise its quantity or choose another one."),
                                field="coupon_id")


@dataclass(frozen=True)
class CampaignResult:
    campaign: SegmentCampaign
    coupon_name: str
    segment: Segment
    used: int  # copies spent on orders that were paid
    gmv: int  # fen: totals of those orders

    @property
    def use_rate_text(self):
        issued = self.campaign.members_issued
        return f"{self.used / issued:.1%}" if issued else "—"


def campaign_results(*, limit=50):
    """The store's latest segment campaigns with how many of their copies were used on paid
    orders, and those orders' totals."""
    campaigns = db.session.execute(select(SegmentCampaign, Coupon.name).join(Coupon, Coupon.id == SegmentCampaign.coupon_id)
                                   .order_by(SegmentCampaign.issued_at.desc(), SegmentCampaign.id.desc())
                                   .limit(limit)).all()
    ids = [campaign.id for campaign, _name in campaigns]
    used = {}
    if ids:
        used = {campaign_id: (count, int(gmv)) for campaign_id, count, gmv in db.session.execute(
            select(SegmentCampaignRecipient.campaign_id, func.count(MemberCoupon.id),
                   func.coalesce(func.sum(Order.total), 0))
            .join(MemberCoupon, MemberCoupon.id == SegmentCampaignRecipient.member_coupon_id)
            .join(Order, Order.id == MemberCoupon.order_id)
            .where(SegmentCampaignRecipient.campaign_id.in_(ids), MemberCoupon.status == MemberCoupon.USED,
                   Order.status.not_in(UNCOUNTED))
            .group_by(SegmentCampaignRecipient.campaign_id)).all()}
    return [CampaignResult(campaign, name, SEGMENTS_BY_CODE[campaign.segment], *used.get(campaign.id, (0, 0)))
            for campaign, name in campaigns]


# --- the member's own data ---------------------------------------------------------------

@exports_personal_data("rfm_segment", order=80)
def export_rfm_segment(member_id):
    """The member's latest RFM scores and segment, if they were scored."""
    row = db.session.scalar(select(MemberRfm).where(MemberRfm.member_id == member_id))
    if row is None:
        return []
    return [{"segment": str(SEGMENTS_BY_CODE[row.segment].label), "r": row.r, "f": row.f, "m": row.m,
             "recency_days": row.recency_days, "frequency": row.frequency, "monetary_fen": row.monetary,
             "computed_on": row.computed_on.isoformat()}]


@erases_personal_data("rfm_segment", order=80)
def erase_rfm_segment(member_id, *, now):
    """An erased member's scores go; the campaigns keep their counts (the recipient rows point
    at a member anonymised in place)."""
    db.session.execute(delete(MemberRfm).where(MemberRfm.member_id == member_id)
                       .execution_options(synchronize_session=False))


def coupon_options(*, now=None):
    """``[(coupon id, label)]`` of the store's coupons for the send-to-segment choice, newest
    first; one that cannot be issued now says why in its label (the service refuses it)."""
    now = now or utcnow()
    options = []
    for coupon in db.session.scalars(select(Coupon).order_by(Coupon.id.desc()).limit(200)):
        if not coupon.is_active():
            label = _("%(name)s (paused)", name=coupon.name)
        elif coupon.has_fixed_window() and coupon.valid_until <= now:
            label = _("%(name)s (ended)", name=coupon.name)
        elif coupon.remaining() == 0:
            label = _("%(name)s (all claimed)", name=coupon.name)
        else:
            label = coupon.name
        options.append((coupon.id, label))
    return options
