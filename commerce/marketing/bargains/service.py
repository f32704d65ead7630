"""Bargains (砍价): a shopper starts a bargain on a SKU, WeChat friends each cut a random
amount off its price, and the starter buys one unit at the price reached, before time runs out.

The cut rule (``next_cut``): whole fen, each cut at least 1 fen, and the cuts add up to
exactly ``price − floor`` by the bargain's last help (K): until then a cut leaves at least
1 fen for every help still to come, and the K-th takes all that is left. The price never
goes below the floor.

Helps race for one bargain row: each help reads ``helps_count`` and applies its cut with
``UPDATE … WHERE helps_count = :seen AND status = 'open'``; a help that lost the race reads
again and draws a new cut, so no cut is lost or applied twice. One help per member per
bargain (a unique key), never by the starter, and at most ``DAILY_HELPS`` per member per
store per day (a counter row raised by a conditional UPDATE). One live bargain per member
per campaign (a partial unique index).

Expiry is checked on every read (``expires_at``) and written by a job at ``expires_at``
that marks a bargain no one bought ``expired``, idempotently; ``flask sweep`` does the
same for any whose job was lost.
"""
import random
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import case, select, update
from sqlalchemy.exc import IntegrityError

from commerce.catalog.models import SKU, Product
from commerce.marketing.bargains.errors import BargainProblem
from commerce.marketing.bargains.models import Bargain, BargainCampaign, BargainHelp, BargainHelpDay, BargainOrder
from commerce.marketing.bargains.queries import live_bargain_of
from commerce.marketing.windows import announce_window
from commerce.orders.hooks import order_hook
from commerce.pricing.rules import CampaignPrice, PriceRule, register_rule
from core.audit import record_audit
from core.clock import china_date
from core.extensions import db
from core.models import utcnow
from core.money import format_money
from core.outbox import publish

DAILY_HELPS = 10  # helps one member may give in one store per (China) day
MAX_RACES = 60  # a help that keeps losing the race to other helps gives up after this many reads
_random = random.SystemRandom()


def next_cut(remaining, helps_left, rng=_random):
    """The fen the next help cuts, when ``remaining`` fen separate the price from the floor
    and ``helps_left`` helps (this one included) may still come; needs ``remaining >= helps_left``.

    The last help takes all that is left. Before it, a cut is drawn uniformly from 1 to
    twice the fair share (so cuts average ``remaining / helps_left``), but never so much
    that a later help would have less than 1 fen to cut.
    """
    if helps_left <= 1:
        return remaining
    most = min(remaining - (helps_left - 1), max(1, 2 * remaining // helps_left))
    return rng.randint(1, most)


def create_bargain_campaign(*, actor, title, sku_id, floor_price, max_helps, hours, starts_at, ends_at):
    """:raise BargainProblem: unknown SKU, floor not below the SKU's price by at least K fen,
    K outside 2..50, hours outside 1..72, a window that ends before it starts or in the past"""
    title = (title or "").strip()
    if not title or len(title) > 40:
        raise BargainProblem(_("Give the bargain a title (at most 40 characters)."), field="title", status=422)
    sku = db.session.scalar(select(SKU).where(SKU.id == sku_id)) if isinstance(sku_id, int) else None
    if sku is None:
        raise BargainProblem(_("No such SKU in this store."), field="sku_id", status=422)
    if not (isinstance(max_helps, int) and 2 <= max_helps <= 50):
        raise BargainProblem(_("Friends needed must be 2 to 50."), field="max_helps", status=422)
    if not (isinstance(floor_price, int) and 0 <= floor_price <= sku.price - max_helps):
        raise BargainProblem(_("The floor price must be below the SKU's price (%(price)s), by at least 1 fen per "
                               "friend.", price=format_money(sku.price)), field="floor_price", status=422)
    if not (isinstance(hours, int) and 1 <= hours <= 72):
        raise BargainProblem(_("A bargain lasts 1 to 72 hours."), field="hours", status=422)
    if not (isinstance(starts_at, datetime) and isinstance(ends_at, datetime)) or ends_at <= starts_at:
        raise BargainProblem(_("The campaign must end after it starts."), field="ends_at", status=422)
    if ends_at <= utcnow():
        raise BargainProblem(_("The campaign must end in the future."), field="ends_at", status=422)
    campaign = BargainCampaign(title=title, sku_id=sku.id, floor_price=floor_price, max_helps=max_helps, hours=hours,
                               starts_at=starts_at, ends_at=ends_at)
    db.session.add(campaign)
    db.session.flush()
    record_audit("bargain_campaign.create", actor=actor, tenant_id=campaign.tenant_id, target=campaign,
                 details={"sku_id": sku.id, "floor_price": floor_price, "max_helps": max_helps})
    announce_window(campaign)  # product pages offer the bargain from its start to its end
    return campaign


def set_bargain_campaign_status(campaign, status, *, actor):
    """Pause (no new bargains, no helps) or resume a campaign."""
    if status not in (BargainCampaign.ACTIVE, BargainCampaign.PAUSED):
        raise BargainProblem(_("Unknown status."), field="status", status=422)
    db.session.execute(update(BargainCampaign).where(BargainCampaign.id == campaign.id).values(status=status)
                       .execution_options(synchronize_session=False))
    campaign.status = status
    record_audit(f"bargain_campaign.{status}", actor=actor, tenant_id=campaign.tenant_id, target=campaign)
    announce_window(campaign)  # product pages offer the bargain from its start to its end


def start_bargain(campaign, member, *, now=None):
    """The member's live bargain in this campaign: the one they have, or a new one at the
    SKU's price today. Its expiry job is scheduled after commit.

    :raise BargainProblem: campaign not on, member not signed in with WeChat, SKU off sale
        or already at the floor price
    """
    now = now or utcnow()
    if not campaign.is_on(now):
        raise BargainProblem(_("This bargain is not running."))
    if not member.openid:
        raise BargainProblem(_("Sign in with WeChat to start a bargain."), status=401)
    existing = live_bargain_of(campaign.id, member.id)
    if existing is not None and existing.shown_status(now) != Bargain.EXPIRED:
        return existing
    if existing is not None:  # past its deadline, its expiry job not run yet
        _end_if_due(existing.id, now)
    found = db.session.execute(select(SKU, Product).join(Product, Product.id == SKU.product_id)
                               .where(SKU.id == campaign.sku_id)).first()
    if found is None or not found[1].is_on_sale():
        raise BargainProblem(_("This product is no longer on sale."))
    price = found[0].price
    if price - campaign.floor_price < 1:
        raise BargainProblem(_("This product already sells at its bargain price."))
    bargain = Bargain(campaign_id=campaign.id, starter_member_id=member.id, sku_id=campaign.sku_id,
                      original_price=price, floor_price=campaign.floor_price, current_price=price, helps_count=0,
                      max_helps=min(campaign.max_helps, price - campaign.floor_price), status=Bargain.OPEN,
                      expires_at=min(now + timedelta(hours=campaign.hours), campaign.ends_at))
    try:
        with db.session.begin_nested():
            db.session.add(bargain)
    except IntegrityError:  # the same member started one at the same moment
        return live_bargain_of(campaign.id, member.id)
    _schedule_expiry(bargain, now)
    return bargain


def help_cut(bargain, helper, *, now=None):
    """The helper cuts the bargain's price by a random amount (``next_cut``); returns the
    ``BargainHelp``. Runs in the caller's transaction.

    :raise BargainProblem: not a WeChat member, the starter, helped already, over the daily
        cap, the bargain or its campaign is over, or too many helps at once
    """
    now = now or utcnow()
    if not helper.openid:
        raise BargainProblem(_("Sign in with WeChat to help."), status=401)
    if helper.id == bargain.starter_member_id:
        raise BargainProblem(_("Ask your friends: you cannot cut your own bargain."), status=403)
    if db.session.scalar(select(BargainHelp.id).where(BargainHelp.bargain_id == bargain.id,
                                                      BargainHelp.helper_member_id == helper.id)) is not None:
        raise BargainProblem(_("You have already helped with this bargain."))
    campaign = db.session.get(BargainCampaign, bargain.campaign_id)
    if campaign.status != BargainCampaign.ACTIVE:
        raise BargainProblem(_("This bargain is paused. Try again later."))
    _count_daily_help(helper.id, china_date(now))
    for _attempt in range(MAX_RACES):
        seen = db.session.execute(select(Bargain.current_price, Bargain.helps_count, Bargain.status,
                                         Bargain.expires_at).where(Bargain.id == bargain.id)).one()
        if seen.status != Bargain.OPEN or seen.expires_at <= now:
            raise BargainProblem(_("This bargain is over: no more cuts."))
        helps_left = bargain.max_helps - seen.helps_count
        cut = next_cut(seen.current_price - bargain.floor_price, helps_left)
        price_after = seen.current_price - cut
        try:
            with db.session.begin_nested():
                applied = db.session.execute(
                    update(Bargain).where(Bargain.id == bargain.id, Bargain.helps_count == seen.helps_count,
                                          Bargain.status == Bargain.OPEN, Bargain.expires_at > now)
                    .values(current_price=Bargain.current_price - cut, helps_count=Bargain.helps_count + 1,
                            status=Bargain.FLOOR_REACHED if price_after == bargain.floor_price else Bargain.OPEN)
                    .execution_options(synchronize_session=False)).rowcount
                if applied != 1:
                    continue  # another help came first: read the new price and draw again
                help_ = BargainHelp(bargain_id=bargain.id, helper_member_id=helper.id, cut=cut,
                                    price_after=price_after)
                db.session.add(help_)
                if price_after == bargain.floor_price:
                    publish(BARGAIN_FLOOR_REACHED, tenant_id=bargain.tenant_id, bargain_id=bargain.id)
        except IntegrityError:  # the same member helping twice at once: the second cut is undone
            raise BargainProblem(_("You have already helped with this bargain.")) from None
        db.session.refresh(bargain)
        return help_
    raise BargainProblem(_("Many friends are cutting right now. Try again."), status=503)


def _count_daily_help(member_id, day):
    """:raise BargainProblem: the member has given ``DAILY_HELPS`` helps in this store today"""
    if db.session.scalar(select(BargainHelpDay.id).where(BargainHelpDay.member_id == member_id,
                                                         BargainHelpDay.day == day)) is None:
        try:
            with db.session.begin_nested():
                db.session.add(BargainHelpDay(member_id=member_id, day=day, helps=0))
        except IntegrityError:
            pass  # made by the member's other help at the same moment
    counted = db.session.execute(
        update(BargainHelpDay).where(BargainHelpDay.member_id == member_id, BargainHelpDay.day == day,
                                     BargainHelpDay.helps < DAILY_HELPS)
        .values(helps=BargainHelpDay.helps + 1).execution_options(synchronize_session=False)).rowcount
    if counted != 1:
        raise BargainProblem(_("You have helped %(n)d times today, the most allowed. Come back tomorrow.",
                               n=DAILY_HELPS), status=429)


def claim_for_order(bargain, order, member_id, price, *, now=None):
    """Called by ``place_order`` in the order's transaction: the bargain is bought once, by
    its starter, at the price the order was priced with.

    :raise BargainProblem: not the starter's, over, already ordered, or the price moved
    """
    now = now or utcnow()
    if bargain.starter_member_id != member_id:
        raise BargainProblem(_("Only the shopper who started this bargain can buy it."), status=403)
    claimed = db.session.execute(
        update(Bargain).where(Bargain.id == bargain.id, Bargain.status.in_(Bargain.BUYABLE),
                              Bargain.expires_at > now, Bargain.current_price == price)
        .values(status=Bargain.ORDERED, order_id=order.id).execution_options(synchronize_session=False)).rowcount
    if claimed != 1:
        raise BargainProblem(_("This bargain has ended, was bought already, or its price just changed. "
                               "Reload the bargain."))
    db.session.add(BargainOrder(bargain_id=bargain.id, order_id=order.id))
    db.session.flush()


class BargainPrice(PriceRule):
    """Buying a bargain: one unit of its SKU at the price friends cut it to, once, by its
    starter (claimed by a conditional update in the order's transaction)."""

    kind = "bargain"

    def prices(self, sku_ids, *, member_id, campaign, now):
        found = db.session.scalar(select(Bargain).where(Bargain.id == campaign.id))
        if found is None:
            return {}
        title = db.session.scalar(select(BargainCampaign.title).where(BargainCampaign.id == found.campaign_id))
        return {found.sku_id: CampaignPrice(self.kind, title, found.sku_id, found.current_price, found.id,
                                            one_unit=_("A bargain order is one unit of its product."))}

    def claim(self, price, *, campaign, order, member_id, now):
        claim_for_order(db.session.get(Bargain, price.ref), order, member_id, price.price, now=now)


register_rule(BargainPrice())


def order_cancelled(order, now=None):
    """An unpaid bargain order was cancelled: the bargain can be bought again (or is over,
    past its deadline)."""
    now = now or utcnow()
    db.session.execute(
        update(Bargain).where(Bargain.order_id == order.id, Bargain.status == Bargain.ORDERED)
        .values(order_id=None, status=case((Bargain.expires_at <= now, Bargain.EXPIRED),
                                           (Bargain.current_price <= Bargain.floor_price, Bargain.FLOOR_REACHED),
                                           else_=Bargain.OPEN))
        .execution_options(synchronize_session=False))


def _end_if_due(bargain_id, now):
    return _end_due(now, Bargain.id == bargain_id)


def _end_due(now, *which):
    return db.session.execute(
        update(Bargain).where(*which, Bargain.status.in_(Bargain.BUYABLE), Bargain.expires_at <= now)
        .values(status=Bargain.EXPIRED).execution_options(synchronize_session=False)).rowcount


BARGAIN_DEADLINE = "bargain.deadline"
BARGAIN_FLOOR_REACHED = "bargain.floor_reached"  # the last cut reached the floor price: it can be bought now


def _schedule_expiry(bargain, now):
    publish(BARGAIN_DEADLINE, tenant_id=bargain.tenant_id, available_at=bargain.expires_at + timedelta(seconds=1),
            bargain_id=bargain.id)


order_hook("cancelled")(order_cancelled)
