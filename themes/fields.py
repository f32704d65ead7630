"""Setting types for block schemas. Each carries the editor widget that edits it.

Merchant values are data, never code: text is escaped by the templates, rich text is
sanitized with nh3 on the way in (and again on the way out), links are limited to safe
schemes, colours to hex.
"""
import re
from typing import Annotated

from flask_babel import gettext as _
from pydantic import AfterValidator, Field

from core.richtext import sanitize_rich_text

HEX_COLOR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
IMAGE_URL = re.compile(r"^(?:https://[^\s<>\"']+|/media/[^\s<>\"']+|)$")
SAFE_LINK = re.compile(r"^(?:https?://[^\s<>\"']+|/(?!/)[^\s<>\"']*|tel:\+?[0-9\- ]{3,20}|)$")


def N_(message):
    """Mark a string for translation without translating it (schema titles, block labels)."""
    return message


def _check_link(value):
    if not SAFE_LINK.match(value.strip()):
        raise ValueError(_("links must start with https://, http://, / or tel:"))
    return value.strip()


def _check_image(value):
    if not IMAGE_URL.match(value.strip()):
        raise ValueError(_("images must be uploaded here (/media/…) or start with https://"))
    return value.strip()


def _check_optional_color(value):
    return value if value == "" else _check_color(value)  # empty: the theme decides


def _check_color(value):
    if not HEX_COLOR.match(value):
        raise ValueError(_("use a colour like #07c160"))
    return value.lower()


def _widget(name, **extra):
    return {"widget": name, **extra}


def Text(title, *, default="", max_length=80, placeholder=None):
    return Annotated[str, Field(default=default, max_length=max_length, title=title,
                                json_schema_extra=_widget("text", placeholder=placeholder))]


def LongText(title, *, default="", max_length=500):
    return Annotated[str, Field(default=default, max_length=max_length, title=title,
                                json_schema_extra=_widget("textarea"))]


def RichText(title, *, default="", max_length=20000):
    return Annotated[str, Field(default=default, max_length=max_length, title=title,
                                json_schema_extra=_widget("richtext")), AfterValidator(sanitize_rich_text)]


def Link(title, *, default=""):
    return Annotated[str, Field(default=default, max_length=500, title=title, json_schema_extra=_widget("link")),
                     AfterValidator(_check_link)]


def Image(title, *, default=""):
    """An image URL: our uploads (``/media/...``) or an https address."""
    return Annotated[str, Field(default=default, max_length=500, title=title, json_schema_extra=_widget("image")),
                     AfterValidator(_check_image)]


def Color(title, *, default="#07c160", optional=False):
    check = _check_optional_color if optional else _check_color
    return Annotated[str, Field(default=default, title=title, json_schema_extra=_widget("color", optional=optional)),
                     AfterValidator(check)]


def Number(title, *, default, ge, le):
    return Annotated[int, Field(default=default, ge=ge, le=le, title=title, json_schema_extra=_widget("number"))]


def Toggle(title, *, default=False):
    return Annotated[bool, Field(default=default, title=title, json_schema_extra=_widget("toggle"))]


def CategoryRef(title):
    return Annotated[int | None, Field(default=None, title=title, json_schema_extra=_widget("category"))]


def ProductRefs(title, *, max_items=20):
    return Annotated[list[int], Field(default_factory=list, max_length=max_items, title=title,
                                      json_schema_extra=_widget("products"))]
