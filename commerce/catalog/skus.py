"""The spec matrix (颜色 × 尺码 …) and the rules of SKU prices and stock — pure functions.

Specs come in as ``[(name, [value, …]), …]``; every combination of one value per spec is
one SKU, identified by its tuple of values in spec order.
"""
from itertools import product as cartesian

from flask_babel import gettext as _

from commerce.catalog.errors import InvalidProduct

MAX_SPECS = 3
MAX_VALUES_PER_SPEC = 20
MAX_SKUS = 400
MAX_SPEC_TEXT = 20
MAX_PRICE = 1_000_000_000  # fen (10 million yuan); keeps amounts inside a 32-bit column


def normalize_specs(specs):
    """Trimmed ``[(name, (values…)), …]``, or :class:`InvalidProduct` naming the spec."""
    specs = list(specs or [])
    if len(specs) > MAX_SPECS:
        raise InvalidProduct(_("A product can have at most %(n)d specs.", n=MAX_SPECS), field="specs")
    normalized, names = [], set()
    for name, values in specs:
        name = (name or "").strip()
        if not name:
            raise InvalidProduct(_("Every spec needs a name."), field="specs")
        if len(name) > MAX_SPEC_TEXT:
            raise InvalidProduct(_("Spec name %(name)s is too long.", name=name), field="specs")
        if name in names:
            raise InvalidProduct(_("Spec %(name)s appears twice.", name=name), field="specs")
        names.add(name)
        cleaned = [(value or "").strip() for value in values]
        if not cleaned or any(not value for value in cleaned):
            raise InvalidProduct(_("Spec %(name)s needs non-empty values.", name=name), field="specs")
        if len(cleaned) > MAX_VALUES_PER_SPEC:
            raise InvalidProduct(_("Spec %(name)s can have at most %(n)d values.", name=name, n=MAX_VALUES_PER_SPEC),
                                 field="specs")
        for value in cleaned:
            if len(value) > MAX_SPEC_TEXT:
                raise InvalidProduct(_("Value %(value)s of spec %(name)s is too long.", value=value, name=name),
                                     field="specs")
        if len(set(cleaned)) != len(cleaned):
            raise InvalidProduct(_("Spec %(name)s has a duplicate value.", name=name), field="specs")
        normalized.append((name, tuple(cleaned)))
    return normalized


def spec_combinations(specs):
    """Every combination of one value per spec, in matrix order; ``[()]`` without specs.

    :raise InvalidProduct: bad specs, or more than ``MAX_SKUS`` combinations
    """
    specs = normalize_specs(specs)
    count = 1
    for _name, values in specs:
        count *= len(values)
    if count > MAX_SKUS:
        raise InvalidProduct(_("These specs make %(count)d SKUs; the limit is %(n)d.", count=count, n=MAX_SKUS),
                             field="specs")
    return [tuple(combo) for combo in cartesian(*(values for _name, values in specs))]


def check_sku_numbers(*, label, price, market_price=None, stock=0, weight=None):
    """Refuse a negative price, stock or weight, or a market price below the price."""
    where = label or _("the product")
    if price is None or price < 0:
        raise InvalidProduct(_("Price of %(sku)s must be zero or more.", sku=where), field="price")
    if price > MAX_PRICE or (market_price or 0) > MAX_PRICE:
        raise InvalidProduct(_("Price of %(sku)s is too large.", sku=where), field="price")
    if market_price is not None and market_price < price:
        raise InvalidProduct(_("Market price of %(sku)s must be empty or at least its price.", sku=where),
                             field="market_price")
    if stock is None or stock < 0:
        raise InvalidProduct(_("Stock of %(sku)s must be zero or more.", sku=where), field="stock")
    if stock > MAX_PRICE or (weight or 0) > MAX_PRICE:
        raise InvalidProduct(_("Stock or weight of %(sku)s is too large.", sku=where), field="stock")
    if weight is not None and weight < 0:
        raise InvalidProduct(_("Weight of %(sku)s must be zero or more.", sku=where), field="weight")


def displayed_price(skus):
    """The price a product shows: its lowest SKU price."""
    prices = [sku.price for sku in skus]
    return min(prices) if prices else 0
