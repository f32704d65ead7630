"""Refusals from the tenancy services, with the field they concern."""
from flask_babel import lazy_gettext as _l

from core.errors import DomainError


class SlugUnavailable(DomainError):
    status = 409

    def __init__(self, slug):
        super().__init__(_l("The store address “%(slug)s” is already taken.", slug=slug), field="slug")


class SlugInvalid(DomainError):
    def __init__(self, message):
        super().__init__(message, field="slug")


class WeakPassword(DomainError):
    def __init__(self, message):
        super().__init__(message, field="password")


class AlreadyTaken(DomainError):
    status = 409


class InvalidValue(DomainError):
    """A value a form let through but the rules refuse."""


class NotAllowed(DomainError):
    status = 403


class StoreClosed(DomainError):
    """A suspended store's storefront and API: a polite "store closed" page, or problem+json
    on /api. Nothing is changed and the merchant console stays open for paying.

    Status 403, not 503 + Retry-After: 503 says our server is briefly unable to answer and
    asks clients and crawlers to retry at a known moment, while a suspension is the store's
    state, lasts until someone pays, and has no moment to promise (monitoring would also
    page us for an outage that is not one). 410 would say the store is gone for good, 451
    names a legal demand, and 402 asks the visitor to pay, who is not the one who owes.
    403 says what is true: understood, and not served while the store is closed.
    """

    status = 403

    def __init__(self):
        super().__init__(_l("This store is closed at the moment. Please check back later."),
                         extra={"title": _l("Store closed"), "code": "store_closed"})
