"""Refusals of billing verbs; each reaches the user as its message with its 4xx status."""
from flask_babel import lazy_gettext as _l

from core.errors import DomainError


class BillingError(DomainError):
    """A billing action is not possible now (wrong state, nothing to pay, bad amount)."""

    status = 409


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
