"""What refuses a bargain (砍价) request."""
from core.errors import DomainError


class BargainProblem(DomainError):
    """The bargain cannot be started, helped, bought or saved as asked; ``field`` names what to fix."""

    status = 409
