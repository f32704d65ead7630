"""Block schemas: defaults validate, representative settings validate, bad values are
refused naming the field, and each block declares the limits we meant."""
import ast
import importlib
import subprocess
import sys

import pytest
from pydantic import ValidationError

from themes.blocks.registry import BLOCKS_DIR, PALETTE_GROUPS, get_block_type
from themes.data import Need

# name: (group, max_per_page, child_type, max_children, nested_only)
LIMITS = {
    "announcement_bar": ("basic", 1, None, 0, False),
    "search_bar": ("basic", 1, None, 0, False),
    "banner": ("basic", 5, "slide", 8, False),
    "image": ("basic", 20, None, 0, False),
    "video": ("basic", 5, None, 0, False),
    "rich_text": ("basic", 20, None, 0, False),
    "notice": ("basic", 3, None, 0, False),
    "category_grid": ("products", 5, None, 0, False),
    "product_grid": ("products", 10, None, 0, False),
    "product_carousel": ("products", 10, None, 0, False),
    "coupon_strip": ("marketing", 3, None, 0, False),
    "group_buy_list": ("marketing", 3, None, 0, False),
    "bargain_list": ("marketing", 3, None, 0, False),
    "flash_sale": ("marketing", 3, None, 0, False),
    "member_card": ("marketing", 3, None, 0, False),
    "header": ("layout", 1, "nav_link", 6, False),
    "footer": ("layout", 1, "footer_link", 8, False),
    "spacer": ("layout", 30, None, 0, False),
    "divider": ("layout", 30, None, 0, False),
    "slide": ("basic", 40, None, 0, True),
    "nav_link": ("layout", 6, None, 0, True),
    "footer_link": ("layout", 8, None, 0, True),
}
BLOCK_NAMES = sorted(LIMITS)

# A representative, fully filled-in value for every block.
VALID = {
    "announcement_bar": {"text": "全场满99包邮", "link": "/p/summer", "text_color": "#FFF",
                         "background_color": "#ee0a24", "dismissible": False},
    "search_bar": {"placeholder": "搜索好茶", "hot_keywords": "龙井, 礼盒，新品、白茶"},
    "banner": {"height": "large", "autoplay": False, "interval": 6},
    "image": {"image": "/media/1/a.jpg", "alt": "夏季新品", "link": "https://example.com/summer"},
    "video": {"url": "https://cdn.example.com/intro.mp4", "poster": "/media/1/poster.jpg", "autoplay_muted": True},
    "rich_text": {"html": "<p>Hello <strong>tea</strong></p>"},
    "notice": {"text": "端午节正常发货", "link": "/p/notice", "speed": "fast"},
    "category_grid": {"title": "分类", "columns": 5, "count": 10, "icon_style": "square"},
    "product_grid": {"title": "新品", "source": "category", "category_id": 3, "columns": 3, "count": 9},
    "product_carousel": {"title": "热卖", "source": "picked", "product_ids": [3, 1, 2], "count": 3,
                         "card_size": "large"},
    "coupon_strip": {"title": "领券中心", "count": 4},
    "group_buy_list": {"title": "拼团", "count": 6},
    "bargain_list": {"title": "砍价", "count": 2},
    "flash_sale": {"title": "限时秒杀", "ends_at": "2026-06-18T20:00:00+08:00", "count": 8},
    "member_card": {"title": "会员卡", "benefits": "积分翻倍\n生日礼", "link": "/member"},
    "header": {"logo": "/media/1/logo.png", "show_store_name": False, "sticky": True},
    "footer": {"text": "客服电话 400-000-0000", "icp_number": "京ICP备12345678号-1"},
    "spacer": {"height": 120},
    "divider": {"style": "dashed", "color": "#cccccc"},
    "slide": {"image": "/media/1/s.jpg", "alt": "slide", "link": "tel:+86 10 1234 5678"},
    "nav_link": {"label": "全部商品", "link": "/"},
    "footer_link": {"label": "关于我们", "link": "/p/about"},
}

LONG = "长" * 501
JS = "javascript:alert(1)"

# (block, settings, the field the error must name)
INVALID = [
    ("announcement_bar", {"text": LONG[:61]}, "text"),
    ("announcement_bar", {"text": ["not", "text"]}, "text"),
    ("announcement_bar", {"link": JS}, "link"),
    ("announcement_bar", {"text_color": "red"}, "text_color"),
    ("announcement_bar", {"background_color": "#12345g"}, "background_color"),
    ("announcement_bar", {"dismissible": "sometimes"}, "dismissible"),
    ("search_bar", {"placeholder": LONG[:31]}, "placeholder"),
    ("search_bar", {"hot_keywords": "a,b,c,d,e,f,g,h,i"}, "hot_keywords"),
    ("search_bar", {"hot_keywords": "一个非常非常非常长的热门搜索词"}, "hot_keywords"),
    ("search_bar", {"hot_keywords": 42}, "hot_keywords"),
    ("banner", {"interval": 1}, "interval"),
    ("banner", {"height": "huge"}, "height"),
    ("image", {"image": "javascript:alert(1)//.png"}, "image"),
    ("image", {"link": JS}, "link"),
    ("image", {"link": "//evil.example.com/"}, "link"),
    ("image", {"alt": LONG[:121]}, "alt"),
    ("video", {"url": "http://cdn.example.com/a.mp4"}, "url"),
    ("video", {"url": JS}, "url"),
    ("video", {"url": "/p/not-media"}, "url"),
    ("video", {"url": "data:video/mp4;base64,AAAA"}, "url"),
    ("video", {"poster": JS}, "poster"),
    ("video", {"autoplay_muted": [1]}, "autoplay_muted"),
    ("rich_text", {"html": "x" * 20001}, "html"),
    ("notice", {"text": LONG[:201]}, "text"),
    ("notice", {"speed": "ludicrous"}, "speed"),
    ("notice", {"link": JS}, "link"),
    ("category_grid", {"columns": 2}, "columns"),
    ("category_grid", {"columns": 6}, "columns"),
    ("category_grid", {"count": 21}, "count"),
    ("category_grid", {"count": "many"}, "count"),
    ("category_grid", {"icon_style": "hexagon"}, "icon_style"),
    ("product_grid", {"count": 41}, "count"),
    ("product_grid", {"source": "category", "category_id": None}, None),  # a category source needs a category
    ("product_carousel", {"count": 0}, "count"),
    ("product_carousel", {"count": 21}, "count"),
    ("product_carousel", {"source": "random"}, "source"),
    ("product_carousel", {"source": "category"}, None),
    ("product_carousel", {"product_ids": list(range(21))}, "product_ids"),
    ("product_carousel", {"product_ids": ["x"]}, "product_ids"),
    ("product_carousel", {"category_id": "tea"}, "category_id"),
    ("coupon_strip", {"title": LONG[:31]}, "title"),
    ("coupon_strip", {"count": 99}, "count"),
    ("group_buy_list", {"count": 0}, "count"),
    ("group_buy_list", {"title": 7}, "title"),
    ("bargain_list", {"count": 21}, "count"),
    ("bargain_list", {"title": LONG[:31]}, "title"),
    ("flash_sale", {"ends_at": "tomorrow"}, "ends_at"),
    ("flash_sale", {"ends_at": "2026-13-01T00:00:00"}, "ends_at"),
    ("flash_sale", {"ends_at": "1900-01-01T00:00:00+08:00"}, "ends_at"),
    ("flash_sale", {"ends_at": '"><script>alert(1)</script>'}, "ends_at"),
    ("flash_sale", {"ends_at": "2026-06-18T20:00:00+08:00" + " " * 20 + "x"}, "ends_at"),
    ("flash_sale", {"count": 21}, "count"),
    ("member_card", {"benefits": LONG[:201]}, "benefits"),
    ("member_card", {"link": JS}, "link"),
    ("member_card", {"link": "vbscript:msgbox(1)"}, "link"),
    ("header", {"logo": JS}, "logo"),
    ("header", {"show_store_name": "maybe"}, "show_store_name"),
    ("footer", {"text": LONG[:301]}, "text"),
    ("footer", {"icp_number": LONG[:41]}, "icp_number"),
    ("spacer", {"height": 3}, "height"),
    ("spacer", {"height": 121}, "height"),
    ("spacer", {"height": "tall"}, "height"),
    ("spacer", {"height": 12.5}, "height"),
    ("divider", {"style": "dotted"}, "style"),
    ("divider", {"color": "rgb(0,0,0)"}, "color"),
    ("divider", {"color": "#000;background:url(x)"}, "color"),
    ("slide", {"link": JS}, "link"),
    ("nav_link", {"label": LONG[:13]}, "label"),
    ("nav_link", {"link": JS}, "link"),
    ("nav_link", {"link": " JavaScript:alert(1)"}, "link"),
    ("footer_link", {"label": LONG[:21]}, "label"),
    ("footer_link", {"link": "data:text/html,<script>alert(1)</script>"}, "link"),
]


def block_type(name):
    """The registered type of a block folder, imported directly so these tests do not
    depend on discovery (tested on its own below)."""
    importlib.import_module(f"themes.blocks.{name}.block")
    found = get_block_type(name)
    assert found is not None, f"themes/blocks/{name}/block.py registers no block named {name!r}"
    return found


def error_fields(error):
    return {part for item in error.errors() for part in item["loc"] if isinstance(part, str)}


def test_every_block_folder_is_covered_here():
    folders = sorted(p.name for p in BLOCKS_DIR.iterdir() if (p / "block.py").is_file())
    assert folders == BLOCK_NAMES
    assert sorted(VALID) == BLOCK_NAMES


def test_a_fresh_process_discovers_every_block():
    found = subprocess.run([sys.executable, "-c", "from themes.blocks.registry import load_blocks;"
                            "print(' '.join(sorted(load_blocks())))"],
                           cwd=BLOCKS_DIR.parents[1], capture_output=True, text=True, check=True)
    assert found.stdout.split() == BLOCK_NAMES


@pytest.mark.parametrize("name", BLOCK_NAMES)
def test_block_folder_has_its_template(name):
    bt = block_type(name)
    assert bt.name == name
    assert (BLOCKS_DIR / bt.template).is_file()


@pytest.mark.parametrize("name", BLOCK_NAMES)
def test_defaults_validate(name):
    settings = block_type(name).settings()
    assert block_type(name).settings.model_validate({}) == settings
    # A stored default round-trips through JSON unchanged.
    assert block_type(name).settings.model_validate_json(settings.model_dump_json()) == settings


@pytest.mark.parametrize("name", BLOCK_NAMES)
def test_representative_settings_validate(name):
    settings = block_type(name).settings.model_validate(VALID[name])
    dumped = settings.model_dump()
    assert set(VALID[name]) <= set(dumped)


@pytest.mark.parametrize("name, settings, field", INVALID,
                         ids=[f"{n}-{f or 'model'}-{i}" for i, (n, _, f) in enumerate(INVALID)])
def test_invalid_settings_are_refused(name, settings, field):
    with pytest.raises(ValidationError) as refused:
        block_type(name).settings.model_validate({**VALID[name], **settings})
    if field:
        assert field in error_fields(refused.value)


@pytest.mark.parametrize("name", BLOCK_NAMES)
def test_unknown_setting_is_refused(name):
    with pytest.raises(ValidationError) as refused:
        block_type(name).settings.model_validate({**VALID[name], "onclick": "alert(1)"})
    assert "onclick" in error_fields(refused.value)


@pytest.mark.parametrize("name", BLOCK_NAMES)
def test_limits_are_declared(name):
    bt = block_type(name)
    assert (bt.group, bt.max_per_page, bt.child_type, bt.max_children, bt.nested_only) == LIMITS[name]
    assert bt.group in PALETTE_GROUPS
    if bt.child_type:
        child = block_type(bt.child_type)
        assert child.nested_only and bt.max_children > 0
        for defaults in bt.defaults_children:
            child.settings.model_validate(defaults)


def test_nested_only_blocks_have_a_parent():
    parents = {block_type(name).child_type for name in BLOCK_NAMES}
    assert {name for name in BLOCK_NAMES if block_type(name).nested_only} <= parents


@pytest.mark.parametrize("name", BLOCK_NAMES)
def test_palette_entry(name):
    bt = block_type(name)
    assert len(bt.icon) == 1 and not bt.icon.isalnum()
    assert bt.label and bt.label[0].isupper() and bt.label.isascii()


# ---------- translatable titles ----------

SETTING_TYPES = {"Text", "LongText", "RichText", "Link", "Image", "Color", "Number", "Toggle", "CategoryRef",
                 "ProductRefs"}


def _is_n(node):
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "N_"
            and len(node.args) == 1 and isinstance(node.args[0], ast.Constant) and node.args[0].value.isascii())


@pytest.mark.parametrize("name", BLOCK_NAMES)
def test_label_and_setting_titles_are_marked_for_translation(name):
    """Extraction finds only literal ``N_("English")`` calls: every label and title is one."""
    tree = ast.parse((BLOCKS_DIR / name / "block.py").read_text(encoding="utf-8"))
    seen = 0
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
            continue
        if node.func.id in SETTING_TYPES:
            assert node.args and _is_n(node.args[0]), f"{name}: {node.func.id}(…) title is not N_(\"…\")"
            seen += 1
        keywords = {k.arg: k.value for k in node.keywords}
        if node.func.id == "Field" or (node.func.id in SETTING_TYPES and "title" in keywords):
            assert _is_n(keywords.get("title")), f"{name}: Field(…) title is not N_(\"…\")"
            seen += 1
        if node.func.id == "BlockType":
            assert _is_n(keywords.get("label")), f"{name}: label is not N_(\"…\")"
    assert seen == len(block_type(name).settings.model_fields)
    for field_name, info in block_type(name).settings.model_fields.items():
        assert info.title, f"{name}.{field_name} has no title"


# ---------- what the blocks need and how they normalise ----------

def test_data_needs():
    assert block_type("category_grid").needs(block_type("category_grid").settings()) == [Need("categories")]
    carousel = block_type("product_carousel").settings.model_validate(VALID["product_carousel"])
    assert block_type("product_carousel").needs(carousel) == [
        Need("products", source="picked", count=3, product_ids=(3, 1, 2))]
    for name, kind in (("coupon_strip", "coupons"), ("group_buy_list", "group_buys"),
                       ("bargain_list", "bargains"), ("flash_sale", "flash_sales")):
        bt = block_type(name)
        assert [need.kind for need in bt.needs(bt.settings())] == [kind]
    for name in ("announcement_bar", "header", "footer", "spacer", "divider", "notice", "member_card", "video",
                 "image", "search_bar", "nav_link", "footer_link"):
        assert block_type(name).needs is None


@pytest.mark.parametrize("given, stored", [
    ("", ""),
    ("2026-06-18T20:00:00+08:00", "2026-06-18T20:00:00+08:00"),
    ("2026-06-18T20:00", "2026-06-18T20:00:00+08:00"),  # no offset: China time
    ("2026-06-18 12:00:00Z", "2026-06-18T12:00:00+00:00"),
    ("  2026-06-18T20:00:00.123456+08:00 ", "2026-06-18T20:00:00+08:00"),
])
def test_flash_sale_end_time_is_stored_unambiguous(given, stored):
    assert block_type("flash_sale").settings(ends_at=given).ends_at == stored


def test_hot_keywords_are_split_and_normalised():
    settings = block_type("search_bar").settings(hot_keywords=" 龙井 ,礼盒，，新品、 ")
    assert settings.hot_keywords == "龙井, 礼盒, 新品"
    assert settings.keywords == ["龙井", "礼盒", "新品"]
    assert block_type("search_bar").settings().keywords == []


@pytest.mark.parametrize("height, step", [(4, 4), (5, 4), (6, 8), (18, 16), (19, 20), (119, 120), (120, 120)])
def test_spacer_height_maps_to_a_css_step(height, step):
    assert block_type("spacer").settings(height=height).height_step == step


def test_colours_are_normalised_to_lower_case():
    assert block_type("divider").settings(color="#ABCDEF").color == "#abcdef"
