"""What refuses a flash-sale (秒杀) request."""
from core.errors import DomainError


class FlashSaleProblem(DomainError):
    """The flash sale cannot be bought or saved as asked; ``field`` names what to fix."""

    status = 409
