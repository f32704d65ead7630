"""The one price quote: what an order of these lines costs, line by line and discount by
discount. ``quote`` reads no database; ``commerce.pricing.loader`` loads what it needs.

The rules, in the order they apply (each exactly as checkout has always charged):
1. a line's unit price is the chosen campaign's (group buy, bargain — then the order is one
   unit of its SKU), else a flash sale's running now, else the SKU's regular price;
2. the member level's discount comes off goods at their regular price only, floored to the fen;
3. shipping is priced on the goods after the level's discount (free-shipping thresholds);
4. coupons are worked out on the lines' amounts and together take at most the goods after
   the level's discount, leaving at least 1 fen to pay (with shipping);
5. points come off the goods left after coupons, at most the store's cap;
6. a deposit pre-sale (定金 + 尾款) splits the total: the deposit is due now, and the balance
   later is the total less what the deposit counts as; a deposit that counts as more than
   it cost (定金膨胀) takes the difference off as its own price line.
"""
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _

from commerce.members.levels import discounted_goods
from commerce.members.points import redemption_for
from commerce.pricing.coupons import CouponLine, combined_discount, coupon_discount
from commerce.shipping.errors import NotDeliverable
from commerce.shipping.service import quote_shipping
from core.money import format_money

REGULAR = "regular"
LEVEL, CAMPAIGN, COUPON, POINTS, COUPONS_AND_POINTS = "level", "campaign", "coupon", "points", "coupons_and_points"
DEPOSIT_BONUS = "deposit_bonus"


# --- what the quote reads -------------------------------------------------------------------

@dataclass(frozen=True)
class Item:
    """A line asked for: a SKU, how many, and the unit price the shopper saw (if known)."""

    sku_id: int
    quantity: int
    seen_price: int | None = None


@dataclass(frozen=True)
class Goods:
    """A SKU as priced: its product, categories (with the parent) and regular price."""

    sku_id: int
    product_id: int
    category_ids: tuple
    title: str
    sku_label: str
    price: int
    weight: int | None
    on_sale: bool


@dataclass(frozen=True)
class Level:
    name: str
    discount_percent: int | None


@dataclass(frozen=True)
class HeldCoupon:
    """A member's copy of a coupon, with the coupon's terms."""

    id: int  # the member's copy
    coupon_id: int
    name: str
    kind: str
    amount_off: int | None
    threshold: int
    percent_off: int | None
    max_discount: int | None
    scope: str
    target_ids: tuple
    stackable: bool
    valid_from: datetime
    valid_until: datetime
    usable: bool  # available or returned (not used, not expired)

    def is_usable_at(self, moment):
        return self.usable and self.valid_from <= moment < self.valid_until


@dataclass(frozen=True)
class PointsRules:
    points_per_yuan_off: int
    cap_percent: int


@dataclass(frozen=True)
class PriceBook:
    """Everything a quote reads, loaded for one store, member and moment."""

    goods: dict  # sku id → Goods
    automatic: dict = field(default_factory=dict)  # sku id → CampaignPrice running now (flash sales)
    chosen: object = None  # the chosen campaign's CampaignPrice, or None
    level: Level | None = None
    member_points: int = 0
    points_rules: PointsRules | None = None
    coupons: tuple = ()  # HeldCoupon, the member's copies that can be used now
    shipping: object = None  # the default shipping template (rules loaded), or None: ships free


# --- what the quote says --------------------------------------------------------------------

@dataclass(frozen=True)
class PriceLine:
    sku_id: int
    title: str
    sku_label: str
    unit_price: int  # fen, what the line is charged per unit
    rule: str  # what set the unit price: "regular" or a campaign rule's kind
    rule_name: str  # the campaign's title ("" at the regular price)
    regular_price: int
    quantity: int
    amount: int  # unit_price × quantity


@dataclass(frozen=True)
class Adjustment:
    """A named line of the price: a discount (``amount`` comes off) or, for ``campaign``,
    what a campaign price saved (already in the lines' prices)."""

    kind: str
    name: str
    amount: int
    ref: int | None = None  # the member's coupon copy, the points spent

    @property
    def in_line_prices(self):
        return self.kind == CAMPAIGN


@dataclass(frozen=True)
class Refusal:
    """Why something asked for is not in the quote. A ``blocking`` one stops the order."""

    kind: str  # line, campaign, address, coupon, points
    message: str
    field: str | None = None
    blocking: bool = True


@dataclass(frozen=True)
class CouponOffer:
    held: HeldCoupon
    discount: int  # fen it takes off this order on its own


@dataclass(frozen=True)
class Receipt:
    """The lines of a price, as the shopper and the merchant see them."""

    lines: tuple
    goods: int  # the lines' amounts added up
    adjustments: tuple  # Adjustment, in the order they apply
    shipping: int | None  # None: not known yet (no address)
    total: int

    @property
    def discounts(self):
        return tuple(a for a in self.adjustments if not a.in_line_prices)

    @property
    def savings(self):
        return tuple(a for a in self.adjustments if a.in_line_prices)

    def amount_of(self, kind):
        return sum(a.amount for a in self.adjustments if a.kind == kind)


@dataclass(frozen=True)
class PaymentSplit:
    """How a deposit pre-sale's total is paid: ``deposit`` now, ``balance`` in the window;
    ``counts_as`` is what the deposit takes off at the balance. deposit + balance = total."""

    deposit: int
    counts_as: int
    balance: int
    balance_starts_at: datetime
    balance_ends_at: datetime
    kept: bool  # an unpaid balance keeps the deposit (True) or gives it back


@dataclass(frozen=True)
class Quote(Receipt):
    refusals: tuple = ()
    coupon_offers: tuple = ()  # CouponOffer, largest first
    points_offer: object = None  # Redemption: what the member's points could take off, or None
    campaign: object = None  # the chosen CampaignPrice, or None
    prices: dict = field(default_factory=dict)  # sku id → CampaignPrice that set a line's price
    split: PaymentSplit | None = None  # a deposit pre-sale's deposit and balance

    @property
    def ships_from(self):
        """When a pre-sale's goods are sent at the earliest (None: as soon as paid)."""
        return self.campaign.ships_from if self.campaign is not None else None

    @property
    def deposit_bonus(self):
        return self.amount_of(DEPOSIT_BONUS)

    @property
    def blocking(self):
        return tuple(r for r in self.refusals if r.blocking)

    @property
    def level_discount(self):
        return self.amount_of(LEVEL)

    @property
    def subtotal(self):
        """The goods after the level's discount (the order's ``subtotal``)."""
        return self.goods - self.level_discount

    @property
    def coupon_discount(self):
        return self.amount_of(COUPON)

    @property
    def points_discount(self):
        return self.amount_of(POINTS)

    @property
    def chosen_coupon_ids(self):
        return tuple(a.ref for a in self.adjustments if a.kind == COUPON)

    @property
    def points_used(self):
        return sum(a.ref or 0 for a in self.adjustments if a.kind == POINTS)

    def receipt(self):
        return Receipt(self.lines, self.goods, self.adjustments, self.shipping, self.total)


def quote(items, *, book, province_code=None, coupon_ids=None, use_points=False, now):
    """The price of ``items`` (merged ``Item``s, one per SKU) for ``book``'s member.

    :param province_code: where it goes; None prices no shipping yet
    :param coupon_ids: the member's coupon copies to use; None picks the combination that
        takes off most (the checkout page's first offer)
    :param use_points: take as many of the member's points off as the store allows
    """
    refusals = []
    campaign = book.chosen
    if campaign is not None and campaign.one_unit and (
            [item.sku_id for item in items] != [campaign.sku_id] or items[0].quantity != 1):
        refusals.append(Refusal("campaign", campaign.one_unit))
    lines, prices = [], {}
    for item in items:
        goods = book.goods.get(item.sku_id)
        if goods is None or not goods.on_sale:
            refusals.append(Refusal("line", _("An item in your cart is no longer on sale.")))
            continue
        price = (campaign if campaign is not None and campaign.sku_id == item.sku_id
                 else None if campaign is not None else book.automatic.get(item.sku_id))
        unit = price.price if price is not None else goods.price
        if item.seen_price is not None and unit != item.seen_price:
            refusals.append(Refusal("line", _("The price of %(title)s changed from %(old)s to %(new)s.",
                                              title=_label(goods), old=format_money(item.seen_price),
                                              new=format_money(unit))))
        if price is not None:
            prices[item.sku_id] = price
        lines.append(PriceLine(item.sku_id, goods.title, goods.sku_label, unit, price.kind if price else REGULAR,
                               price.name if price else "", goods.price, item.quantity, unit * item.quantity))
    adjustments = [Adjustment(CAMPAIGN, line.rule_name, (line.regular_price - line.unit_price) * line.quantity)
                   for line in lines if line.rule != REGULAR and line.regular_price > line.unit_price]
    goods_fen = sum(line.amount for line in lines)

    regular = sum(line.amount for line in lines if line.rule == REGULAR)
    level_off = regular - discounted_goods(regular, book.level)
    if level_off:
        adjustments.append(Adjustment(LEVEL, book.level.name, level_off))
    subtotal = goods_fen - level_off

    shipping = None
    if province_code is not None:
        try:
            shipping = 0 if book.shipping is None else quote_shipping(
                book.shipping, province_code=province_code, subtotal=subtotal,
                lines=[(book.goods[line.sku_id].weight, line.quantity) for line in lines])
        except NotDeliverable as refusal:
            refusals.append(Refusal("address", refusal.message, field="address"))

    coupon_lines = [CouponLine(book.goods[line.sku_id].product_id, book.goods[line.sku_id].category_ids, line.amount)
                    for line in lines]
    offers, chosen = _coupons(book, coupon_lines, subtotal, coupon_ids, now, refusals)
    coupon_off = combined_discount([off for _held, off in chosen], subtotal, shipping or 0)
    adjustments.extend(_spread(chosen, coupon_off))

    points_offer = None
    if book.points_rules is not None and book.member_points > 0:
        offer = redemption_for(book.member_points, subtotal - coupon_off,
                               points_per_yuan_off=book.points_rules.points_per_yuan_off,
                               cap_percent=book.points_rules.cap_percent)
        points_offer = offer if offer.fen_off > 0 else None
    if use_points and points_offer is not None:
        adjustments.append(Adjustment(POINTS, str(points_offer.points), points_offer.fen_off, ref=points_offer.points))
        if points_offer.points < book.member_points and points_offer.fen_off == (
                (subtotal - coupon_off) * book.points_rules.cap_percent // 100):
            refusals.append(Refusal("points", _("At most %(points)d of your points can be used on this order.",
                                                points=points_offer.points), blocking=False))
    points_off = points_offer.fen_off if use_points and points_offer is not None else 0

    total = subtotal + (shipping or 0) - coupon_off - points_off
    split = None
    if campaign is not None and campaign.deposit is not None and lines:
        split, bonus = _split(campaign.deposit, sum(line.quantity for line in lines), total, refusals)
        if bonus:
            adjustments.append(Adjustment(DEPOSIT_BONUS, "", bonus))
            total -= bonus
    return Quote(lines=tuple(lines), goods=goods_fen, adjustments=tuple(adjustments), shipping=shipping, total=total,
                 refusals=tuple(refusals), coupon_offers=tuple(CouponOffer(h, min(off, subtotal)) for h, off in offers),
                 points_offer=points_offer, campaign=campaign, prices=prices, split=split)


def _split(terms, quantity, total, refusals):
    """``(PaymentSplit, deposit bonus)`` of a deposit pre-sale whose total before the bonus is
    ``total``: the balance is what is left after the deposit's worth, at least 1 fen."""
    deposit, counts_as = terms.deposit * quantity, terms.worth * quantity
    balance = total - counts_as
    if balance < 1:
        refusals.append(Refusal("coupon", _("With these discounts nothing would be left to pay as the balance; "
                                            "choose fewer coupons or points."), field="coupon_ids"))
        balance = 1
    return PaymentSplit(deposit, counts_as, balance, terms.balance_starts_at, terms.balance_ends_at,
                        terms.kept), counts_as - deposit


def _coupons(book, lines, subtotal, wanted, now, refusals):
    """``(offers, chosen)``: ``[(held, fen)]`` of the usable copies that apply (largest first),
    and the ones this order uses — the shopper's (checked) or the best combination."""
    usable = [held for held in book.coupons if held.is_usable_at(now)]
    offers = [(held, off) for held in usable if (off := coupon_discount(held, lines)) > 0]
    offers.sort(key=lambda offer: (-min(offer[1], subtotal), offer[0].valid_until, offer[0].id))
    if wanted is None:
        return offers, _best_combination(offers)
    ids = sorted({i for i in wanted if isinstance(i, int)})
    held = {h.id: h for h in usable}
    if any(i not in held for i in ids):
        refusals.append(Refusal("coupon", _("A chosen coupon can no longer be used."), field="coupon_ids"))
        return offers, []
    copies = [held[i] for i in ids]
    if sum(1 for copy in copies if not copy.stackable) > 1:
        refusals.append(Refusal("coupon", _("Only one coupon that cannot be combined can be used per order."),
                                field="coupon_ids"))
        return offers, []
    if len({copy.coupon_id for copy in copies}) != len(copies):
        refusals.append(Refusal("coupon", _("Each coupon can be used once per order."), field="coupon_ids"))
        return offers, []
    chosen = []
    for copy in copies:
        off = coupon_discount(copy, lines)
        if off <= 0:
            refusals.append(Refusal("coupon", _("The coupon %(name)s does not apply to these items.", name=copy.name),
                                    field="coupon_ids"))
        else:
            chosen.append((copy, off))
    return offers, chosen


def _best_combination(offers):
    """The best coupon that cannot be combined and every stackable coupon once: stackable
    discounts add, so this takes off most."""
    chosen, coupon_ids, non_stackable = [], set(), False
    for held, off in offers:
        if held.coupon_id in coupon_ids or (not held.stackable and non_stackable):
            continue
        chosen.append((held, off))
        coupon_ids.add(held.coupon_id)
        non_stackable = non_stackable or not held.stackable
    return chosen


def _spread(chosen, total_off):
    """One line per coupon, by name: each its own discount, the last ones trimmed so the
    lines add up to what the coupons take off together (the cap of ``combined_discount``)."""
    left, adjustments = total_off, []
    for held, off in chosen:
        part = min(off, left)
        left -= part
        adjustments.append(Adjustment(COUPON, held.name, part, ref=held.id))
    return adjustments


def _label(goods):
    return f"{goods.title}（{goods.sku_label}）" if goods.sku_label else goods.title
