"""Page documents (店铺装修) and the store's theme choice.

A page keeps its draft (what the merchant edits) apart from its published document (what
shoppers see). Every publish writes an immutable ``PageVersion``; rollback publishes an
old version again as a new one, so history only grows.
"""
from datetime import datetime

from sqlalchemy import JSON, DateTime, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.extensions import db
from core.models import Timestamped, utcnow
from tenants.entitlements import count_rows
from tenants.scoping import TenantScoped, tenant_foreign_key


def empty_document():
    return {"blocks": {}, "order": []}


class Page(TenantScoped, Timestamped, db.Model):
    __tablename__ = "pages"
    __tenant_table_args__ = (UniqueConstraint("tenant_id", "slug"),)

    HOME = "home"  # the store's front page
    CUSTOM = "custom"  # campaign pages (活动页) with their own slug
    PRODUCT_DETAIL = "product_detail"  # layout of every product page
    KINDS = (HOME, CUSTOM, PRODUCT_DETAIL)

    slug: Mapped[str] = mapped_column(String(64), nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    title: Mapped[str] = mapped_column(String(80), nullable=False)
    draft_document: Mapped[dict] = mapped_column(JSON, nullable=False, default=empty_document)
    # Bumped by every saved draft; a save naming an older revision is a conflict.
    draft_revision: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    published_document: Mapped[dict | None] = mapped_column(JSON)
    published_version: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    def has_unpublished_changes(self):
        return self.draft_document != self.published_document


class PageVersion(TenantScoped, db.Model):
    """A published document, kept for history and rollback."""

    __tablename__ = "page_versions"
    __tenant_table_args__ = (
        tenant_foreign_key("page_id", "pages", ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "page_id", "version"),
    )

    page_id: Mapped[int] = mapped_column(Integer, nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    document: Mapped[dict] = mapped_column(JSON, nullable=False)
    author_id: Mapped[int | None] = mapped_column(Integer)
    author_label: Mapped[str | None] = mapped_column(String(255))
    # What the version was: a code ("created", "rollback", "demo") and its parameters
    # ({"version": 3}), put into words in the reader's language (``themes.pages.version_note``).
    note: Mapped[str | None] = mapped_column(String(120))
    note_params: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)


class StoreTheme(TenantScoped, Timestamped, db.Model):
    """The theme a store uses and its settings. Switching theme keeps every page."""

    __tablename__ = "store_themes"
    __tenant_table_args__ = (UniqueConstraint("tenant_id"),)

    theme: Mapped[str] = mapped_column(String(32), nullable=False, default="default")
    settings: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    # Part of every cached page's key: a theme change shows at once.
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)


count_rows("pages", Page)
