"""Refusals of the catalog's rules; each names the field the user has to fix."""
from core.errors import DomainError


class InvalidProduct(DomainError):
    """A product, its specs or its SKUs break a catalog rule (``field`` says which)."""


class InvalidCategory(DomainError):
    """A category change breaks the tree's rules (depth, cycles, unknown parent)."""
