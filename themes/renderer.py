"""Render a page document to HTML with the block templates of a theme.

``render_document(document, theme=..., theme_settings=..., store=...)`` → ``Markup``.

Templates run in a ``SandboxedEnvironment`` with autoescape, one environment per theme so
Jinja's template cache is keyed by theme (a theme's override never serves another theme).
Merchant values are passed as data; no template is ever built from them. Data for every
block is loaded up front by ``themes.data.load_page_data`` in a fixed number of queries.
"""
import logging
from functools import cache

from flask import url_for
from flask_babel import gettext
from jinja2 import ChoiceLoader, FileSystemLoader
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup
from pydantic import ValidationError

from core.money import format_money
from core.richtext import sanitize_rich_text
from themes.blocks.registry import BLOCKS_DIR, load_blocks
from themes.data import load_page_data
from themes.theme import get_theme

log = logging.getLogger(__name__)


def _rich_text(html):
    return Markup(sanitize_rich_text(html or ""))  # sanitized again on the way out


def _product_url(product):
    return url_for("storefront.product_detail", product_id=product.id)


def _product_cover(product):
    """The first picture's thumbnail URL, or "" (the template then shows a letter tile)."""
    return product.images[0].thumbnail_url() if product.images else ""


def _category_url(category):
    return url_for("storefront.category", category_id=category.id)


@cache
def environment(theme_name):
    theme = get_theme(theme_name)
    env = SandboxedEnvironment(
        loader=ChoiceLoader([FileSystemLoader(theme.overrides_dir), FileSystemLoader(BLOCKS_DIR)]),
        autoescape=True,
        auto_reload=False,
    )
    env.filters.update(money=format_money, rich_text=_rich_text)
    env.globals.update(_=gettext, product_url=_product_url, product_cover=_product_cover,
                       category_url=_category_url)
    return env


def _settings(block_type, raw):
    return block_type.settings.model_validate(raw or {})


def render_document(document, *, theme, theme_settings, store):
    """HTML of the visible blocks, in order. A stored block that no longer fits its
    schema (after a schema change) is skipped and logged, never shown broken."""
    registry = load_blocks()
    prepared = []
    for block_id in document.get("order", []):
        block = document["blocks"][block_id]
        block_type = registry.get(block.get("type"))
        if block_type is None or block.get("hidden"):
            continue
        try:
            settings = _settings(block_type, block.get("settings"))
            children = [_settings(registry[child["type"]], child.get("settings"))
                        for child_id in block.get("order", [])
                        if not (child := block["blocks"][child_id]).get("hidden")]
        except (ValidationError, KeyError):
            log.warning("skipping block %s (%s): stored settings no longer valid", block_id, block.get("type"))
            continue
        prepared.append((block_id, block_type, settings, children))
    data = load_page_data({block_id: (bt.needs(settings) if bt.needs else [])
                           for block_id, bt, settings, _ in prepared})
    env = environment(theme.name)
    parts = []
    for block_id, block_type, settings, children in prepared:
        html = env.get_template(block_type.template).render(
            block=settings, children=children, data=data[block_id], block_id=block_id,
            theme=theme_settings, store=store,
        )
        parts.append(Markup('<div class="blk" data-block-id="{}" data-block-type="{}">').format(
            block_id, block_type.name) + Markup(html) + Markup("</div>"))
    return Markup("\n").join(parts) if parts else Markup("")

