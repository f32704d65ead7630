"""What refuses a pre-sale (预售) request."""
from flask_babel import lazy_gettext as _l

from core.errors import DomainError


class PresaleProblem(DomainError):
    """The pre-sale cannot be bought or saved as asked; ``field`` names what to fix."""

    status = 409


class PresaleSoldOut(PresaleProblem):
    """The pre-sale's units are all booked."""

    def __init__(self, message=None, **kwargs):
        super().__init__(message or _l("Sorry, every pre-sale unit has been booked."), **kwargs)
