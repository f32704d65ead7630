"""Share links that carry their channel (渠道): a page of the store — home, a published custom
page, a product on sale, a category — as the H5 address and as the mini-program path, both with
``utm_source=<channel code>``. The H5 store's beacon reads it from the address to attribute the
visit (``commerce.analytics.channels.channel_of``); the mini-program gets it in its page or
launch options (``options.query.utm_source``), next to WeChat's scene value.

Targets are read from the current store only (the session scopes every select), so another
store's product id is simply not among them.
"""
from dataclasses import dataclass
from urllib.parse import urlencode

from flask_babel import gettext as _

from commerce.catalog.service import list_categories, list_products_on_sale
from themes.queries import custom_pages_by_title

HOME = "home"
MAX_PRODUCTS = 200  # newest on sale; the select stays usable on a phone


@dataclass(frozen=True)
class ShareLink:
    url: str  # the H5 store address, https://<store>/…?utm_source=…
    mini_program_path: str  # pages/…?…&utm_source=…, for 小程序 links and 公众号 menus


def share_targets():
    """``[(group label, [(value, label), …]), …]`` of the current store's pages to share."""
    pages = [page for page in custom_pages_by_title() if page.published_at is not None]
    return [
        (_("Home"), [(HOME, _("Home page"))]),
        (_("Custom pages"), [(f"page:{page.id}", page.title) for page in pages]),
        (_("Products"), [(f"product:{product.id}", product.title)
                         for product in list_products_on_sale(limit=MAX_PRODUCTS)]),
        (_("Categories"), [(f"category:{category.id}", category.name) for category in list_categories()]),
    ]


def share_link(target, channel, *, storefront_url):
    """The link of ``target`` (a value of ``share_targets``) for ``channel``; ``storefront_url``
    is the store's address ending in ``/``. :raise KeyError: ``target`` is not the store's"""
    query = {"utm_source": channel}
    if target == HOME:
        return ShareLink(f"{storefront_url}?{urlencode(query)}", f"pages/home/home?{urlencode(query)}")
    kind, _sep, ident = target.partition(":")
    if kind == "page":
        slug = {str(page.id): page.slug for page in custom_pages_by_title()}[ident]
        return ShareLink(f"{storefront_url}p/{slug}?{urlencode(query)}",
                         f"pages/page/page?{urlencode({'slug': slug, **query})}")
    if kind == "product":
        return ShareLink(f"{storefront_url}products/{int(ident)}?{urlencode(query)}",
                         f"pages/product/product?{urlencode({'id': int(ident), **query})}")
    if kind == "category":
        return ShareLink(f"{storefront_url}c/{int(ident)}?{urlencode(query)}",
                         f"pages/search/search?{urlencode({'category_id': int(ident), **query})}")
    raise KeyError(target)
