"""Any committed change to a store's catalog (products, SKUs, specs, images, categories)
bumps its catalog version, so cached pages that show products are rebuilt on their next visit."""
from sqlalchemy import event
from sqlalchemy.orm import Session

from commerce.catalog.models import SKU, Category, Product, ProductImage, ProductSpec
from core.cache import bump_version_on_commit
from core.tenancy import current_tenant_id

CATALOG = "catalog"
CATALOG_MODELS = (Product, Category, SKU, ProductSpec, ProductImage)


@event.listens_for(Session, "after_flush")
def _remember_changed_stores(session, flush_context):
    changed = {obj.tenant_id for obj in (*session.new, *session.dirty, *session.deleted)
               if isinstance(obj, CATALOG_MODELS) and obj.tenant_id is not None}
    for tenant_id in changed:
        bump_version_on_commit(session, tenant_id, CATALOG)


@event.listens_for(Session, "do_orm_execute")
def _remember_bulk_changes(orm_execute_state):
    # ``session.execute(update(SKU)…)`` (a checkout taking stock, a cancellation giving it
    # back) flushes no object, and SQLAlchemy 2 no longer calls after_bulk_update for it.
    if not (orm_execute_state.is_update or orm_execute_state.is_delete) or current_tenant_id() is None:
        return
    if any(mapper.class_ in CATALOG_MODELS for mapper in orm_execute_state.all_mappers):
        bump_version_on_commit(orm_execute_state.session, current_tenant_id(), CATALOG)


def catalog_changed(session, tenant_id):
    """Something shoppers see with the catalog changed outside the catalog's own tables (a
    flash sale starts, ends or is paused): bump the store's catalog version on commit."""
    bump_version_on_commit(session, tenant_id, CATALOG)
