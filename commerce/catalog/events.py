"""Any committed change to a store's catalog (products, SKUs, specs, images, categories)
bumps its catalog version, so cached pages that show products are rebuilt on their next visit."""
from sqlalchemy import event
from sqlalchemy.orm import Session

from commerce.catalog.models import SKU, Category, Product, ProductImage, ProductSpec
from core.cache import bump_or_defer
from core.database import savepoint_only

CATALOG = "catalog"
CATALOG_MODELS = (Product, Category, SKU, ProductSpec, ProductImage)
_PENDING = "duoshop_catalog_changed"


@event.listens_for(Session, "after_flush")
def _remember_changed_stores(session, flush_context):
    changed = {obj.tenant_id for obj in (*session.new, *session.dirty, *session.deleted)
               if isinstance(obj, CATALOG_MODELS) and obj.tenant_id is not None}
    if changed:
        session.info.setdefault(_PENDING, set()).update(changed)


@event.listens_for(Session, "after_bulk_update")
@event.listens_for(Session, "after_bulk_delete")
def _remember_bulk_changes(update_context):
    from tenants.context import current_tenant_id

    if update_context.mapper.class_ in CATALOG_MODELS and current_tenant_id() is not None:
        update_context.session.info.setdefault(_PENDING, set()).add(current_tenant_id())


def catalog_changed(session, tenant_id):
    """Something shoppers see with the catalog changed outside the catalog's own tables (a
    flash sale starts, ends or is paused): bump the store's catalog version on commit."""
    session.info.setdefault(_PENDING, set()).add(tenant_id)


@event.listens_for(Session, "after_commit")
def _bump_catalog_versions(session):
    if savepoint_only(session):
        return
    for tenant_id in session.info.pop(_PENDING, set()):
        bump_or_defer(tenant_id, CATALOG)


@event.listens_for(Session, "after_rollback")
def _forget_changes(session):
    if not savepoint_only(session):
        session.info.pop(_PENDING, None)
