"""Bargain (砍价) work that runs later: deadlines, expiry and outbox subscribers."""
from commerce.marketing.bargains.service import BARGAIN_DEADLINE, _end_due, _end_if_due
from core.extensions import db
from core.models import utcnow
from core.outbox import subscriber
from core.sweep_steps import sweep_step


def expire_bargain(bargain_id, now=None):
    """Job at a bargain's deadline: unbought, it is over. Returns 1 if this run ended it."""
    ended = _end_if_due(bargain_id, now or utcnow())
    db.session.commit()
    return ended


@sweep_step(order=31, outcome="bargains_expired")
def expire_due_bargains(now=None):
    """Sweep (current store): every unbought bargain past its deadline is over, whether or
    not its expiry job ran. Returns how many this run ended."""
    ended = _end_due(now or utcnow())
    db.session.commit()
    return ended


@subscriber(BARGAIN_DEADLINE)
def expire_bargain_at_deadline(event):
    _end_if_due(event.payload["bargain_id"], utcnow())
