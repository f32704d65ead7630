"""Starting a page from a template: a new custom page whose draft is the template's
document, its pictures copied into the store's own image library first (so the page shows
the store's copies: editing or deleting them never touches another store, and deleting
one in use is refused like any library image). The caller commits."""
from flask_babel import gettext as _

from commerce.catalog.library import upload_to_library
from core.audit import record_audit
from core.errors import DomainError
from core.tenancy import current_tenant_id
from themes.page_templates import IMAGES_DIR, find_template, template_document
from themes.pages import create_page, save_draft


class UnknownTemplate(DomainError):
    status = 404


def start_page_from_template(*, actor, template_key, title, slug):
    """A new draft page laid out as the template.

    :raise UnknownTemplate: no template has this key
    :raise UpgradeRequired: the plan's page count or storage is used up
    :raise PageRefused: a bad or taken address
    """
    template = find_template(template_key)
    if template is None:
        raise UnknownTemplate(_("There is no such template."))
    page = create_page(actor=actor, title=title, slug=slug)
    tenant_id = current_tenant_id()
    copies = {}
    for name in template.pictures():
        image = upload_to_library((IMAGES_DIR / name).read_bytes(), tenant_id=tenant_id,
                                  name=f"{page.title} · {name.rsplit('.', 1)[0]}", folder=_("Page templates"),
                                  actor=actor)
        copies[name] = image.url()
    save_draft(page, template_document(template, copies.__getitem__), expected_revision=page.draft_revision,
               actor=actor)
    record_audit("page.started_from_template", actor=actor, target=page, details={"template": template.key})
    return page
