"""An order's price lines: the quote it was placed with, kept on the order as JSON
(``Order.price_lines``), or — for orders placed before that — derived from its columns."""
from flask_babel import gettext as _

from commerce.pricing.quote import (
    COUPON,
    COUPONS_AND_POINTS,
    DEPOSIT_BONUS,
    LEVEL,
    POINTS,
    REGULAR,
    Adjustment,
    PriceLine,
    Receipt,
)

FLASH_SALE = "flash_sale"


def adjustment_label(adjustment):
    """How a price line reads to shoppers and staff (the pages' ``price_totals``, the API's discounts)."""
    if adjustment.kind == LEVEL:
        return _("Member discount") + (f" · {adjustment.name}" if adjustment.name else "")
    if adjustment.kind == COUPON:
        return _("Coupon %(name)s", name=adjustment.name)
    if adjustment.kind == POINTS:
        return _("%(points)s points", points=adjustment.name)
    if adjustment.kind == COUPONS_AND_POINTS:
        return _("Coupons and points")
    if adjustment.kind == DEPOSIT_BONUS:
        return _("Deposit counts for more")
    return adjustment.name


def receipt_json(quote):
    """What an order keeps of its quote."""
    return {"lines": [{"sku_id": line.sku_id, "title": line.title, "sku_label": line.sku_label,
                       "unit_price": line.unit_price, "rule": line.rule, "rule_name": line.rule_name,
                       "regular_price": line.regular_price, "quantity": line.quantity, "amount": line.amount}
                      for line in quote.lines],
            "goods": quote.goods,
            "adjustments": [{"kind": a.kind, "name": a.name, "amount": a.amount, "ref": a.ref}
                            for a in quote.adjustments],
            "shipping": quote.shipping, "total": quote.total}


def order_receipt(order):
    """The lines the order was priced with."""
    kept = order.price_lines
    if kept:
        return Receipt(tuple(PriceLine(**line) for line in kept["lines"]), kept["goods"],
                       tuple(Adjustment(**a) for a in kept["adjustments"]), kept["shipping"], kept["total"])
    return derived_receipt(order)


def derived_receipt(order):
    """The price lines of an order placed before they were kept: from its lines and columns.
    Coupons and points were kept as one figure then, so they are one line."""
    lines = tuple(PriceLine(line.sku_id, line.title, line.sku_label, line.price,
                            FLASH_SALE if line.flash_sale_item_id is not None else REGULAR, "", line.price,
                            line.quantity, line.price * line.quantity) for line in order.lines)
    adjustments = []
    if order.member_discount:
        adjustments.append(Adjustment(LEVEL, "", order.member_discount))
    if order.discount:
        adjustments.append(Adjustment(COUPONS_AND_POINTS, "", order.discount))
    return Receipt(lines, order.subtotal + order.member_discount, tuple(adjustments), order.shipping_fee, order.total)

