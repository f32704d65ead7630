"""Verbs on pages: create, save a draft (with a revision check), publish, roll back, and
the default pages of a new store. Callers own the transaction (views and jobs commit)."""
import re

from flask import g, has_request_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from core.audit import record_audit
from core.errors import DomainError
from core.extensions import db
from core.models import utcnow
from core.tenancy import current_tenant_id
from tenants.entitlements import require
from tenants.provisioning import provisioning_step
from themes.document import InvalidDocument, validate_document
from themes.models import Page, PageVersion, StoreTheme, empty_document
from themes.theme import DEFAULT_THEME, ThemeSettings, get_theme, themes

# Kept in the theme row but not the theme's: they stay when the theme or its colours change.
STORE_WIDE_SETTINGS = ("tab_bar",)
PAGE_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")


class DraftConflict(DomainError):
    status = 409

    def __init__(self, revision):
        super().__init__(_l("Someone else saved this page in the meantime. Reload to see their changes."),
                         extra={"current_revision": revision})
        self.current_revision = revision


class PageRefused(DomainError):
    """A page operation that the rules refuse (bad slug, taken slug, unknown version)."""


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
    for page in created:
        db.session.add(PageVersion(page_id=page.id, version=1, document=empty_document(), note=NOTE_CREATED))
    if db.session.scalar(select(StoreTheme.id)) is None:
        db.session.add(StoreTheme(theme=DEFAULT_THEME, settings={}))
    db.session.flush()
    return created


def create_page(*, actor, title, slug):
    """A new custom page (活动页), empty and unpublished."""
    require("pages")
    slug = (slug or "").strip().lower()
    if not PAGE_SLUG.match(slug):
        raise PageRefused(_l("Use lowercase letters, digits and hyphens for the page address."), field="slug")
    if db.session.scalar(select(Page.id).where(Page.slug == slug)) is not None:
        raise PageRefused(_l("Another page already uses this address."), status=409, field="slug")
    page = Page(kind=Page.CUSTOM, slug=slug, title=title.strip(), draft_document=empty_document())
    db.session.add(page)
    db.session.flush()
    record_audit("page.created", actor=actor, target=page, details={"slug": slug})
    return page


def save_draft(page, document, *, expected_revision, actor):
    """Validate and store the draft, unless someone saved since ``expected_revision``.

    The revision check is a conditional UPDATE, so two racing saves cannot both win.
    """
    clean = validate_document(document)
    result = db.session.execute(
        update(Page)
        .where(Page.id == page.id, Page.draft_revision == expected_revision)
        .values(draft_document=clean, draft_revision=Page.draft_revision + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.refresh(page)
        raise DraftConflict(page.draft_revision)
    db.session.refresh(page)
    return page


def save_share_settings(page, *, actor, title, desc, image):
    """The page's share card (``themes.share``), saved in its draft: it goes live when the
    page is published, and comes back with a rollback like the blocks.

    :raise PageRefused: a product-detail layout (products share themselves), or a setting
        the rules refuse (named by ``field``)
    """
    if page.kind == Page.PRODUCT_DETAIL:
        raise PageRefused(_l("Product pages share the product's own title, subtitle and picture."))
    document = {**page.draft_document, "share": {"title": title, "desc": desc, "image": image}}
    try:
        save_draft(page, document, expected_revision=page.draft_revision, actor=actor)
    except InvalidDocument as error:
        problem = next((p for p in error.problems if str(p.get("field") or "").startswith("share.")), None)
        if problem is None:
            raise
        raise PageRefused(problem["message"], field=problem["field"].removeprefix("share.")) from None
    record_audit("page.share_saved", actor=actor, target=page)
    return page


NOTE_CREATED, NOTE_ROLLBACK, NOTE_DEMO = "created", "rollback", "demo"  # PageVersion.note codes


def version_note(version):
    """The version's note in words, in the reader's language; None without one. A note that
    is not a code (written before codes) is shown as it was written."""
    params = version.note_params or {}
    if version.note == NOTE_CREATED:
        return _("Page created")
    if version.note == NOTE_ROLLBACK and "version" in params:
        return _("Rollback to version %(n)d", n=params["version"])
    if version.note == NOTE_DEMO:
        return _("Sample content")
    return version.note


def publish_page(page, *, actor, note=None, note_params=None):
    """Publish the draft as a new version, atomically: version row and page move together.
    ``note`` is a code (``NOTE_…``) with its ``note_params``, put into words when shown."""
    document = validate_document(page.draft_document)
    new_version = page.published_version + 1
    result = db.session.execute(
        update(Page)
        .where(Page.id == page.id, Page.published_version == page.published_version)
        .values(published_document=document, published_version=new_version, published_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise DraftConflict(page.draft_revision)
    db.session.add(PageVersion(page_id=page.id, version=new_version, document=document, author_id=actor.id,
                               author_label=actor.email, note=note, note_params=note_params))
    record_audit("page.published", actor=actor, target=page, details={"version": new_version})
    db.session.flush()
    db.session.refresh(page)
    return page


def rollback_page(page, version, *, actor):
    """Publish an earlier version again (as a new version) and make it the draft too."""
    old = db.session.scalar(select(PageVersion).where(PageVersion.page_id == page.id, PageVersion.version == version))
    if old is None:
        raise PageRefused(_l("There is no version %(n)d of this page.", n=version), status=404)
    save_draft(page, old.document, expected_revision=page.draft_revision, actor=actor)
    return publish_page(page, actor=actor, note=NOTE_ROLLBACK, note_params={"version": version})


def page_versions(page):
    return db.session.scalars(
        select(PageVersion).where(PageVersion.page_id == page.id).order_by(PageVersion.version.desc())
    ).all()


def store_theme():
    """The store's theme row (created on first use for stores provisioned before themes).
    Read once per request: the page, its stylesheet link and the renderer all ask."""
    cached = g.get("_store_theme") if has_request_context() else None
    if cached is not None and cached.tenant_id == current_tenant_id():
        return cached
    row = db.session.scalar(select(StoreTheme))
    if row is None:
        row = StoreTheme(theme=DEFAULT_THEME, settings={})
        db.session.add(row)
        db.session.flush()
    if has_request_context():
        g._store_theme = row
    return row


def store_colors():
    """The current store theme's colours — the one source for the mini-program's ext.json
    and ``/api/v1/store``, so a theme switch in the console reaches the mini-program
    without a new release: ``{"primary": "#07c160", "accent": …, "background": …}``."""
    row = store_theme()
    settings = get_theme(row.theme).settings_from(row.settings)
    return {"primary": settings.primary_color, "accent": settings.accent_color,
            "background": settings.background_color}


def change_theme(*, actor, theme_name, settings):
    """Switch theme and/or its settings; pages keep their content."""
    if theme_name not in themes():
        raise PageRefused(_l("Unknown theme."), field="theme")
    clean = ThemeSettings.model_validate({**get_theme(theme_name).defaults, **(settings or {})})
    row = store_theme()
    row.theme = theme_name
    kept = {key: value for key, value in (row.settings or {}).items() if key in STORE_WIDE_SETTINGS}
    row.settings = {**clean.model_dump(mode="json"), **kept}
    row.version += 1
    record_audit("theme.changed", actor=actor, target=row, details={"theme": theme_name})
    db.session.flush()
    return row
