"""Starting from a template: a new custom page, or the home page's draft, laid out as the
template. Its pictures are copied into the store's own image library first (so the page
shows the store's copies: editing or deleting them never touches another store, and deleting
one in use is refused like any library image). The caller commits."""
from flask_babel import gettext as _
from sqlalchemy import select

from commerce.catalog.library import upload_to_library
from core.audit import record_audit
from core.errors import DomainError
from core.extensions import db
from core.tenancy import current_tenant_id
from tenants.entitlements import require
from themes.models import Page
from themes.page_templates import IMAGES_DIR, find_template, template_document
from themes.pages import create_page, save_draft


class UnknownTemplate(DomainError):
    status = 404


def _template(template_key):
    """:raise UnknownTemplate: no template has this key"""
    template = find_template(template_key)
    if template is None:
        raise UnknownTemplate(_("There is no such template."))
    return template


def _lay_out(page, template, *, actor):
    """Copy the template's pictures into the library and make the template the page's draft
    (keeping the page's own share card)."""
    tenant_id = current_tenant_id()
    # All the pictures must fit before the first is stored: a refusal half-way would leave
    # files behind that the rolled-back library no longer names.
    require("storage", adding=sum((IMAGES_DIR / name).stat().st_size for name in template.pictures()))
    copies = {}
    for name in template.pictures():
        image = upload_to_library((IMAGES_DIR / name).read_bytes(), tenant_id=tenant_id,
                                  name=f"{page.title} · {name.rsplit('.', 1)[0]}", folder=_("Page templates"),
                                  actor=actor)
        copies[name] = image.url()
    document = template_document(template, copies.__getitem__)
    if page.draft_document.get("share"):
        document["share"] = page.draft_document["share"]
    save_draft(page, document, expected_revision=page.draft_revision, actor=actor)
    record_audit("page.started_from_template", actor=actor, target=page, details={"template": template.key})
    return page


def start_page_from_template(*, actor, template_key, title, slug):
    """A new draft page laid out as the template.

    :raise UnknownTemplate: no template has this key
    :raise UpgradeRequired: the plan's page count or storage is used up
    :raise PageRefused: a bad or taken address
    """
    template = _template(template_key)
    return _lay_out(create_page(actor=actor, title=title, slug=slug), template, actor=actor)


def apply_template_to_home(*, actor, template_key):
    """The home page's draft becomes the template; what is live stays live until published
    (and every published version stays in the history).

    :raise UnknownTemplate: no template has this key
    :raise UpgradeRequired: the plan's storage is used up
    """
    template = _template(template_key)
    return _lay_out(db.session.scalar(select(Page).where(Page.kind == Page.HOME)), template, actor=actor)
