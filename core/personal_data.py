"""A member's personal data is held by many packages; each says here what it holds, so a
shopper can get a copy (PIPL art. 45) or have it erased (art. 47), and how long it is kept
(retention), while this module knows none of them. Owners register at import:

    @exports_personal_data("addresses", order=20)
    def export_addresses(member_id):            # in the member's store: JSON-able rows
        return [...]

    @erases_personal_data("addresses", order=20)
    def erase_addresses(member_id, *, now):     # in the erasure's one transaction; raise a
        ...                                     # DomainError to refuse it (all rolls back)

    @retention_rule("audit_log", keep=timedelta(days=180), why="…", order=10)
    def purge_audit_log(cutoff, *, now):        # in a store's context: purge or anonymise
        return count                            # what is older than ``cutoff``; idempotent

Lower ``order`` runs first (ties by registration). An eraser that refuses (open orders,
money still owed) should come before the ones that change anything.
"""
from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class Holder:
    name: str
    order: int
    run: object


@dataclass(frozen=True)
class RetentionRule:
    name: str
    keep: timedelta  # the default period; a store's may be longer (set by the platform), never shorter
    why: str  # the reason shown in the retention table (the law, or the product's need)
    order: int
    purge: object


_exporters: dict[str, Holder] = {}
_erasers: dict[str, Holder] = {}
_retention: dict[str, RetentionRule] = {}


def exports_personal_data(name, *, order=50):
    """Register the decorated ``function(member_id) -> list[dict]`` as section ``name`` of a
    member's data export."""
    def register(function):
        _exporters[name] = Holder(name, order, function)
        return function
    return register


def erases_personal_data(name, *, order=50):
    """Register the decorated ``function(member_id, *, now)`` as a step of erasing a member."""
    def register(function):
        _erasers[name] = Holder(name, order, function)
        return function
    return register


def retention_rule(name, *, keep, why, order=50):
    """Register the decorated ``function(cutoff, *, now) -> int`` as retention rule ``name``."""
    if not isinstance(keep, timedelta):
        raise TypeError("keep is a timedelta")

    def register(function):
        _retention[name] = RetentionRule(name, keep, why, order, function)
        return function
    return register


def _ordered(registry):
    return sorted(registry.values(), key=lambda holder: holder.order)


def personal_data_exporters():
    return _ordered(_exporters)


def personal_data_erasers():
    return _ordered(_erasers)


def retention_rules():
    return _ordered(_retention)
