"""The one e-mail address rule of every form and service: what counts as an address.

Syntax is checked by ``email_validator`` (no DNS look-up). The reserved test domains
(``.test``, ``.localhost``, ``.example``, RFC 2606/6761) are refused in production, where
mail to them goes nowhere, and allowed in development and tests (``app.debug``,
``app.testing`` or ``ALLOW_TEST_EMAIL_DOMAINS``), where the demo logins use ``@demo.test``.
"""
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import lazy_gettext as _l

from core.errors import DomainError

RESERVED_TEST_DOMAINS = ("test", "localhost", "example")
_STAND_IN_TLD = "com"  # a reserved test domain is checked for syntax as if it were a .com


class InvalidEmail(DomainError):
    """Not an address a message can be sent to."""


def test_domains_allowed(app=None):
    app = app or current_app
    return bool(app.debug or app.testing or app.config.get("ALLOW_TEST_EMAIL_DOMAINS"))


def normalize_email(address, *, field="email", allow_test_domains=None):
    """``address`` stripped and lower-cased, once it is a valid address.

    :raise InvalidEmail: not an address, or a reserved test domain where those are refused
    """
    address = (address or "").strip().lower()
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain:
        raise InvalidEmail(_l("Enter a valid email address."), field=field)
    top_level = domain.rstrip(".").rpartition(".")[2]
    if top_level in RESERVED_TEST_DOMAINS:
        if not (test_domains_allowed() if allow_test_domains is None else allow_test_domains):
            raise InvalidEmail(_l("%(domain)s is reserved for testing: enter an address that receives mail.",
                                  domain=domain), field=field)
        host = domain.rstrip(".")
        _check(f"{local}@{host.rpartition('.')[0] or host}.{_STAND_IN_TLD}", field)
        return address
    return _check(address, field)


def _check(address, field):
    try:
        return validate_email(address, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise InvalidEmail(_l("Enter a valid email address."), field=field) from None
