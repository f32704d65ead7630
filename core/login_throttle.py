"""Failed sign-ins counted per account, with a back-off: the per-IP limit alone lets one
address be guessed at from many, and trips for everyone behind one NAT.

The count lives in the database (``login_failures``, a platform table), so it holds on
SQLite without Redis as on PostgreSQL, across processes. An account is named by its realm
(``console``, ``platform``) and its e-mail; the row is keyed by a keyed hash of both, so the
table holds no addresses and counts unknown addresses exactly like real ones (nothing tells
which exist).

- ``FREE_TRIES`` failures in a row cost nothing; each one after blocks the account for a
  back-off that doubles from ``FIRST_BACKOFF`` up to ``MAX_BACKOFF``.
- While blocked, a sign-in is refused before the password is looked at, and such refusals
  are not counted: the block never grows while the owner waits, and once it ends the right
  password works at once. A success forgets the count; so does ``FORGET_AFTER`` of quiet.
"""
import hashlib
import hmac
import math
import time
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import Integer, String, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from core.extensions import db
from core.models import UtcDateTime, utcnow

FREE_TRIES = 5
FIRST_BACKOFF = timedelta(seconds=30)
MAX_BACKOFF = timedelta(minutes=15)
FORGET_AFTER = timedelta(hours=1)


class LoginFailure(db.Model):
    __tablename__ = "login_failures"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    last_failed_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    blocked_until: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


def seconds_blocked(realm, account, *, now=None):
    """How long ``account`` must still wait before a sign-in is looked at (0: not blocked)."""
    row = db.session.get(LoginFailure, _key(realm, account))
    now = now or utcnow()
    if row is None or row.blocked_until is None or row.blocked_until <= now:
        return 0
    return math.ceil((row.blocked_until - now).total_seconds())


def record_failure(realm, account, *, now=None):
    """Count one failed sign-in (not committed); returns the seconds the account is now
    blocked for (0 while it has free tries left)."""
    now = now or utcnow()
    key = _key(realm, account)
    row = db.session.get(LoginFailure, key, with_for_update=True)
    if row is None:
        try:
            with db.session.begin_nested():
                row = LoginFailure(key=key, failures=0, last_failed_at=now)
                db.session.add(row)
        except IntegrityError:  # another request counted this account's first failure
            row = db.session.scalar(select(LoginFailure).where(LoginFailure.key == key).with_for_update())
    if now - row.last_failed_at > FORGET_AFTER:
        row.failures = 0
    row.failures += 1
    row.last_failed_at = now
    over = row.failures - current_app.config.get("LOGIN_ACCOUNT_FREE_TRIES", FREE_TRIES)
    if over <= 0:
        row.blocked_until = None
        return 0
    backoff = min(FIRST_BACKOFF * 2 ** min(over - 1, 16), MAX_BACKOFF)
    row.blocked_until = now + backoff
    db.session.flush()
    return math.ceil(backoff.total_seconds())


def forget_failures(realm, account):
    """A successful sign-in (or a new password): the account starts afresh (not committed)."""
    row = db.session.get(LoginFailure, _key(realm, account))
    if row is not None:
        db.session.delete(row)


def failed_sign_in(response):
    """For the per-IP limiter's ``deduct_when``: it counts refused sign-ins, never successes."""
    return response.status_code == 401


def seconds_to_reset(limit):
    """How long until the per-IP limit that tripped (a flask-limiter ``RequestLimit``) lets go."""
    return max(limit.reset_at - time.time(), 1)


def blocked_message(seconds):
    """What the sign-in form says while an account (or an address) must wait."""
    if seconds > 90:
        wait = ngettext("%(num)d minute", "%(num)d minutes", math.ceil(seconds / 60))
    else:
        wait = ngettext("%(num)d second", "%(num)d seconds", max(int(seconds), 1))
    return _("Too many failed sign-ins. For your security, try again in %(wait)s.", wait=wait)


def _key(realm, account):
    message = f"{realm}:{(account or '').strip().lower()}".encode()
    return hmac.new(current_app.config["SECRET_KEY"].encode(), message, hashlib.sha256).hexdigest()
