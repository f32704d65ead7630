"""What refuses a flash-sale (秒杀) request."""
from flask_babel import lazy_gettext as _l

from core.errors import DomainError


class FlashSaleProblem(DomainError):
    """The flash sale cannot be bought or saved as asked; ``field`` names what to fix."""

    status = 409


class FlashSaleSoldOut(FlashSaleProblem):
    """The sale's units are gone (「已抢光」); the gate answers it before any database work."""

    def __init__(self, message=None, **kwargs):
        super().__init__(message or _l("Sorry, the flash sale is sold out."), **kwargs)
