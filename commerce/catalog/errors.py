"""Refusals of the catalog's rules; each names the field the user has to fix."""
from core.errors import DomainError


class InvalidProduct(DomainError):
    """A product, its specs or its SKUs break a catalog rule (``field`` says which)."""


class InvalidCategory(DomainError):
    """A category change breaks the tree's rules (depth, cycles, unknown parent)."""


class InvalidLibraryImage(DomainError):
    """A library image's name or folder breaks a rule (``field`` says which)."""


class ImageInUse(DomainError):
    """The image is shown somewhere (``extra["used_by"]`` lists where), so it stays."""

    status = 409
