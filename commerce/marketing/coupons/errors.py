"""Refusals of the coupon engine; each becomes a message for the shopper or the merchant."""
from core.errors import DomainError


class CouponInvalid(DomainError):
    """A coupon's settings break a rule; ``extra["errors"]`` maps each field to its message."""


class CouponUnavailable(DomainError):
    """The coupon cannot be claimed or used (paused, ended, all claimed, limit reached, spent)."""

    status = 409
