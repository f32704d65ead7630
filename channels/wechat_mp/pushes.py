"""Scheduled pushes: a news card (a product or page of the store) the merchant composes for
one of the seed's two slots, 10:00 or 20:00 China time. The sweep sends each due push to
every member who follows the account and whose latest marketing choice is a grant
(``has_consent(member, MARKETING)``); a following member without it is counted as skipped.
Each card goes out through ``send_once`` under ``push:<push>:<member>``, so a push whose
worker died is picked up again after ``LEASE`` and sends nobody a second card."""
from datetime import datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, update

from channels.wechat_mp import client
from channels.wechat_mp.accounts import account_of
from channels.wechat_mp.errors import NotBound, OfficialAccountRefused
from channels.wechat_mp.links import absolute_url, target_url
from channels.wechat_mp.models import Follower, Push, Send
from channels.wechat_mp.sends import send_once
from channels.wechat_mp.tokens import with_token
from commerce.members.consent import has_consent
from commerce.members.models import MemberConsent
from core.audit import record_audit
from core.clock import from_china
from core.extensions import db
from core.models import utcnow
from core.sweep_steps import sweep_step

SLOTS = {"10": time(10, 0), "20": time(20, 0)}  # the seed's two daily push times, China time
LEASE = timedelta(minutes=10)


def slot_choices():
    return [("10", _l("10:00 morning")), ("20", _l("20:00 evening"))]


def schedule_push(*, actor, title, description, picture_url, target, day, slot, now=None):
    """A push for ``day`` (a China date) at ``slot`` ("10" or "20").

    :raise NotBound, OfficialAccountRefused:
    """
    if account_of() is None:
        raise NotBound(_l("Bind your official account first."))
    title, description = (title or "").strip(), (description or "").strip()
    if not title or len(title) > 64:
        raise OfficialAccountRefused(_l("Give the card a title of at most 64 characters."), field="title")
    if len(description) > 120:
        raise OfficialAccountRefused(_l("At most %(count)s characters.", count=120), field="description")
    if slot not in SLOTS:
        raise OfficialAccountRefused(_l("Choose 10:00 or 20:00."), field="slot")
    if day is None:
        raise OfficialAccountRefused(_l("Choose the day."), field="day")
    send_at = from_china(datetime.combine(day, SLOTS[slot]))
    if send_at <= (now or utcnow()):
        raise OfficialAccountRefused(_l("That time has passed: choose a later day or slot."), field="day")
    push = Push(title=title, description=description, picture_url=(picture_url or "").strip() or None,
                target=target, send_at=send_at, staff_label=getattr(actor, "email", None))
    db.session.add(push)
    db.session.flush()
    record_audit("official_account.push_scheduled", actor=actor, target=push, details={"title": title})
    return push


def cancel_push(push, *, actor):
    """A push not started yet is taken back. Returns whether it was."""
    cancelled = db.session.execute(update(Push).where(Push.id == push.id, Push.status == Push.SCHEDULED)
                                   .values(status="cancelled").execution_options(synchronize_session=False)).rowcount
    if cancelled:
        record_audit("official_account.push_cancelled", actor=actor, target=push, details={"title": push.title})
    return bool(cancelled)


def store_pushes():
    return db.session.scalars(select(Push).order_by(Push.send_at.desc()).limit(50)).all()


@sweep_step(order=85, outcome="official_account_pushes")
def send_due_pushes(now=None):
    """Send every due push of the store (and finish one a dead worker left); how many finished."""
    now = now or utcnow()
    due = db.session.scalars(select(Push.id).where(Push.send_at <= now, or_(
        Push.status == Push.SCHEDULED, (Push.status == Push.SENDING) & (Push.updated_at <= now - LEASE)))).all()
    finished = 0
    for push_id in due:
        claimed = db.session.execute(
            update(Push).where(Push.id == push_id, or_(Push.status == Push.SCHEDULED, Push.updated_at <= now - LEASE),
                               Push.status != Push.DONE)
            .values(status=Push.SENDING, updated_at=now).execution_options(synchronize_session=False)).rowcount
        db.session.commit()
        if claimed:
            run_push(db.session.get(Push, push_id, populate_existing=True), now=now)
            finished += 1
    return finished


def run_push(push, *, now=None):
    account = account_of()
    if account is None:
        push.status, push.finished_at = Push.DONE, now or utcnow()
        db.session.commit()
        return
    followers = db.session.execute(select(Follower.member_id, Follower.openid).where(
        Follower.following.is_(True), Follower.member_id.is_not(None)).order_by(Follower.id)).all()
    article = {"title": push.title, "description": push.description, "url": target_url(push.target),
               "picurl": absolute_url(push.picture_url)}
    skipped = 0
    for member_id, openid in followers:
        if not has_consent(member_id, MemberConsent.MARKETING):
            skipped += 1
            continue
        message = {"touser": openid, "msgtype": "news", "news": {"articles": [article]}}
        send_once(key=f"push:{push.id}:{member_id}", kind="push", member_id=member_id, openid=openid,
                  push_id=push.id, call=lambda message=message: with_token(
                      account, lambda token: client.send_custom(token, message)))
    counts = dict(db.session.execute(select(Send.status, func.count()).where(Send.push_id == push.id)
                                     .group_by(Send.status)).all())
    push.sent = counts.get(Send.SENT, 0)
    push.failed = counts.get(Send.FAILED, 0) + counts.get(Send.UNKNOWN, 0)
    push.skipped, push.status, push.finished_at = skipped, Push.DONE, now or utcnow()
    db.session.commit()

