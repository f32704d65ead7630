"""Merchant rich text (block text, product details): the one sanitizer, nh3 with a short
allow-list. Run on the way in and again on the way out, so a stored value from before a
rule change is still made safe when shown."""
import re

import nh3

RICH_TEXT_TAGS = {"p", "br", "strong", "b", "em", "i", "u", "s", "h2", "h3", "h4", "ul", "ol", "li",
                  "blockquote", "a", "span", "img", "hr"}
RICH_TEXT_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "width", "height"}}
TAG = re.compile(r"<[^>]*>")


def sanitize_rich_text(html):
    return nh3.clean(html or "", tags=RICH_TEXT_TAGS, attributes=RICH_TEXT_ATTRIBUTES,
                     url_schemes={"http", "https", "tel"}, link_rel="noopener noreferrer nofollow")


def plain_text(html, *, limit=None):
    """The words of rich text without markup (meta descriptions, CSV exports)."""
    text = " ".join(nh3.clean(TAG.sub(" ", html or ""), tags=set()).split())
    return text[:limit] if limit else text
