"""Share cards (分享卡片): what a shared page or product shows in WeChat — title,
description and picture.

A page's own settings live in its document under ``"share"`` (so they are drafted, published
and rolled back with the page); what the merchant leaves empty falls back to the page's
title, the store's name and the page's first banner picture (else its first image block,
else the store's logo). A product shares its title, subtitle and first picture. The H5
store renders the card as meta tags (``storefront/templates/storefront/layout.html``) and
the mini-program API hands it over as ``share``: both start from the functions here.
"""
from flask_babel import gettext as _
from pydantic import BaseModel, ConfigDict, ValidationError

from themes.fields import N_, Image, Text
from themes.models import Page

MAX_TITLE, MAX_DESC = 40, 80


class ShareSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: Text(N_("Share title"), max_length=MAX_TITLE)
    desc: Text(N_("Share description"), max_length=MAX_DESC)
    image: Image(N_("Share picture"))


def clean_share(raw):
    """``(settings dict or None, problems)``: empty settings are dropped from the document."""
    if raw is None:
        return None, []
    if not isinstance(raw, dict):
        return None, [{"block": None, "field": "share", "message": _("Share settings must be an object.")}]
    try:
        settings = ShareSettings.model_validate(raw)
    except ValidationError as error:
        return None, [{"block": None, "field": "share." + ".".join(str(p) for p in detail["loc"]),
                       "detail": detail} for detail in error.errors(include_url=False)]
    clean = settings.model_dump()
    return (clean if any(clean.values()) else None), []


def share_settings(document):
    """The merchant's own share settings of a document (empty strings where none)."""
    own = (document or {}).get("share") or {}
    return {"title": own.get("title", ""), "desc": own.get("desc", ""), "image": own.get("image", "")}


def first_picture(document):
    """The first visible banner slide's picture, else the first visible image block's, else ""."""
    blocks = (document or {}).get("blocks", {})
    visible = [blocks[i] for i in (document or {}).get("order", []) if i in blocks and not blocks[i].get("hidden")]
    for block in visible:
        if block.get("type") == "banner":
            for child_id in block.get("order", []):
                child = block.get("blocks", {}).get(child_id) or {}
                if not child.get("hidden") and (child.get("settings") or {}).get("image"):
                    return child["settings"]["image"]
    for block in visible:
        if block.get("type") == "image" and (block.get("settings") or {}).get("image"):
            return block["settings"]["image"]
    return ""


def page_share(page, store, document=None):
    """``{"title", "desc", "image"}`` of a page (``image`` as stored: /media/… or https://…,
    maybe ""). ``document`` defaults to the published one."""
    document = page.published_document if document is None else document
    own = share_settings(document)
    default_title = store.name if page.kind == Page.HOME else page.title
    return {"title": own["title"] or default_title, "desc": own["desc"] or store.name,
            "image": own["image"] or first_picture(document) or (store.logo_url or "")}


def product_share(product, store):
    return {"title": product.title, "desc": product.subtitle or store.name,
            "image": product.images[0].url() if product.images else (store.logo_url or "")}
