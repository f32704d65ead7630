"""Through PgBouncer in transaction mode, clients take turns on shared server connections:
a store's setting must end with its transaction, or the next client — another store's
request, or code with no store at all — would read that store's rows."""
import threading
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest
from sqlalchemy import text

from core.extensions import db
from core.tenancy import tenant_context
from tests.factories import create_product, create_store
from tests.scaleout.conftest import TIGHT, dispose, make_app, url_through

pytestmark = pytest.mark.postgres

SET_TENANT = "SELECT set_config('duoshop.tenant_id', %s, true)"
PRODUCTS = "SELECT title FROM products ORDER BY title"


@pytest.fixture
def stores(app_ctx):
    demo, tea = create_store("demo"), create_store("tea")
    create_product(demo, "龙井")
    create_product(tea, "普洱")
    return demo, tea


def tight_connection(pooler, role="duoshop_app", **options):
    """A client connection to the pooler's one-server-connection alias, as the app role."""
    return psycopg.connect(host="127.0.0.1", port=pooler, user=role, dbname=TIGHT, autocommit=True, **options)


def backend_pid(conn):
    return conn.execute("SELECT pg_backend_pid()").fetchone()[0]


def test_after_one_stores_transaction_the_next_client_on_the_same_server_connection_sees_nothing(stores, pooler):
    demo, tea = stores
    with tight_connection(pooler, prepare_threshold=None) as first, \
            tight_connection(pooler, prepare_threshold=None) as second:
        with first.transaction():
            first.execute(SET_TENANT, (str(demo.id),))
            assert [row[0] for row in first.execute(PRODUCTS)] == ["龙井"]
            demo_server = backend_pid(first)
        with second.transaction():
            assert backend_pid(second) == demo_server  # the very server connection demo's transaction used
            assert second.execute("SELECT current_setting('duoshop.tenant_id', true)").fetchone()[0] in ("", None)
            assert second.execute(PRODUCTS).fetchall() == []
        with second.transaction():
            second.execute(SET_TENANT, (str(tea.id),))
            assert [row[0] for row in second.execute(PRODUCTS)] == ["普洱"]


def test_a_session_level_set_would_leak_to_the_next_client_which_is_why_the_app_never_uses_one(stores, pooler):
    """The control: this harness does see a leak when there is one."""
    demo, _tea = stores
    with tight_connection(pooler, prepare_threshold=None) as first, \
            tight_connection(pooler, prepare_threshold=None) as second:
        first.execute(f"SET duoshop.tenant_id = '{demo.id}'")
        try:
            assert [row[0] for row in second.execute(PRODUCTS)] == ["龙井"]
        finally:
            second.execute("RESET duoshop.tenant_id")


def test_psycopg_prepared_statements_break_under_the_pooler_so_the_app_turns_them_off(stores, pooler):
    statement = "SELECT count(*) FROM tenants WHERE id > %s"
    with tight_connection(pooler) as first, tight_connection(pooler) as second:  # psycopg's default: prepare on 6th
        for _ in range(6):
            first.execute(statement, (0,))
        with pytest.raises(psycopg.errors.DuplicatePreparedStatement):
            for _ in range(6):
                second.execute(statement, (0,))
        first.execute("DEALLOCATE ALL")
    with tight_connection(pooler, prepare_threshold=None) as first, \
            tight_connection(pooler, prepare_threshold=None) as second:
        for _ in range(10):
            assert first.execute(statement, (0,)).fetchone()[0] == 2
            assert second.execute(statement, (0,)).fetchone()[0] == 2


@pytest.fixture
def tight_app(app_overrides, pooler):
    """The app with ONE server connection per role behind its pool of client connections."""
    application = make_app(app_overrides, SQLALCHEMY_DATABASE_URI=url_through(pooler, "duoshop_app", TIGHT),
                           DATABASE_PLATFORM_URL=url_through(pooler, "duoshop_platform", TIGHT),
                           DATABASE_TRANSACTION_POOLER=True)
    yield application
    dispose(application)


def test_two_stores_requests_interleaved_on_one_server_connection_never_see_each_other(stores, tight_app, pooler):
    demo, tea = stores
    seen = {"demo": set(), "tea": set()}
    servers, no_store_rows, lock = set(), [], threading.Lock()

    def shop(slug, rounds):
        client = tight_app.test_client(host=f"{slug}.duoshop.test")
        for _ in range(rounds):
            response = client.get("/api/v1/products")
            assert response.status_code == 200, response.get_data(as_text=True)
            titles = {item["title"] for item in response.get_json()["items"]}
            with lock:
                seen[slug] |= titles

    def raw_sql_in_a_store_then_without(rounds):
        with tight_app.app_context():
            for index in range(rounds):
                store = (demo, tea)[index % 2]
                with tenant_context(store.id):
                    db.session.execute(text("SELECT count(*) FROM products")).scalar()
                    db.session.commit()
                with db.engine.connect() as conn, lock:  # no store: RLS must show nothing
                    servers.add(conn.execute(text("SELECT pg_backend_pid()")).scalar())
                    no_store_rows.append(conn.execute(text("SELECT count(*) FROM products")).scalar())

    with ThreadPoolExecutor(max_workers=6) as pool:
        futures = [pool.submit(shop, slug, 15) for slug in ("demo", "tea", "demo", "tea")]
        futures += [pool.submit(raw_sql_in_a_store_then_without, 20) for _ in range(2)]
        for future in futures:
            future.result(timeout=60)

    assert seen == {"demo": {"龙井"}, "tea": {"普洱"}}
    assert no_store_rows == [0] * 40
    assert len(servers) == 1  # every client took turns on PgBouncer's one server connection
