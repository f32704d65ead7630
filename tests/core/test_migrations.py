"""The schema comes from migrations, matches the models, and walls every tenant table."""
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from core.extensions import db
from tenants.scoping import TenantScoped
from tests.conftest import grant_roles


def tenant_tables():
    return sorted(mapper.class_.__table__.name for mapper in db.Model.registry.mappers
                  if issubclass(mapper.class_, TenantScoped))


def test_migrated_schema_matches_the_models(app_ctx, owner_engine):
    with owner_engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
    assert [d for d in diff if not (d[0] == "remove_table" and d[1].name.startswith("products_fts"))] == []


def test_every_tenant_table_has_tenant_id_not_null_and_a_tenant_first_unique_key(app_ctx):
    for table_name in tenant_tables():
        table = db.metadata.tables[table_name]
        assert table.c.tenant_id.nullable is False, table_name
        keys = [tuple(c.name for c in constraint.columns) for constraint in table.constraints
                if constraint.__class__.__name__ == "UniqueConstraint"]
        assert ("tenant_id", "id") in keys, table_name


@pytest.mark.postgres
def test_every_tenant_table_has_forced_row_level_security(app_ctx, owner_engine):
    with owner_engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class "
            "WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace AND relname = ANY(:names)"),
            {"names": tenant_tables()}).all()
        policies = set(conn.execute(text("SELECT tablename FROM pg_policies WHERE policyname = 'tenant_isolation'"))
                       .scalars())
    assert sorted(row.relname for row in rows) == tenant_tables()
    assert all(row.relrowsecurity and row.relforcerowsecurity for row in rows)
    assert policies == set(tenant_tables())


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
