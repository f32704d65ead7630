"""Storefront pages (store hosts). The mini-program JSON API is in ``storefront.api``."""
from flask import Response, abort, g, make_response, render_template, request, session, url_for
from markupsafe import Markup

from commerce.analytics.events import SEARCH
from commerce.catalog.categories import category_tree
from commerce.catalog.listing import BadCursor, browse_products
from commerce.catalog.search import did_you_mean, search_products
from commerce.catalog.service import get_product_on_sale, list_categories, list_products_on_sale
from commerce.marketing.bargains.queries import live_bargain_campaigns_for_skus
from commerce.marketing.flash_sales.queries import live_items_for_skus
from commerce.marketing.group_buys.queries import live_campaigns_for_skus
from commerce.marketing.presales.queries import live_presale_for_product
from core.clock import to_china
from core.database import reads_lag_tolerant
from core.richtext import sanitize_rich_text
from core.sites import home_view
from storefront.blueprints import storefront_bp
from storefront.browsing import (
    OutdatedLink,
    read_list_choice,
    sitemap_entries,
    sku_picker_data,
    sort_labels,
    units_left,
)
from storefront.visits import search_words, track_visit
from tenants.middleware import STORE
from themes.models import Page
from themes.pages import store_theme
from themes.published import cached_storefront_response, find_published_page, render_published, store_theme_css
from themes.share import page_share, product_share
from themes.tab_bar import store_tab_bar

SEARCH_PAGE = 20  # results a search page shows before its "more" link


@storefront_bp.app_context_processor
def inject_store_theme():
    """Store pages (home included, which is routed by core) link their theme's stylesheet
    and show the store's bottom tab bar."""
    if g.get("site") != STORE or g.get("tenant") is None:
        return {}
    return {"store_theme_name": store_theme().theme, "tab_bar": tab_bar_items()}


# The tab each page belongs to; pages with their own bottom bar (buy, check out, pay) show none.
TAB_OF_PAGE = {"home": "home", "storefront.custom_page": "home", "storefront.products": "categories",
               "storefront.category": "categories", "storefront.search": "categories", "storefront.cart": "cart",
               "storefront.member_center": "me", "storefront.my_coupons": "me", "storefront.orders": "me",
               "storefront.order_detail": "me", "storefront.top_up": "me", "storefront.distribution_center": "me",
               "storefront.invite_page": "me", "storefront.account_phone": "me", "storefront.login": "me",
               "storefront.my_privacy": "me"}
TAB_ENDPOINTS = {"home": "home", "categories": "storefront.products", "cart": "storefront.cart",
                 "me": "storefront.member_center"}


def tab_bar_items():
    """``[{key, label, href, active}, …]`` for this page, or [] when the store turned the
    bar off or the page has its own bottom bar."""
    bar = store_tab_bar(store_theme())
    page_tab = TAB_OF_PAGE.get(request.endpoint)
    if not bar.enabled or page_tab is None:
        return []
    return [{"key": tab.key, "label": tab.shown_label, "href": url_for(TAB_ENDPOINTS[tab.key]),
             "active": tab.key == page_tab} for tab in bar.tabs]


def _page_response(published):
    """The published page, whole from the cache for anonymous shoppers, or 304 when the
    browser already has this exact version.

    :raise 404: there is no such published page
    """
    if published is None:
        abort(404)
    return cached_storefront_response(f"page/{published.page.id}", lambda: _render_page(published))


@reads_lag_tolerant(caught_up=True)  # a cache miss: from the replica once it holds what the versions name
def _render_page(published):
    """The page, or 304 when the browser has this version — unless a message waits to be
    shown (a coupon just claimed): then the whole page, kept out of the browser's cache so
    the message shows now, and only once."""
    message_waiting = "_flashes" in session
    if not message_waiting and request.if_none_match.contains(published.etag):
        response = Response(status=304)
    else:
        html = render_published(published, store=g.tenant)
        response = Response(render_template("storefront/page.html", page=published.page, page_html=html,
                                            share=page_share(published.page, g.tenant)))
    if message_waiting:
        response.cache_control.no_store = True
        return response
    response.set_etag(published.etag)
    response.cache_control.no_cache = True  # revalidate every time: ETag makes that cheap
    return response


@home_view(STORE)
def home():
    """The published home page; for anonymous shoppers straight from the cache, no SQL."""
    return cached_storefront_response("home", _render_home)


@reads_lag_tolerant(caught_up=True)
def _render_home():
    published = find_published_page(kind=Page.HOME)
    if published is None or not published.page.published_document.get("order"):
        # A store that has not decorated its home page yet still shows its products.
        return make_response(render_template("storefront/home.html", categories=list_categories(),
                                             products=list_products_on_sale()))
    return _render_page(published)


@storefront_bp.route("/p/<slug>")
def custom_page(slug):
    return _page_response(find_published_page(slug=slug))


@storefront_bp.route("/products")
def products():
    return _product_list()


@storefront_bp.route("/c/<int:category_id>")
def category(category_id):
    return _product_list(category_id=category_id)


def _product_list(*, category_id=None):
    choice = read_list_choice(request.args, category_id=category_id)
    build = lambda: _render_list(category_id, choice)  # noqa: E731
    if choice.problems:  # names what the shopper typed: not for anyone else
        return build()
    # The name holds the normalized choice, not the raw query string: junk parameters
    # cannot multiply the cached copies. An unknown category is a 404, never cached.
    return cached_storefront_response(f"list/{category_id or 'all'}/{choice.cache_name()}", build)


@reads_lag_tolerant(caught_up=True)
def _render_list(category_id, choice):
    category, children = None, ()
    if category_id is not None:
        tree = category_tree()
        category = tree.by_id.get(category_id) or abort(404)
        children = tree.children(category.id)
    try:
        page = browse_products(sort=choice.sort, filters=choice.filters, cursor=choice.cursor)
    except BadCursor:
        raise OutdatedLink() from None
    return make_response(render_template("storefront/products.html", category=category, children=children,
                                         page=page, choice=choice, sort_labels=sort_labels()))


@storefront_bp.route("/products/<int:product_id>")
def product_detail(product_id):
    return cached_storefront_response(f"product/{product_id}", lambda: _render_product(product_id))


@reads_lag_tolerant(caught_up=True)
def _render_product(product_id):
    product = get_product_on_sale(product_id) or abort(404)
    layout = find_published_page(kind=Page.PRODUCT_DETAIL)  # blocks the merchant placed under every product
    layout_html = render_published(layout, store=g.tenant) if layout else None
    flash = live_items_for_skus([sku.id for sku in product.skus])
    group_buys = live_campaigns_for_skus([sku.id for sku in product.skus])
    flash_ends = min((sale.ends_at for _item, sale in flash.values()), default=None)
    stock = {sku.id: units_left(sku, flash) for sku in product.skus}
    return make_response(render_template(
        "storefront/product.html", product=product, layout_html=layout_html, stock=stock,
        share=product_share(product, g.tenant),
        in_stock=sum(stock.values()),
        description=Markup(sanitize_rich_text(product.description)), sku_data=sku_picker_data(product, flash),
        flash_price=min((item.price for item, _sale in flash.values()), default=None), group_buys=group_buys,
        bargains=live_bargain_campaigns_for_skus([sku.id for sku in product.skus]),
        presale=live_presale_for_product(product.id),
        flash_ends=to_china(flash_ends).isoformat(timespec="seconds") if flash_ends else None))


@storefront_bp.route("/search")
def search():
    """Products matching the shopper's words in any order, best match first; on no match,
    「你是不是要找」 titles. Not cached (every query differs): two queries, three on no match."""
    query, cursor = request.args.get("q", ""), request.args.get("cursor") or None
    try:
        page = search_products(query, cursor=cursor, limit=SEARCH_PAGE)
    except BadCursor:
        raise OutdatedLink() from None
    suggestions = did_you_mean(query) if query and not page.items and not cursor else []
    if query.strip() and not cursor:  # a search, not its next page
        track_visit(SEARCH, words=search_words(query), result_count=page.total if page.total is not None
                    else len(page.items))
    return render_template("storefront/search.html", query=query, page=page, suggestions=suggestions)


@storefront_bp.route("/sitemap.xml")
def sitemap():
    xml = render_template("storefront/sitemap.xml", entries=sitemap_entries(request.host_url.rstrip("/")))
    return Response(xml, mimetype="application/xml")


@storefront_bp.route("/robots.txt")
def robots():
    lines = ["User-agent: *", "Disallow: /search", f"Sitemap: {request.host_url}sitemap.xml", ""]
    return Response("\n".join(lines), mimetype="text/plain")


@storefront_bp.route("/theme.css")
def theme_stylesheet():
    css, row = store_theme_css()
    response = Response(css, mimetype="text/css")
    response.set_etag(f"theme-{row.theme}-{row.version}")
    response.cache_control.no_cache = True
    return response.make_conditional(request)
