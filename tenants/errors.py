"""Refusals from the tenancy services, with the field they concern."""
from flask_babel import lazy_gettext as _l

from core.errors import DomainError


class SlugUnavailable(DomainError):
    status = 409

    def __init__(self, slug):
        super().__init__(_l("The store address “%(slug)s” is already taken.", slug=slug), field="slug")


class SlugInvalid(DomainError):
    def __init__(self, message):
        super().__init__(message, field="slug")


class WeakPassword(DomainError):
    def __init__(self, message):
        super().__init__(message, field="password")


class AlreadyTaken(DomainError):
    status = 409


class InvalidValue(DomainError):
    """A value a form let through but the rules refuse."""


class NotAllowed(DomainError):
    status = 403
