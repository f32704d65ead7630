"""The coupon arithmetic, without a database: which basket lines a coupon covers, what it
takes off them, and how several coupons add up (see ``commerce.marketing.coupons`` for the
rules as the merchant sets them)."""
from dataclasses import dataclass

AMOUNT_OFF, NO_THRESHOLD, PERCENT_OFF = "amount_off", "no_threshold", "percent_off"
PRODUCTS, CATEGORIES = "products", "categories"


@dataclass(frozen=True)
class CouponLine:
    """What a coupon looks at in one basket line: the product, its category and parent, fen."""

    product_id: int
    category_ids: tuple
    amount: int


def covers(coupon, line):
    if coupon.scope == PRODUCTS:
        return line.product_id in coupon.target_ids
    if coupon.scope == CATEGORIES:
        return any(category_id in coupon.target_ids for category_id in line.category_ids)
    return True


def coupon_discount(coupon, lines):
    """Fen ``coupon`` (anything with a coupon's terms) takes off ``lines``; 0 if it does not apply."""
    eligible = sum(line.amount for line in lines if covers(coupon, line))
    if eligible <= 0 or (coupon.kind != NO_THRESHOLD and eligible < coupon.threshold):
        return 0
    if coupon.kind == PERCENT_OFF:
        off = eligible * coupon.percent_off // 100  # rounded down to the fen
        if coupon.max_discount is not None:
            off = min(off, coupon.max_discount)
    else:
        off = coupon.amount_off
    return min(off, eligible)


def combined_discount(amounts, subtotal, shipping_fee):
    """Discounts add up to at most the items' subtotal, leaving at least 1 fen to pay."""
    return max(0, min(sum(amounts), subtotal, subtotal + shipping_fee - 1))
