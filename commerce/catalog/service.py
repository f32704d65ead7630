"""Catalog verbs: products with their spec matrix and SKUs, shopper-facing lists, sample
categories for new stores."""
import re

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from commerce.catalog.categories import category_tree
from commerce.catalog.errors import InvalidProduct
from commerce.catalog.library import library_holds
from commerce.catalog.models import SKU, Category, Product, ProductImage, ProductSpec
from commerce.catalog.skus import check_sku_numbers, displayed_price, normalize_specs, spec_combinations
from core.audit import record_audit
from core.extensions import db
from core.richtext import sanitize_rich_text
from tenants.entitlements import require
from tenants.provisioning import provisioning_step

MAX_DESCRIPTION = 50_000
MAX_TAGS = 10
MAX_TAG_LENGTH = 12
VIDEO_URL = re.compile(r"^https://[^\s<>\"']{1,490}$")  # hosted elsewhere (CDN, 腾讯视频 MP4); we store images only


# Areas above the catalog that keep a product alive once they refer to it (orders: it was
# sold, and order lines keep its id). Catalog is the lowest commerce area: it cannot ask them.
_PRODUCT_KEEPERS = []


def keeps_products(was_ordered):
    """Register ``was_ordered(product) -> bool``: true refuses ``delete_product`` (decorator)."""
    _PRODUCT_KEEPERS.append(was_ordered)
    return was_ordered


def sample_category_names():
    return [_("New arrivals"), _("Best sellers"), _("Gifts")]


@provisioning_step(order=20)
def create_sample_categories(tenant):
    """A new store starts with a few categories, unless it already has some."""
    if db.session.scalar(select(Category.id).limit(1)) is not None:
        return []
    categories = [Category(name=name, position=i) for i, name in enumerate(sample_category_names())]
    db.session.add_all(categories)
    db.session.flush()
    return categories


def list_categories():
    """The store's categories as a flat list, by position (``category_tree()`` for the tree)."""
    return category_tree().categories


def list_products_on_sale(limit=50):
    return db.session.scalars(
        select(Product).where(Product.status == Product.ON_SALE).order_by(Product.id.desc()).limit(limit)
        .options(selectinload(Product.images))
    ).all()


def get_product_on_sale(product_id):
    """The product shoppers may see, or None (another store's id finds nothing)."""
    return db.session.scalar(
        select(Product).where(Product.id == product_id, Product.status == Product.ON_SALE)
        .options(selectinload(Product.images), selectinload(Product.specs), selectinload(Product.skus))
    )


def create_product(*, actor, title, subtitle=None, category_id=None, status=Product.DRAFT, specs=(), skus=(),
                   description="", video_url=None, tags=()):
    """A new product with its spec matrix and one SKU per combination.

    ``skus`` is a list of dicts (``spec_values``, ``price``, ``market_price``, ``stock``,
    ``weight``, ``code``), one for every combination of ``specs``. ``description`` is rich
    text (sanitized here), ``tags`` short words shoppers can filter by.

    :raise InvalidProduct: a rule is broken; ``field`` names what to fix
    :raise UpgradeRequired: the plan's product limit is reached
    """
    require("products")
    product = Product(price=0, stock=0)
    _fill_product(product, title=title, subtitle=subtitle, category_id=category_id, status=status)
    _fill_details(product, description=description, video_url=video_url, tags=tags)
    db.session.add(product)
    db.session.flush()
    _replace_matrix(product, specs, skus)
    record_audit("product.create", actor=actor, tenant_id=product.tenant_id, target=product,
                 details={"title": product.title, "skus": len(skus)})
    return product


def update_product(product, *, actor, title, subtitle=None, category_id=None, status=None, specs=(), skus=(),
                   description="", video_url=None, tags=()):
    """Change a product and its matrix; SKUs whose spec values stay keep their id."""
    _fill_product(product, title=title, subtitle=subtitle, category_id=category_id,
                  status=status or product.status)
    _fill_details(product, description=description, video_url=video_url, tags=tags)
    _replace_matrix(product, specs, skus)
    record_audit("product.update", actor=actor, tenant_id=product.tenant_id, target=product,
                 details={"title": product.title, "skus": len(skus)})
    return product


def set_products_status(product_ids, status, *, actor):
    """Put the listed products of the current store on sale or off the shelf (bulk)."""
    if status not in (Product.ON_SALE, Product.OFF_SHELF):
        raise InvalidProduct(_("Unknown product status."), field="status")
    products = db.session.scalars(select(Product).where(Product.id.in_(list(product_ids)))).all()
    for product in products:
        product.status = status
    if products:
        record_audit("product.status", actor=actor, tenant_id=products[0].tenant_id,
                     details={"status": status, "ids": [p.id for p in products]})
    return products


def delete_product(product, *, actor):
    """Delete a product that was never ordered, with its SKUs and pictures (gone from carts
    too). Returns the media names to remove from storage once the deletion is committed.

    :raise InvalidProduct: it has orders: take it off the shelf instead, so they keep it
    """
    for keeper in _PRODUCT_KEEPERS:
        if keeper(product):
            raise InvalidProduct(_("%(title)s has orders and cannot be deleted. Take it off the shelf instead.",
                                   title=product.title), field="status", status=409)
    files = [name for image in db.session.scalars(select(ProductImage).where(ProductImage.product_id == product.id))
             for name in (image.filename, image.thumbnail) if name]
    record_audit("product.delete", actor=actor, tenant_id=product.tenant_id, target=product,
                 details={"title": product.title})
    db.session.delete(product)
    db.session.flush()
    return _unused_files(product.tenant_id, files)


def _unused_files(tenant_id, names):
    """``names`` that neither the image library nor another product's picture keeps."""
    kept = library_holds(tenant_id, names)
    kept.update(db.session.scalars(select(ProductImage.filename).where(ProductImage.filename.in_(names))))
    kept.update(db.session.scalars(select(ProductImage.thumbnail).where(ProductImage.thumbnail.in_(names))))
    return [name for name in names if name not in kept]


def _fill_product(product, *, title, subtitle, category_id, status):
    title = (title or "").strip()
    if not title:
        raise InvalidProduct(_("Title is required."), field="title")
    if len(title) > 120:
        raise InvalidProduct(_("Title can be at most 120 characters."), field="title")
    subtitle = (subtitle or "").strip() or None
    if subtitle and len(subtitle) > 200:
        raise InvalidProduct(_("Subtitle can be at most 200 characters."), field="subtitle")
    if status not in Product.STATUSES:
        raise InvalidProduct(_("Unknown product status."), field="status")
    if category_id is not None and db.session.scalar(select(Category.id).where(Category.id == category_id)) is None:
        raise InvalidProduct(_("No such category."), field="category_id")
    product.title, product.subtitle, product.category_id, product.status = title, subtitle, category_id, status


def _fill_details(product, *, description, video_url, tags):
    description = description or ""
    if len(description) > MAX_DESCRIPTION:
        raise InvalidProduct(_("The description is too long (at most %(n)d characters).", n=MAX_DESCRIPTION),
                             field="description")
    video_url = (video_url or "").strip() or None
    if video_url and not VIDEO_URL.match(video_url):
        raise InvalidProduct(_("The video address must start with https://."), field="video_url")
    product.description = sanitize_rich_text(description)
    product.video_url = video_url
    product.tags = normalize_tags(tags)


def normalize_tags(tags):
    """Trimmed, de-duplicated tags in the order given: ``"新品, 热卖"`` or a list."""
    if isinstance(tags, str):
        tags = re.split(r"[,，、]", tags)
    cleaned = []
    for tag in tags or ():
        tag = (tag or "").strip()
        if not tag or tag in cleaned:
            continue
        if len(tag) > MAX_TAG_LENGTH:
            raise InvalidProduct(_("Tag %(tag)s is too long (at most %(n)d characters).", tag=tag, n=MAX_TAG_LENGTH),
                                 field="tags")
        cleaned.append(tag)
    if len(cleaned) > MAX_TAGS:
        raise InvalidProduct(_("A product can have at most %(n)d tags.", n=MAX_TAGS), field="tags")
    return cleaned


def _check_sku_images(product, rows):
    """:raise InvalidProduct: a SKU's image is not in this store's image library"""
    images = {row["image"] for row in rows if row.get("image")}
    if images - library_holds(product.tenant_id, images):
        raise InvalidProduct(_("Pick each SKU's image from the image library."), field="image")


def _replace_matrix(product, specs, sku_rows):
    combos = spec_combinations(specs)
    specs = normalize_specs(specs)
    rows = {}
    for row in sku_rows:
        key = tuple((value or "").strip() for value in row.get("spec_values") or ())
        if key in rows:
            raise InvalidProduct(_("SKU %(sku)s appears twice.", sku=" / ".join(key)), field="skus")
        rows[key] = row
    for key in rows:
        if key not in combos:
            raise InvalidProduct(_("SKU %(sku)s does not match the specs.", sku=" / ".join(key)), field="skus")
    codes = set()
    for combo in combos:
        row = rows.get(combo)
        label = " / ".join(combo)
        if row is None:
            raise InvalidProduct(_("SKU %(sku)s needs a price and stock.", sku=label or _("the product")),
                                 field="skus")
        check_sku_numbers(label=label, price=row.get("price"), market_price=row.get("market_price"),
                          stock=row.get("stock", 0), weight=row.get("weight"))
        code = (row.get("code") or "").strip() or None
        if code:
            if code in codes:
                raise InvalidProduct(_("SKU code %(code)s is used twice.", code=code), field="code")
            codes.add(code)
    _check_sku_images(product, rows.values())

    existing = {tuple(sku.spec_values): sku for sku in
                db.session.scalars(select(SKU).where(SKU.product_id == product.id))}
    for spec in db.session.scalars(select(ProductSpec).where(ProductSpec.product_id == product.id)):
        db.session.delete(spec)
    for key, sku in existing.items():
        if key not in rows:
            db.session.delete(sku)
    db.session.flush()
    if codes:
        taken = db.session.scalars(select(SKU.code).where(
            SKU.code.in_(codes), SKU.product_id != product.id)).all()
        if taken:
            raise InvalidProduct(_("SKU code %(code)s is already used by another product.", code=taken[0]),
                                 field="code")

    for position, (name, values) in enumerate(specs):
        db.session.add(ProductSpec(product_id=product.id, tenant_id=product.tenant_id, name=name,
                                   values=list(values), position=position))
    skus = []
    for combo in combos:
        row = rows[combo]
        sku = existing.get(combo) or SKU(product_id=product.id, tenant_id=product.tenant_id, spec_values=list(combo))
        sku.price, sku.market_price = row["price"], row.get("market_price")
        sku.stock, sku.weight = row.get("stock", 0), row.get("weight")
        sku.code = (row.get("code") or "").strip() or None
        sku.image = row.get("image") or None
        db.session.add(sku)
        skus.append(sku)
    product.price = displayed_price(skus)
    product.stock = sum(sku.stock for sku in skus)
    db.session.flush()
    db.session.expire(product, ["specs", "skus"])
