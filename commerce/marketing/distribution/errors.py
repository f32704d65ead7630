"""What refuses a distribution (分销) request."""
from core.errors import DomainError


class DistributionProblem(DomainError):
    """A distribution action that cannot be done as asked."""

    status = 409


class ReferralRefused(DomainError):
    """The binding would be to oneself, make a loop, or replace an earlier referrer."""

    status = 409
