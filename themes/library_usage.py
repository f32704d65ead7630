"""Where the page builder uses a library image: a page's draft or published blocks, and the
store's theme settings (the logo). Registered with ``commerce.catalog.library`` so deleting an
image in use is refused with these places."""
from flask_babel import gettext as _
from sqlalchemy import String, cast, or_, select

from commerce.catalog.library import usage_finder
from core.extensions import db
from themes.models import Page, StoreTheme


@usage_finder
def pages_showing(image):
    titles = db.session.scalars(select(Page.title).where(or_(
        cast(Page.draft_document, String).contains(image.filename),
        cast(Page.published_document, String).contains(image.filename))).order_by(Page.title))
    return [_("page 「%(title)s」", title=title) for title in titles]


@usage_finder
def theme_showing(image):
    used = db.session.scalar(select(StoreTheme.id).where(cast(StoreTheme.settings, String).contains(image.filename)))
    return [_("the store's logo")] if used is not None else []
