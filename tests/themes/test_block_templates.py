"""Every block rendered through ``themes.renderer.render_document``: hostile merchant text
(template syntax, script tags) in every text setting, child and shop record comes out
escaped and inert, in every theme; blocks with nothing to show say so."""
import re
from itertools import product
from types import SimpleNamespace

import pytest
from annotated_types import MaxLen
from markupsafe import escape
from sqlalchemy import delete

from commerce.catalog.models import Category
from core.extensions import db
from core.tenancy import tenant_context
from tests.factories import create_product, create_store
from tests.themes.test_blocks import BLOCK_NAMES, VALID, block_type
from themes.blocks.registry import BLOCKS_DIR
from themes.renderer import render_document
from themes.theme import get_theme, themes

HOSTILE = ["{{ 7*7 }}", "<script>alert(1)</script>", "{% raw %}{{config}}{% endraw %}"]
TEXT_WIDGETS = {"text", "textarea", "richtext"}
KEYWORD_LENGTH = 12  # search_bar: each hot keyword is at most 12 characters
CHILD_TYPES = {name: block_type(name).child_type for name in BLOCK_NAMES if block_type(name).child_type}
TOP_LEVEL = [name for name in BLOCK_NAMES if not block_type(name).nested_only]
# Sources that need no particular ids, so the shop's (hostile) products show up.
DATA_OVERRIDES = {"product_grid": {"source": "newest"}, "product_carousel": {"source": "newest"}}


def text_fields(name):
    """``{field: max_length}`` of every free-text setting of a block type."""
    found = {}
    for field, info in block_type(name).settings.model_fields.items():
        if (info.json_schema_extra or {}).get("widget") in TEXT_WIDGETS:
            found[field] = next(m.max_length for m in info.metadata if isinstance(m, MaxLen))
    return found


def hostile_settings(name, payload):
    settings = {**VALID[name], **DATA_OVERRIDES.get(name, {})}
    for field, max_length in text_fields(name).items():
        limit = KEYWORD_LENGTH if field == "hot_keywords" else max_length
        settings[field] = payload[:limit]
    return settings


def without_links(name, payload):
    settings = hostile_settings(name, payload)
    for field, info in block_type(name).settings.model_fields.items():
        if (info.json_schema_extra or {}).get("widget") == "link" and name != "video":
            settings[field] = ""
    return settings


def document(name, settings, children=()):
    child_blocks = {f"c{i}": {"type": CHILD_TYPES[name], "settings": child} for i, child in enumerate(children)}
    return {"blocks": {"b1": {"type": name, "settings": settings, "blocks": child_blocks, "order": list(child_blocks)}},
            "order": ["b1"]}


@pytest.fixture
def shop(app):
    """A store with hostile category and product names, inside its request and tenant context."""
    with app.test_request_context(base_url="http://demo.duoshop.test/", headers={"Accept-Language": "en"}):
        store = create_store("demo")
        with tenant_context(store.id):
            yield store


def add_hostile_catalog(store, payload):
    with tenant_context(store.id):
        db.session.add(Category(name=payload[:60]))
        db.session.commit()
    create_product(store, payload, price=1000)


def render(name, settings, *, children=(), theme="default", store_name="Demo"):
    theme_ = get_theme(theme)
    return str(render_document(document(name, settings, children), theme=theme_, theme_settings=theme_.settings_from({}),
                               store=SimpleNamespace(name=store_name, slug="demo")))


def assert_inert(html, payload):
    assert "<script" not in html.lower()
    assert "49" not in html
    assert "SECRET_KEY" not in html and "&lt;Config" not in html
    assert "style=" not in html.lower()


@pytest.mark.parametrize("payload", HOSTILE)
@pytest.mark.parametrize("name", TOP_LEVEL)
def test_hostile_text_is_escaped_and_inert(shop, name, payload):
    add_hostile_catalog(shop, payload)
    children = [hostile_settings(CHILD_TYPES[name], payload)] * 2 if name in CHILD_TYPES else []
    # With and without links: templates show linked and plain text through different branches.
    for theme, settings in product(themes(), (hostile_settings(name, payload), without_links(name, payload))):
        html = render(name, settings, children=children, theme=theme, store_name=payload)
        assert f'data-block-type="{name}"' in html, f"{name} was not rendered in theme {theme}"
        assert_inert(html, payload)
        validated = block_type(name).settings.model_validate(settings)
        for field in text_fields(name):
            value = getattr(validated, field)
            if field == "html":  # rich text: sanitised, so a script is dropped rather than escaped
                assert "alert(1)" not in html or "script" not in payload
                continue
            assert str(escape(value)) in html, f"{name}.{field} not shown escaped"
        for child in children:
            for field in text_fields(CHILD_TYPES[name]):
                assert str(escape(child[field])) in html, f"{name} child {field} not shown escaped"


def test_hostile_shop_data_is_escaped(shop):
    payload = HOSTILE[1]
    add_hostile_catalog(shop, payload)
    for name in ("category_grid", "product_carousel", "product_grid", "header", "footer", "member_card"):
        html = render(name, {**DATA_OVERRIDES.get(name, {})}, store_name=payload)
        assert str(escape(payload[:1])) in html  # the category/product initial or the store name
        assert_inert(html, payload)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in render("category_grid", {})
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in render("product_carousel", {})


# Blocks that can have nothing to show, and the friendly note the merchant sees instead.
EMPTY_STATES = {
    "announcement_bar": "Write an announcement",
    "image": "Add an image",
    "video": "Add a video",
    "notice": "Write a notice",
    "category_grid": "No categories yet",
    "product_grid": "No products to show",
    "product_carousel": "No products to show",
    "coupon_strip": "No coupons yet",
    "group_buy_list": "No group buys yet",
    "bargain_list": "No bargains yet",
    "flash_sale": "No flash sale running yet",
    "member_card": "Describe what members get",
    "banner": "Add slides",
}


@pytest.mark.parametrize("name", sorted(EMPTY_STATES))
def test_empty_state(shop, name):
    with tenant_context(shop.id):  # a new store starts with a few categories
        db.session.execute(delete(Category))
        db.session.commit()
    html = render(name, {})
    assert 'class="blk-empty"' in html
    assert EMPTY_STATES[name] in html


ROOT_CLASSES = {
    "announcement_bar": "blk-announcement", "search_bar": "blk-search", "banner": "blk-banner", "image": "blk-image",
    "video": "blk-video", "rich_text": "blk-rich-text", "notice": "blk-notice", "category_grid": "blk-categories",
    "product_grid": "blk-products", "product_carousel": "blk-carousel", "coupon_strip": "blk-coupons",
    "group_buy_list": "blk-group-buy", "bargain_list": "blk-bargain", "flash_sale": "blk-flash",
    "member_card": "blk-member", "header": "blk-header", "footer": "blk-footer", "spacer": "blk-spacer",
    "divider": "blk-divider",
}


@pytest.mark.parametrize("name", TOP_LEVEL)
def test_defaults_render_without_inline_style_or_script(shop, name):
    for settings in ({}, {**VALID[name], **DATA_OVERRIDES.get(name, {})}):
        html = render(name, settings)
        assert f'data-block-type="{name}"' in html
        assert re.search(rf'class="(?:[^"]* )?{ROOT_CLASSES[name]}[ "]', html), f"{name}: no {ROOT_CLASSES[name]} root"
        for forbidden in ("style=", "<script", "<iframe", "javascript:"):
            assert forbidden not in html.lower()


@pytest.mark.parametrize("name", BLOCK_NAMES)
def test_template_source_has_no_escape_hatches(name):
    source = (BLOCKS_DIR / block_type(name).template).read_text(encoding="utf-8")
    for forbidden in ("|safe", "| safe", "style=", "<script", "<iframe", "autoescape false", "Markup", "include",
                      "import", "extends"):
        assert forbidden not in source, f"{name}.html uses {forbidden!r}"


def test_colours_travel_as_data_attributes(shop):
    html = render("announcement_bar", VALID["announcement_bar"])
    assert 'data-color="#fff"' in html and 'data-background="#ee0a24"' in html
    assert 'data-color="#cccccc"' in render("divider", VALID["divider"])
    assert "blk-divider--dashed" in render("divider", VALID["divider"])


def test_video_is_a_plain_video_element(shop):
    html = render("video", VALID["video"])
    assert "<video" in html and " controls" in html and " autoplay muted" in html
    assert 'src="https://cdn.example.com/intro.mp4"' in html and 'poster="/media/1/poster.jpg"' in html
    assert " autoplay" not in render("video", {**VALID["video"], "autoplay_muted": False})


def test_flash_sale_countdown_carries_its_end_time(shop):
    html = render("flash_sale", VALID["flash_sale"])
    assert 'data-ends-at="2026-06-18T20:00:00+08:00"' in html
    assert "data-ends-at" not in render("flash_sale", {})


def test_spacer_and_header_and_footer(shop):
    assert "blk-spacer--40" in render("spacer", {"height": 41})
    header = render("header", VALID["header"], children=[{"label": "全部商品", "link": "/c/1"}, {"label": "", "link": "/"}])
    assert 'src="/media/1/logo.png"' in header and "blk-header--sticky" in header
    assert header.count("blk-header__link") == 1  # a link without a label is left out
    footer = render("footer", VALID["footer"], children=[{"label": "关于我们", "link": "/p/about"}])
    assert "京ICP备12345678号-1" in footer and 'href="https://beian.miit.gov.cn/"' in footer
    assert 'href="/p/about"' in footer
    assert "京ICP" not in render("footer", {})


def test_search_bar_hot_keywords_link_to_search(shop):
    html = render("search_bar", {"hot_keywords": "龙井, 礼 盒"})
    assert 'href="/search?q=%E9%BE%99%E4%BA%95"' in html
    assert 'href="/search?q=%E7%A4%BC%20%E7%9B%92"' in html
    assert 'placeholder="Search products"' in render("search_bar", {})


def test_the_footer_prints_the_copyright_line_once(shop):
    plain = render("footer", {"text": "全国包邮 · 七天无理由"}, store_name="演示店")
    assert plain.count("© 演示店") == 1 and "全国包邮" in plain
    typed = render("footer", {"text": "© 演示店"}, store_name="演示店")  # the merchant typed it too
    assert typed.count("©") == 1
