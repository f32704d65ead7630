"""What the storefront's list, detail and sitemap views read from a request or hand to a
template: the shopper's sort and filters, the SKU picker's data, the sitemap's entries."""
from dataclasses import dataclass, field

from flask import url_for
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict
from wtforms import Form

from commerce.catalog.listing import SORTS, Filters
from commerce.catalog.queries import sitemap_categories, sitemap_products
from core.errors import DomainError
from core.forms import YuanField
from themes.queries import published_custom_pages

SITEMAP_LIMIT = 50_000  # the sitemap protocol's cap per file
MAX_PRICE = 999_999_999  # fen: ¥9,999,999.99, the most a price filter reads


class OutdatedLink(DomainError):
    """A "more" link whose cursor we cannot read (edited by hand, or from an old version)."""

    status = 400

    def __init__(self):
        super().__init__(_l("This link is out of date. Open the list again from the start."), field="cursor")


def sort_labels():
    return {"default": _l("Recommended"), "sales": _l("Best selling"), "price_asc": _l("Price ↑"),
            "price_desc": _l("Price ↓"), "newest": _l("New")}


@dataclass(frozen=True)
class ListChoice:
    """The sort and filters a shopper picked, as the list page and its links need them."""

    sort: str
    filters: Filters
    cursor: str | None
    min_yuan: str = ""
    max_yuan: str = ""
    problems: list = field(default_factory=list)  # filters we ignored, and why

    def cache_name(self):
        """What tells this list's page from the others, for the page cache."""
        f = self.filters
        return f"{self.sort}:{f.min_price}:{f.max_price}:{int(f.in_stock)}:{self.cursor or ''}"

    def link_args(self, **changes):
        """Query arguments for a link that keeps the other choices (and starts from page 1)."""
        arguments = {"sort": self.sort, "min": self.min_yuan or None, "max": self.max_yuan or None,
                     "stock": "1" if self.filters.in_stock else None}
        arguments.update(changes)
        return {key: value for key, value in arguments.items() if value not in (None, "", "default")}


def read_list_choice(args, *, category_id=None):
    """Sort, price range (yuan) and in-stock filter from the query string.

    A sort we do not know falls back to the default; a price that is not an amount is
    ignored and named in ``problems`` so the page can say so.
    """
    sort = args.get("sort", "default")
    sort = sort if sort in SORTS else "default"
    problems = []
    min_yuan, min_fen = _yuan_argument(args.get("min", ""), problems, _l("lowest price"))
    max_yuan, max_fen = _yuan_argument(args.get("max", ""), problems, _l("highest price"))
    if min_fen is not None and max_fen is not None and min_fen > max_fen:
        min_fen, max_fen, min_yuan, max_yuan = max_fen, min_fen, max_yuan, min_yuan
    filters = Filters(category_id=category_id, min_price=min_fen, max_price=max_fen, in_stock=args.get("stock") == "1")
    return ListChoice(sort, filters, args.get("cursor") or None, min_yuan, max_yuan, problems)


class _PriceArgument(Form):
    amount = YuanField(maximum=MAX_PRICE)


def _yuan_argument(raw, problems, name):
    """``(yuan as typed, fen)`` of a price in the query string; ``("", None)`` when empty or
    not an amount (then named in ``problems``)."""
    raw = (raw or "").strip()
    if not raw:
        return "", None
    argument = _PriceArgument(MultiDict({"amount": raw}))
    if not argument.validate():
        problems.append(_l("The %(name)s “%(value)s” is not an amount in yuan, so it was ignored.",
                           name=name, value=raw[:20]))
        return "", None
    return raw, argument.amount.data


def units_left(sku, flash=None):
    """How many units of the SKU a shopper can buy now: while a flash sale sells it, the
    campaign's units left (never more than the SKU's own stock), else the SKU's stock."""
    if flash and sku.id in flash:
        return min(flash[sku.id][0].stock, sku.stock)
    return sku.stock


def sku_picker_data(product, flash=None):
    """What ``product.js`` needs to pick a SKU: the specs and every SKU's values, price
    (the flash price while a flash sale is on — then the usual price is the struck one),
    stock (the campaign's units left while a flash sale is on) and image (or None)."""
    flash = flash or {}

    def prices(sku):
        if sku.id in flash:
            return flash[sku.id][0].price, sku.price
        return sku.price, sku.market_price

    return {
        "specs": [{"name": spec.name, "values": list(spec.values)} for spec in product.specs],
        "skus": [{"id": sku.id, "values": list(sku.spec_values), "price": prices(sku)[0],
                  "market_price": prices(sku)[1], "stock": units_left(sku, flash), "image": sku.image_url()}
                 for sku in product.skus],
    }


def sitemap_entries(base_url):
    """``[(absolute URL, last modified or None), …]``: home, published pages, categories, products on sale."""
    entries = [(base_url + "/", None)]
    pages = published_custom_pages()
    entries += [(base_url + url_for("storefront.custom_page", slug=slug), at) for slug, at in pages]
    categories = sitemap_categories()
    entries += [(base_url + url_for("storefront.category", category_id=id_), at) for id_, at in categories]
    products = sitemap_products(SITEMAP_LIMIT - len(entries))
    entries += [(base_url + url_for("storefront.product_detail", product_id=id_), at) for id_, at in products]
    return entries

