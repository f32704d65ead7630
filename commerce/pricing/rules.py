"""Campaign prices as rules that marketing registers: a rule prices SKUs (a flash sale, on
its own, for every cart; a group buy or a bargain when the shopper checks out through it)
and reserves what the order takes from the campaign inside the order's transaction.

Orders name no campaign: ``place_order`` asks the registry."""
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Campaign:
    """The campaign a shopper checks out through: a registered rule's ``kind``, the
    campaign's ``id`` and, for a group buy, the team to ``join`` (None opens one)."""

    kind: str
    id: int
    join: int | None = None


@dataclass(frozen=True)
class CampaignPrice:
    """A campaign's price for one SKU, as its rule loaded it."""

    kind: str  # the rule's kind: flash_sale, group_buy, bargain
    name: str  # the campaign's title, shown on the line
    sku_id: int
    price: int  # fen per unit
    ref: int  # the rule's own row (flash sale item, group buy, bargain)
    one_unit: str | None = None  # the refusal when the order is not exactly one unit of the SKU
    line_fields: tuple = field(default=())  # (column, value) pairs the order line keeps
    ships_from: datetime | None = None  # a pre-sale's: nothing is sent before this moment
    deposit: "DepositTerms | None" = None  # a pre-sale paid as deposit (定金) + balance (尾款)


@dataclass(frozen=True)
class DepositTerms:
    """A deposit pre-sale's terms per unit: the deposit paid now and what it counts as
    against the price at the balance (定金膨胀 when more), the balance window, and whether an
    unpaid balance keeps the deposit (``kept``) or gives it back."""

    deposit: int  # fen per unit, paid when ordering
    worth: int  # fen per unit the deposit takes off the price (>= deposit)
    balance_starts_at: datetime
    balance_ends_at: datetime
    kept: bool = True


class PriceRule:
    """Base of the rules marketing registers; the hooks run inside the order's transaction."""

    kind = ""
    automatic = False  # True: prices any cart without being chosen (flash sales)

    def prices(self, sku_ids, *, member_id, campaign, now):
        """``{sku id: CampaignPrice}`` (reads the database)."""
        return {}

    def reserve(self, price, *, member_id, quantity, now):
        """Before the SKU's own stock is taken (same lock order as cancelling)."""

    def claim(self, price, *, campaign, order, member_id, now):
        """After the order is written (``campaign``: what the shopper chose)."""


_RULES = {}


def register_rule(rule):
    _RULES[rule.kind] = rule
    return rule


def rule_for(kind):
    return _RULES.get(kind)


def automatic_rules():
    return [rule for rule in _RULES.values() if rule.automatic]
