"""What refuses a invite (邀请有礼) request."""
from core.errors import DomainError


class InviteProblem(DomainError):
    """The invite tiers cannot be saved as entered."""

    status = 422
