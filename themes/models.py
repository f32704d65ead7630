"""Page documents (店铺装修): the draft a merchant edits and the version shoppers see."""
from datetime import datetime

from sqlalchemy import JSON, DateTime, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.extensions import db
from core.models import Timestamped
from tenants.scoping import TenantScoped


def empty_document():
    return {"blocks": {}, "order": []}


class Page(TenantScoped, Timestamped, db.Model):
    __tablename__ = "pages"
    __tenant_table_args__ = (UniqueConstraint("tenant_id", "slug"),)

    HOME = "home"  # the store's front page
    CUSTOM = "custom"  # campaign pages (活动页) with their own slug
    PRODUCT_DETAIL = "product_detail"  # layout of every product page
    KINDS = (HOME, CUSTOM, PRODUCT_DETAIL)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    title: Mapped[str] = mapped_column(String(80), nullable=False)
    draft_document: Mapped[dict] = mapped_column(JSON, nullable=False, default=empty_document)
    published_document: Mapped[dict | None] = mapped_column(JSON)
    published_version: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
