"""The schema keeps Citus's rules for a table distributed by tenant_id (tenants/distribution.py):
its primary key, unique keys and foreign keys to other distributed tables hold tenant_id, so
a row can only ever meet rows of its own store. Read from the migrated PostgreSQL catalog."""
import pytest
from sqlalchemy import event, select, text
from sqlalchemy.exc import IntegrityError

from commerce.catalog.models import Product
from core.extensions import db
from core.tenancy import tenant_context
from tenants.distribution import COORDINATOR_TABLES, REFERENCE_TABLES, plan_of
from tenants.models import StaffUser
from tenants.service import accept_invite
from tests.factories import create_product, create_store
from tools.scaling_doc import DOC, capacity_model, current_doc

# Base tables and partitioned parents of the public schema (not the monthly partitions).
TABLES = text("""
    SELECT c.oid, c.relname,
           EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id'
                   AND NOT a.attisdropped) AS has_tenant_id
    FROM pg_class c
    WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p') AND NOT c.relispartition
""")
# Every primary key, unique constraint and unique index (partial ones included), with its columns.
UNIQUE_KEYS = text("""
    SELECT t.relname AS table_name, i.relname AS key_name, x.indisprimary AS is_primary,
           array_agg(a.attname ORDER BY k.ordinality) AS columns
    FROM pg_index x
    JOIN pg_class t ON t.oid = x.indrelid
    JOIN pg_class i ON i.oid = x.indexrelid
    CROSS JOIN LATERAL unnest(x.indkey::int2[]) WITH ORDINALITY AS k(attnum, ordinality)
    LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
    WHERE x.indisunique AND t.relnamespace = 'public'::regnamespace AND NOT t.relispartition
    GROUP BY t.relname, i.relname, x.indisprimary
""")
FOREIGN_KEYS = text("""
    SELECT f.conname, child.relname AS child, parent.relname AS parent,
           array(SELECT a.attname FROM unnest(f.conkey) WITH ORDINALITY k(n, o)
                 JOIN pg_attribute a ON a.attrelid = f.conrelid AND a.attnum = k.n ORDER BY k.o) AS columns,
           array(SELECT a.attname FROM unnest(f.confkey) WITH ORDINALITY k(n, o)
                 JOIN pg_attribute a ON a.attrelid = f.confrelid AND a.attnum = k.n ORDER BY k.o) AS referred
    FROM pg_constraint f
    JOIN pg_class child ON child.oid = f.conrelid
    JOIN pg_class parent ON parent.oid = f.confrelid
    WHERE f.contype = 'f' AND f.connamespace = 'public'::regnamespace AND NOT child.relispartition
""")


@pytest.fixture
def catalog(app_ctx, owner_engine):
    with owner_engine.connect() as conn:
        tables = {row.relname: plan_of(row.relname, row.has_tenant_id) for row in conn.execute(TABLES)}
        tenant_id_null = set(conn.execute(text(
            "SELECT c.relname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
            "WHERE a.attname = 'tenant_id' AND NOT a.attnotnull AND c.relnamespace = 'public'::regnamespace "
            "AND c.relkind IN ('r', 'p') AND NOT c.relispartition")).scalars())
        return {"plans": tables, "tenant_id_null": tenant_id_null,
                "unique_keys": conn.execute(UNIQUE_KEYS).all(), "foreign_keys": conn.execute(FOREIGN_KEYS).all()}


def distributed(catalog):
    return {name for name, plan in catalog["plans"].items() if plan == "distributed"}


@pytest.mark.postgres
def test_every_table_is_distributed_by_tenant_id_or_listed_with_a_reason(catalog):
    undecided = sorted(name for name, plan in catalog["plans"].items() if plan is None)
    assert undecided == [], (
        f"{undecided} have no tenant_id and are in neither REFERENCE_TABLES nor COORDINATOR_TABLES "
        "(tenants/distribution.py): add tenant_id, or list the table there with the reason")
    assert len(distributed(catalog)) > 60  # the shop's own tables: the check above is not vacuous


@pytest.mark.postgres
def test_the_lists_name_only_tables_that_exist(catalog):
    stale = sorted((set(REFERENCE_TABLES) | set(COORDINATOR_TABLES)) - set(catalog["plans"]))
    assert stale == [], f"tenants/distribution.py lists tables the schema does not have: {stale}"
    assert not set(REFERENCE_TABLES) & set(COORDINATOR_TABLES)


@pytest.mark.postgres
def test_a_distributed_tables_tenant_id_is_never_empty(catalog):
    assert sorted(distributed(catalog) & catalog["tenant_id_null"]) == []


@pytest.mark.postgres
def test_every_key_of_a_distributed_table_holds_tenant_id(catalog):
    tables = distributed(catalog)
    primary = {key.table_name for key in catalog["unique_keys"] if key.is_primary and key.table_name in tables}
    assert sorted(tables - primary) == [], "distributed tables without a primary key"
    lacking = sorted(f"{key.table_name}.{key.key_name} {key.columns}" for key in catalog["unique_keys"]
                     if key.table_name in tables and "tenant_id" not in key.columns)
    assert lacking == [], f"unique keys Citus could not enforce across shards: {lacking}"


@pytest.mark.postgres
def test_foreign_keys_between_distributed_tables_pair_tenant_id_with_tenant_id(catalog):
    """Such a key stays on one shard and cannot reach another store's row: the database's
    static guarantee that no join along it meets two stores."""
    tables = distributed(catalog)
    crossing = sorted(f"{key.child}.{key.conname} {key.columns} → {key.parent}{key.referred}"
                      for key in catalog["foreign_keys"] if key.child in tables and key.parent in tables
                      and ("tenant_id", "tenant_id") not in zip(key.columns, key.referred, strict=True))
    assert crossing == []
    assert sum(1 for key in catalog["foreign_keys"] if key.child in tables and key.parent in tables) > 50


@pytest.mark.postgres
def test_foreign_keys_point_only_where_citus_allows(catalog):
    """Distributed → distributed or reference; reference → reference; coordinator → coordinator
    or reference. Citus has no foreign key from a reference table to a distributed one."""
    allowed = {"distributed": {"distributed", "reference"}, "reference": {"reference"},
               "coordinator": {"coordinator", "reference"}}
    plans = catalog["plans"]
    refused = sorted(f"{key.child} ({plans[key.child]}) → {key.parent} ({plans[key.parent]})"
                     for key in catalog["foreign_keys"] if plans[key.parent] not in allowed[plans[key.child]])
    assert refused == []


def test_every_model_table_is_distributed_or_listed(app_ctx):
    """The same decision on the models, on either database: a new model with no tenant_id
    fails here too, before anyone runs PostgreSQL."""
    undecided = sorted(table.name for table in db.metadata.tables.values()
                       if plan_of(table.name, "tenant_id" in table.c) is None)
    assert undecided == [], f"{undecided}: add tenant_id, or list them in tenants/distribution.py"


def test_docs_scaling_shows_the_current_plan_and_capacity(app_ctx):
    committed = DOC.read_text(encoding="utf-8")
    assert committed == current_doc(committed), "run: python -m tools.scaling_doc --write"
    assert "SELECT create_distributed_table('orders', 'tenant_id', colocate_with => " in committed
    assert "SELECT create_reference_table('tenants');" in committed


def test_the_capacity_model_takes_the_tighter_of_pages_and_orders():
    measured = (("cached_page_rps", 1000, ""), ("uncached_page_rps", 100, ""), ("checkout_attempts_per_s", 10, ""),
                ("notifications_per_s", 10, ""))
    assumed = (("page_views_per_store_day", 3600, ""), ("orders_per_store_day", 36, ""), ("peak_hour_share", 0.5, ""),
               ("burst", 2, ""), ("cache_hit_ratio", 0.5, ""), ("headroom", 1, ""))
    derived = {name: value for name, value, _ in capacity_model(measured, assumed)}
    assert derived["pages/s per host"] == pytest.approx(1 / (0.5 / 1000 + 0.5 / 100))  # ≈ 181.8
    assert derived["orders/s per host"] == pytest.approx(5)  # a checkout and a notification each
    # A store's peak: 3,600 pages and 36 orders a day, half in one hour, twice as dense: 1 page/s, 0.01 order/s.
    assert derived["stores per host, by pages"] == pytest.approx(181.8, rel=1e-3)
    assert derived["stores per host, by orders"] == pytest.approx(500)
    assert derived["**stores per host**"] == pytest.approx(181.8, rel=1e-3)


def test_the_orms_updates_and_deletes_name_the_store(app_ctx):
    """Citus sends a statement that names tenant_id to one shard: so do the ORM's flushes."""
    store = create_store("demo")
    product_id = create_product(store, "纯棉T恤")
    statements = []

    def remember(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", remember)
    try:
        with tenant_context(store.id):
            product = db.session.get(Product, product_id)
            product.title = "亚麻衬衫"
            db.session.commit()
            db.session.delete(product)
            db.session.commit()
    finally:
        event.remove(db.engine, "before_cursor_execute", remember)
    written = [s for s in statements if s.startswith(("UPDATE products", "DELETE FROM products"))]
    assert len(written) == 2
    assert all("WHERE products.tenant_id = " in s and "products.id = " in s for s in written), written


def test_an_invitation_token_is_unique_within_its_store_and_found_only_there(app_ctx):
    demo, tea = create_store("demo"), create_store("tea")
    for store in (demo, tea):  # the same token in two stores: each store's own
        with tenant_context(store.id):
            db.session.add(StaffUser(email="new@example.com", role=StaffUser.VIEWER, invite_token="same-token"))
            db.session.commit()
    with tenant_context(demo.id):
        db.session.add(StaffUser(email="other@example.com", role=StaffUser.VIEWER, invite_token="same-token"))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
        accepted = accept_invite(token="same-token", password="a long enough pass phrase 7")
        db.session.commit()
        assert accepted.tenant_id == demo.id
    with tenant_context(tea.id):
        assert db.session.scalar(select(StaffUser.invite_token).where(StaffUser.email == "new@example.com")) == "same-token"
