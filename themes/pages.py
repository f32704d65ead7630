"""Page documents: default pages for a new store. The builder issue adds blocks,
validation, publishing history and the renderer."""
from flask_babel import gettext as _
from sqlalchemy import select

from core.extensions import db
from core.models import utcnow
from tenants.provisioning import provisioning_step
from themes.models import Page, empty_document


def default_pages():
    return [
        (Page.HOME, "home", _("Home")),
        (Page.PRODUCT_DETAIL, "product", _("Product detail")),
    ]


@provisioning_step(order=10)
def create_default_pages(tenant):
    """Home and product-detail pages, published empty, unless the store has them."""
    existing = set(db.session.scalars(select(Page.slug)))
    created = []
    for kind, slug, title in default_pages():
        if slug in existing:
            continue
        page = Page(kind=kind, slug=slug, title=title, draft_document=empty_document(),
                    published_document=empty_document(), published_version=1, published_at=utcnow())
        db.session.add(page)
        created.append(page)
    db.session.flush()
    return created
