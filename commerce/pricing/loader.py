"""Loads what a quote reads — the SKUs, campaign prices, the member's level, points and
coupons, the store's shipping template — for the current store, in a handful of queries.
Everything comes through the tenant-scoped session, so another store's prices and coupons
never reach a quote."""
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from commerce.catalog.models import Category
from commerce.marketing.coupons.models import MemberCoupon
from commerce.members.ledger import member_settings
from commerce.members.levels import level_of
from commerce.members.models import Member
from commerce.pricing.quote import Goods, HeldCoupon, Level, PointsRules, PriceBook, quote
from commerce.pricing.rules import automatic_rules, rule_for
from commerce.shipping.service import default_template
from core.errors import DomainError
from core.extensions import db


@dataclass(frozen=True)
class ShippingRuleTerms:
    regions: tuple
    first_weight_g: int
    first_fee: int
    extra_weight_g: int
    extra_fee: int


@dataclass(frozen=True)
class ShippingTerms:
    """A shipping template, read once (``quote_shipping`` prices with it)."""

    free_over: int | None
    not_delivered: tuple
    rules: tuple

    def rule_for(self, province_code):
        named = next((rule for rule in self.rules if province_code in rule.regions), None)
        return named or next((rule for rule in self.rules if not rule.regions), None)


class CampaignUnavailable(DomainError):
    """The chosen campaign is not this store's, or its SKU is not the one asked for."""

    status = 409


def load_price_book(rows, *, member_id, campaign=None, now):
    """A ``PriceBook`` for ``rows`` (``[(sku, product)]`` of the current store) and the member
    (None: a guest, no level, points or coupons)."""
    rows = list(rows)
    sku_ids = [sku.id for sku, _product in rows]
    parents = _category_parents({product.category_id for _sku, product in rows})
    goods = {sku.id: Goods(sku.id, product.id, _categories(product.category_id, parents), product.title, sku.label(),
                           sku.price, sku.weight, product.is_on_sale()) for sku, product in rows}
    chosen, automatic = None, {}
    if campaign is not None:
        rule = rule_for(campaign.kind)
        found = rule.prices(sku_ids, member_id=member_id, campaign=campaign, now=now) if rule else {}
        chosen = next(iter(found.values()), None)
        if chosen is None:
            raise CampaignUnavailable(_("This campaign is no longer available."))
    else:
        for rule in automatic_rules():
            automatic.update(rule.prices(sku_ids, member_id=member_id, campaign=None, now=now))
    member = db.session.get(Member, member_id) if member_id is not None else None
    if member is None:
        return PriceBook(goods=goods, automatic=automatic, chosen=chosen, shipping=_shipping_terms())
    level = level_of(member)
    rules = member_settings()
    return PriceBook(goods=goods, automatic=automatic, chosen=chosen,
                     level=Level(level.name, level.discount_percent) if level else None,
                     member_points=member.points,
                     points_rules=PointsRules(rules.points_per_yuan_off, rules.redeem_cap_percent),
                     coupons=_held_coupons(member.id, now), shipping=_shipping_terms())


def _category_parents(category_ids):
    category_ids = sorted(i for i in category_ids if i is not None)
    if not category_ids:
        return {}
    return dict(db.session.execute(select(Category.id, Category.parent_id).where(Category.id.in_(category_ids))).all())


def _categories(category_id, parents):
    return tuple(c for c in (category_id, parents.get(category_id)) if c is not None)


def _held_coupons(member_id, now):
    copies = db.session.scalars(select(MemberCoupon).where(
        MemberCoupon.member_id == member_id, MemberCoupon.status.in_(MemberCoupon.USABLE),
        MemberCoupon.valid_from <= now, MemberCoupon.valid_until > now).order_by(MemberCoupon.valid_until)).all()
    return tuple(HeldCoupon(copy.id, copy.coupon_id, c.name, c.kind, c.amount_off, c.threshold, c.percent_off,
                            c.max_discount, c.scope, tuple(c.target_ids or ()), c.stackable, copy.valid_from,
                            copy.valid_until, copy.status in MemberCoupon.USABLE)
                 for copy in copies if (c := copy.coupon) is not None)


def _shipping_terms():
    template = default_template()
    if template is None:
        return None
    return ShippingTerms(template.free_over, tuple(template.not_delivered or ()), tuple(
        ShippingRuleTerms(tuple(rule.regions or ()), rule.first_weight_g, rule.first_fee, rule.extra_weight_g,
                          rule.extra_fee) for rule in template.rules))


def quote_for(rows, items, *, member_id, province_code=None, campaign=None, coupon_ids=None, use_points=False,
              now):
    """Load and quote in one go: what the checkout pages show, as ``place_order`` prices it."""
    book = load_price_book(rows, member_id=member_id, campaign=campaign, now=now)
    return quote(items, book=book, province_code=province_code, coupon_ids=coupon_ids, use_points=use_points,
                 now=now)
