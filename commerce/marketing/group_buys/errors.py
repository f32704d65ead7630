"""What refuses a group-buy (拼团) request."""
from core.errors import DomainError


class GroupBuyProblem(DomainError):
    """The group buy cannot be joined or saved as asked."""

    status = 409
