"""One message to one follower, sent at most once: its fixed key (event and member) is
inserted with status ``pending`` and COMMITTED before WeChat is asked. A rerun (the outbox
retrying a job, two workers at once) finds the key: a finished send is left alone; a
``pending`` one — the call may or may not have reached WeChat, which offers no way to ask —
becomes ``unknown`` and is not sent again. A follower may miss a notice; none gets two."""
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from channels.wechat_mp.models import Send
from channels.wechat_open.errors import OutcomeUnknown, WeChatOpenError
from core.extensions import db
from core.models import utcnow


def send_once(*, key, kind, member_id, openid, call, push_id=None):
    """Run ``call()`` (it returns WeChat's msgid or None) unless ``key`` was sent; the send's status."""
    existing = db.session.scalar(select(Send).where(Send.key == key))
    if existing is not None:
        if existing.status == Send.PENDING:
            existing.status = Send.UNKNOWN
            db.session.commit()
        return existing.status
    send = Send(key=key, kind=kind, member_id=member_id, openid=openid, push_id=push_id, status=Send.PENDING)
    try:
        with db.session.begin_nested():
            db.session.add(send)
    except IntegrityError:
        return Send.PENDING  # another worker holds this key right now
    db.session.commit()  # the intent, before WeChat hears of it
    try:
        send.msgid = call() or None
        send.status, send.sent_at = Send.SENT, utcnow()
    except WeChatOpenError as refusal:
        send.status, send.error = Send.FAILED, f"{refusal.errcode} {refusal.errmsg}"[:255]
    except OutcomeUnknown:
        send.status = Send.UNKNOWN
    db.session.commit()
    return send.status
