"""Refusals of billing verbs; each reaches the user as its message with its 4xx status."""

from core.errors import DomainError


class BillingError(DomainError):
    """A billing action is not possible now (wrong state, nothing to pay, bad amount)."""

    status = 409
