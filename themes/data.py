"""What blocks need from the shop, loaded for a whole page in a fixed number of queries.

A block's ``needs(settings)`` returns ``Need`` values. ``load_page_data`` groups them by
kind and answers each kind with one query, however many blocks asked:
- ``products`` by hand-picked ids: one ``IN`` query;
- ``products`` by category: one query, ranked per category with a window function;
- ``products`` newest / best-selling: one query each, as long as the longest list asked;
- ``categories``: one query for the tree;
- the pictures of every product listed: one query for all lists;
- ``coupons`` still to be claimed: one query, as long as the longest list asked;
- ``flash_sales`` on now: three queries (items, SKUs, products with pictures);
- ``bargains`` on now: two queries (campaigns with SKUs and products, then pictures).
Kinds whose module does not exist yet (campaigns) resolve to an empty list and their
blocks show an honest empty state.
"""
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import aliased
from sqlalchemy.orm.attributes import set_committed_value

from commerce.catalog.categories import category_tree
from commerce.catalog.models import Product, ProductImage
from commerce.marketing.bargains.queries import bargain_deals
from commerce.marketing.coupons.queries import claimable_coupons
from commerce.marketing.flash_sales.queries import flash_deals
from commerce.marketing.group_buys.queries import group_buy_deals
from core.extensions import db

PRODUCT_SOURCES = ("category", "picked", "newest", "best_selling")


@dataclass(frozen=True)
class Need:
    kind: str  # "products", "categories", "coupons", "group_buys", "bargains", "flash_sales"
    source: str = ""
    count: int = 0
    category_id: int | None = None
    product_ids: tuple = ()


def products(source, *, count, category_id=None, product_ids=()):
    return Need("products", source=source, count=count, category_id=category_id, product_ids=tuple(product_ids))


def categories():
    return Need("categories")


def load_page_data(needs_by_block):
    """``{block_id: [Need, ...]}`` → ``{block_id: {kind: value}}``."""
    all_needs = [need for needs in needs_by_block.values() for need in needs]
    answers = _answer(all_needs)
    return {block_id: {need.kind: answers.get(need, []) for need in needs}
            for block_id, needs in needs_by_block.items()}


def _answer(needs):
    answers = {}
    product_needs = defaultdict(list)
    for need in needs:
        if need.kind == "products":
            product_needs[need.source].append(need)
        elif need.kind in ("categories", "coupons"):
            answers[need] = None
        else:
            answers[need] = []  # the module that owns this kind has not landed yet
    if any(need.kind == "categories" for need in needs):
        tree = _category_tree()
        answers.update({need: tree for need in needs if need.kind == "categories"})
    flash_needs = [need for need in needs if need.kind == "flash_sales"]
    if flash_needs:
        deals = flash_deals(limit=max(need.count for need in flash_needs))
        answers.update({need: deals[: need.count] for need in flash_needs})
    group_needs = [need for need in needs if need.kind == "group_buys"]
    if group_needs:
        deals = group_buy_deals(limit=max(need.count for need in group_needs))
        answers.update({need: deals[: need.count] for need in group_needs})
    bargain_needs = [need for need in needs if need.kind == "bargains"]
    if bargain_needs:
        deals = bargain_deals(limit=max(need.count for need in bargain_needs))
        answers.update({need: deals[: need.count] for need in bargain_needs})
    coupon_needs = [need for need in needs if need.kind == "coupons"]
    if coupon_needs:
        coupons = claimable_coupons(limit=max(need.count for need in coupon_needs))
        answers.update({need: coupons[: need.count] for need in coupon_needs})
    answers.update(_picked(product_needs["picked"]))
    answers.update(_by_category(product_needs["category"]))
    for source, order in (("newest", Product.id.desc()), ("best_selling", Product.sold_count.desc())):
        answers.update(_top(product_needs[source], order))
    _attach_images([value for need, value in answers.items() if need.kind == "products"])
    return answers


def _attach_images(product_lists):
    """Every listed product's pictures in one query, whatever the number of lists."""
    products = {product.id: product for listed in product_lists for product in listed}
    if not products:
        return
    pictures = defaultdict(list)
    statement = (select(ProductImage).where(ProductImage.product_id.in_(products))
                 .order_by(ProductImage.position, ProductImage.id))
    for image in db.session.scalars(statement):
        pictures[image.product_id].append(image)
    for product_id, product in products.items():
        set_committed_value(product, "images", pictures[product_id])


def _on_sale():
    return select(Product).where(Product.status == Product.ON_SALE)


def _picked(needs):
    if not needs:
        return {}
    ids = {pid for need in needs for pid in need.product_ids}
    found = {p.id: p for p in db.session.scalars(_on_sale().where(Product.id.in_(ids)))} if ids else {}
    # Keep the merchant's order; a deleted or off-shelf product simply drops out.
    return {need: [found[pid] for pid in need.product_ids if pid in found][: need.count] for need in needs}


def _by_category(needs):
    if not needs:
        return {}
    wanted = {need.category_id for need in needs if need.category_id is not None}
    longest = max(need.count for need in needs)
    rank = func.row_number().over(partition_by=Product.category_id, order_by=Product.id.desc()).label("rank")
    ranked = _on_sale().add_columns(rank).where(Product.category_id.in_(wanted)).subquery()
    product = aliased(Product, ranked)
    rows = db.session.execute(select(product).where(ranked.c.rank <= longest)).scalars().all() if wanted else []
    by_category = defaultdict(list)
    for row in rows:
        by_category[row.category_id].append(row)
    return {need: by_category.get(need.category_id, [])[: need.count] for need in needs}


def _top(needs, order):
    if not needs:
        return {}
    longest = max(need.count for need in needs)
    rows = db.session.scalars(_on_sale().order_by(order, Product.id.desc()).limit(longest)).all()
    return {need: rows[: need.count] for need in needs}


def _category_tree():
    return category_tree().roots
