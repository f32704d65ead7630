"""Password-reset links: signed (``core.tokens``), good for ``MAX_AGE``, and single-use.

The token carries the account's reference and a fingerprint of its current password hash
(a keyed hash, never the hash itself). Setting a new password changes the hash, so the
link — and every other link sent before — stops working: no used-token table to keep.
"""
import hashlib
import hmac

from flask import current_app

from core.tokens import BadToken, sign, unsign

MAX_AGE = 30 * 60  # seconds a reset link stays good


def reset_token(purpose, reference, password_hash):
    """A link token for the account ``reference`` (a list of ids) with this password hash."""
    return sign(purpose, [*reference, _fingerprint(password_hash)])


def account_for_reset(purpose, token, find):
    """The account ``find(*reference)`` returns for a token made by ``reset_token``, or None
    when the token is forged, older than ``MAX_AGE``, or the password changed since (used)."""
    try:
        value = unsign(purpose, token, max_age=MAX_AGE)
    except BadToken:
        return None
    if not isinstance(value, list) or len(value) < 2 or not all(isinstance(v, int) for v in value[:-1]):
        return None
    account = find(*value[:-1])
    if account is None or not hmac.compare_digest(str(value[-1]), _fingerprint(account.password_hash)):
        return None
    return account


def _fingerprint(password_hash):
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, (password_hash or "").encode(), hashlib.sha256).hexdigest()[:24]
