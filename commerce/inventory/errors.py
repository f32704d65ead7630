"""Refusals of the inventory rules; each names the field the user has to fix."""
from core.errors import DomainError


class InvalidBatch(DomainError):
    """A batch receipt breaks a rule (``field`` says which)."""


class InvalidStockPlan(DomainError):
    """A safety-stock setting, lead time or override is out of range (``field`` says which)."""
