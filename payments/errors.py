"""Refusals from WeChat Pay, and notifications we will not believe."""
from core.errors import DomainError


class PaymentError(DomainError):
    """WeChat Pay refused or could not be reached. ``code`` is WeChat's own (``ORDERPAID``,
    ``SIGN_ERROR`` …, or None when it never answered), ``http_status`` its HTTP status."""

    status = 502  # the upstream failed us; the shopper can try again

    def __init__(self, message, *, code=None, http_status=None):
        super().__init__(message, extra={"wechat_code": code} if code else None)
        self.code, self.http_status = code, http_status


class InvalidNotification(DomainError):
    """A notification whose signature, age or encryption does not check out: answer it
    with an error (WeChat will retry a genuine one) and apply nothing."""

    status = 400
