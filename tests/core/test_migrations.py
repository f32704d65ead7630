"""The schema comes from migrations, matches the models, and walls every tenant table."""
from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from commerce.analytics.partitions import is_partition
from commerce.catalog.models import LibraryImage, ProductImage
from core.extensions import db
from core.tenancy import tenant_context
from tenants.scoping import TenantScoped, for_dialect
from tests.conftest import grant_roles
from tests.factories import create_store


def tenant_tables():
    return sorted(mapper.class_.__table__.name for mapper in db.Model.registry.mappers
                  if issubclass(mapper.class_, TenantScoped))


def test_migrated_schema_matches_the_models(app_ctx, owner_engine):
    with owner_engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_object": for_dialect(conn.dialect.name)})
        diff = compare_metadata(context, db.metadata)
    assert [d for d in diff if not _left_out(d)] == []


def _left_out(difference):
    """SQLite's old full-text tables, and the monthly partitions of analytics_events with their
    indexes (the models know only the parent)."""
    kind, thing = difference[0], difference[1]
    if kind == "remove_table":
        return thing.name.startswith("products_fts") or is_partition(thing.name)
    return kind == "remove_index" and is_partition(thing.table.name)


def test_every_tenant_table_has_tenant_id_not_null_and_a_tenant_first_primary_key(app_ctx):
    for table_name in tenant_tables():
        table = db.metadata.tables[table_name]
        assert table.c.tenant_id.nullable is False, table_name
        key = [c.name for c in table.primary_key.columns]
        assert (key[0], key[-1]) == ("tenant_id", "id"), table_name
        if "partitioned_by" in table.info:  # its keys must hold the partition key; nothing points at it
            assert table.info["partitioned_by"] in key, table_name
            assert all(index.columns[0].name == "tenant_id" for index in table.indexes), table_name


@pytest.mark.postgres
def test_every_tenant_table_has_forced_row_level_security(app_ctx, owner_engine):
    with owner_engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class "
            "WHERE relkind IN ('r', 'p') AND relnamespace = 'public'::regnamespace AND relname = ANY(:names)"),
            {"names": tenant_tables()}).all()
        policies = set(conn.execute(text("SELECT tablename FROM pg_policies WHERE policyname = 'tenant_isolation'"))
                       .scalars())
    assert sorted(row.relname for row in rows) == tenant_tables()
    assert all(row.relrowsecurity and row.relforcerowsecurity for row in rows)
    assert {name for name in policies if not is_partition(name)} == set(tenant_tables())
    assert {"analytics_events_default"} < policies  # each partition is walled too


@pytest.mark.postgres
def test_migrations_run_down_to_empty_and_up_again(app_ctx, owner_engine):
    downgrade(revision="base")
    with owner_engine.connect() as conn:
        left = conn.execute(text("SELECT count(*) FROM pg_tables WHERE schemaname = 'public' "
                                 "AND tablename <> 'alembic_version'")).scalar()
    assert left == 0
    upgrade()
    with owner_engine.begin() as conn:
        grant_roles(conn)
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == head_revision(app_ctx)


def head_revision(app):
    directory = app.extensions["migrate"].directory
    return ScriptDirectory(directory).get_current_head()


def test_the_image_library_migration_files_earlier_product_pictures_per_store(app_ctx, owner_engine):
    stores = create_store("demo"), create_store("tea")
    downgrade(revision="0025")  # the schema just before the library
    for store, title in zip(stores, ("纯棉T恤", "明前龙井"), strict=True):
        with tenant_context(store.id):
            # Written as SQL: the model has columns of later migrations (search terms).
            product_id = db.session.execute(text(
                "INSERT INTO products (tenant_id, title, price, stock, status, sold_count, description, tags, "
                "created_at, updated_at) VALUES (:tenant, :title, 100, 1, 'draft', 0, '', '[]', :now, :now) "
                "RETURNING id"), {"tenant": store.id, "title": title, "now": datetime.now(UTC)}).scalar_one()
            for position in (0, 1):  # the same file twice, as a copied product would have it
                db.session.add(ProductImage(product_id=product_id, filename=f"{store.id:032x}.png", width=60, height=40,
                                            position=position))
            db.session.commit()
    upgrade()
    if owner_engine.dialect.name == "postgresql":
        with owner_engine.begin() as conn:
            grant_roles(conn)  # both roles, on the tables made again (the platform console reads some)
    for store, title in zip(stores, ("纯棉T恤", "明前龙井"), strict=True):
        with tenant_context(store.id):
            filed = db.session.scalars(db.select(LibraryImage)).all()
            assert [(i.filename, i.name, i.folder, i.width) for i in filed] == [(f"{store.id:032x}.png", title, "商品图片", 60)]
