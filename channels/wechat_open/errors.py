"""What WeChat's open platform (or the wait for it) can refuse."""
from flask_babel import lazy_gettext as _l

from core.errors import DomainError

QUOTA_ERRCODES = (45009,)  # reach max api daily quota limit
ALREADY_RELEASED = 85052
NO_AUDIT = 85058


class WeChatOpenError(DomainError):
    """WeChat answered with an ``errcode``: the call was refused, nothing happened there."""

    status = 502

    def __init__(self, message=None, *, errcode=None, errmsg=None):
        super().__init__(message or _l("WeChat refused the request (%(code)s).", code=errcode))
        self.errcode, self.errmsg = errcode, errmsg


class QuotaReached(WeChatOpenError):
    """WeChat's daily quota for the call is spent: try again tomorrow, never in a loop."""

    status = 429


class OutcomeUnknown(DomainError):
    """WeChat could not be reached or answered no JSON: the call may or may not have been
    applied there, so whoever retries must first ask WeChat what happened."""

    status = 502

    def __init__(self):
        super().__init__(_l("WeChat could not be reached. Please try again in a moment."))


class PublishingRefused(DomainError):
    """A step the store's pipeline does not allow now (not authorised, nothing to release)."""
