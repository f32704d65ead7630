"""Signed tokens and codes: the one way to hand out a value we must recognise later.

``sign``/``unsign`` wrap itsdangerous' ``URLSafeTimedSerializer`` for any JSON value (bearer
tokens, list cursors, links in emails); ``id_code``/``id_from_code`` make short codes that
people share (``?ref=42-Qx3vT0bKc1``). The salt names the purpose and, when given, the store:
a token made for one purpose or store is refused by every other. Keys come from
``SECRET_KEY``, with Flask's ``SECRET_KEY_FALLBACKS`` still accepted while keys rotate.
"""
import hashlib
import hmac

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, Signer, URLSafeTimedSerializer

CODE_SIGNATURE_LENGTH = 10  # base64 characters: 60 bits, plenty for a code nobody can query in bulk


class BadToken(Exception):
    """The token or code is not one we made for this purpose (and store), or it expired."""


class ExpiredToken(BadToken):
    """The token was ours but is older than ``max_age``."""


def sign(purpose, value, *, tenant_id=None):
    """``value`` (anything JSON can hold) as a URL-safe signed, timestamped token."""
    return _serializer(purpose, tenant_id).dumps(value)


def unsign(purpose, token, *, tenant_id=None, max_age=None):
    """The value ``sign`` put in ``token``.

    :raise ExpiredToken: signed by us, but more than ``max_age`` seconds ago
    :raise BadToken: forged, damaged, or signed for another purpose or store
    """
    try:
        return _serializer(purpose, tenant_id).loads(token or "", max_age=max_age)
    except SignatureExpired:
        raise ExpiredToken(purpose) from None
    except BadSignature:
        raise BadToken(purpose) from None


def id_code(purpose, number, *, tenant_id=None):
    """A short code naming the whole number ``number``: ``"42-Qx3vT0bKc1"``. It never expires;
    the same number always gives the same code (until the secret key changes)."""
    if not isinstance(number, int) or isinstance(number, bool) or number < 0:
        raise ValueError(f"id_code signs whole numbers, not {number!r}")
    return f"{number}-{_code_signature(purpose, tenant_id, number)}"


def id_from_code(purpose, code, *, tenant_id=None):
    """The number an ``id_code`` names, or None when the code is not ours for this purpose and
    store (a shared link with a mangled code simply finds nobody)."""
    number, _sep, signature = (code or "").partition("-")
    if not (number.isascii() and number.isdigit()) or len(number) > 12:
        return None
    for key in _secret_keys():
        if hmac.compare_digest(signature.encode(), _code_signature(purpose, tenant_id, int(number), key).encode()):
            return int(number)
    return None


def _salt(purpose, tenant_id):
    if not purpose or "." in purpose:
        raise ValueError(f"a token purpose is a plain name, not {purpose!r}")
    # "duoshop.api-member.7" is the salt commerce/members/wechat_login.py has always used.
    return f"duoshop.{purpose}" if tenant_id is None else f"duoshop.{purpose}.{tenant_id}"


def _secret_keys():
    """Older keys first, the current one last: itsdangerous signs with the last."""
    config = current_app.config
    return [*(config.get("SECRET_KEY_FALLBACKS") or ()), config["SECRET_KEY"]]


def _serializer(purpose, tenant_id):
    return URLSafeTimedSerializer(_secret_keys(), salt=_salt(purpose, tenant_id))


def _code_signature(purpose, tenant_id, number, key=None):
    signer = Signer(key or _secret_keys()[-1], salt=_salt(purpose, tenant_id), digest_method=hashlib.sha256)
    return signer.get_signature(str(number)).decode()[:CODE_SIGNATURE_LENGTH]
