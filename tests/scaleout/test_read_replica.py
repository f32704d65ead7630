"""A real streaming replica (pg_basebackup of the test server, a hot standby on a free port):
reads that may be a second old go to it, everything else and every write to the primary,
and a request that wrote reads its own rows on the primary.

The proof that a read came from the replica: replay on the standby is paused, the primary
changes, and the answer still shows the old row."""
import time

import psycopg
import pytest
from sqlalchemy import event, select, text

from commerce.catalog.models import Product
from commerce.orders.models import Order
from core.database import REPLICA_BIND, lag_tolerant
from core.extensions import db
from core.tenancy import tenant_context
from tests.commerce.orders.test_checkout_and_pay import DESKTOP, add_to_cart, check_out
from tests.factories import create_product, create_store, login_staff, sku_of
from tests.scaleout.conftest import database_of, dispose, make_app

pytestmark = pytest.mark.postgres

CAUGHT_UP_SECONDS = 20


@pytest.fixture(scope="module")
def replica_app(app_overrides, replica_port):
    name = database_of(app_overrides)
    application = make_app(app_overrides,
                           DATABASE_REPLICA_URL=f"postgresql://duoshop_app@127.0.0.1:{replica_port}/{name}")
    yield application
    dispose(application)


@pytest.fixture(scope="module")
def standby(replica_port):
    """The replica as a superuser: to pause and resume replay."""
    with psycopg.connect(host="127.0.0.1", port=replica_port, user="postgres", dbname="postgres",
                         autocommit=True) as conn:
        yield conn


@pytest.fixture
def primary(owner_engine):
    return owner_engine


def wait_until_caught_up(primary, standby):
    with primary.connect() as conn:
        target = conn.execute(text("SELECT pg_current_wal_lsn()")).scalar()
    deadline = time.monotonic() + CAUGHT_UP_SECONDS
    while not standby.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (target,)).fetchone()[0]:
        assert time.monotonic() < deadline, "the replica did not catch up"
        time.sleep(0.02)


@pytest.fixture
def paused(primary, standby, replica_app):
    """Replay paused once the replica has everything so far: later changes on the primary
    are not on the replica until the test ends."""
    wait_until_caught_up(primary, standby)
    standby.execute("SELECT pg_wal_replay_pause()")
    try:
        yield
    finally:
        standby.execute("SELECT pg_wal_replay_resume()")


@pytest.fixture(autouse=True)
def _forget_pages(replica_app):
    """The suite's clean-up empties the shared cache; this app's own near copies too."""
    yield
    for name in ("duoshop_cache", "duoshop_near_cache", "duoshop_version_memo"):
        replica_app.extensions[name].clear()


@pytest.fixture
def demo_shop(app_ctx):
    demo, tea = create_store("demo"), create_store("tea")
    product = create_product(demo, "龙井", price=5000, stock=5)
    create_product(tea, "普洱")
    return demo, tea, product, sku_of(demo, product)


def rename_on_the_primary(primary, product_id, title):
    with primary.begin() as conn:
        conn.execute(text("UPDATE products SET title = :t WHERE id = :id"), {"t": title, "id": product_id})


@pytest.fixture
def replica_statements(replica_app):
    """Every statement the app sends to the replica, as it is sent."""
    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    with replica_app.app_context():
        replica = db.engines[REPLICA_BIND]
    event.listen(replica, "before_cursor_execute", record)
    yield statements
    event.remove(replica, "before_cursor_execute", record)


def table_reads(statements):
    return [s for s in statements if " FROM products" in s or " FROM themes_pages" in s or "FROM pages" in s]


def test_a_cache_miss_storefront_render_reads_the_replica(demo_shop, primary, standby, replica_app,
                                                          replica_statements):
    _demo, _tea, product_id, _sku = demo_shop
    wait_until_caught_up(primary, standby)
    page = replica_app.test_client(host="demo.duoshop.test").get(f"/products/{product_id}", headers=DESKTOP)
    assert page.status_code == 200 and "龙井" in page.get_data(as_text=True)
    assert any("FROM products" in statement for statement in replica_statements), replica_statements


def test_a_lagging_replica_never_fills_the_page_cache_with_rows_older_than_the_primarys(
        demo_shop, paused, primary, replica_app, replica_statements, app):
    _demo, _tea, product_id, _sku = demo_shop
    rename_on_the_primary(primary, product_id, "碧螺春")  # the replica, paused, still says 龙井
    shopper = replica_app.test_client(host="demo.duoshop.test")
    page = shopper.get(f"/products/{product_id}", headers=DESKTOP)
    assert "碧螺春" in page.get_data(as_text=True)  # rendered on the primary: the replica has not caught up
    assert not any("FROM products" in statement for statement in replica_statements)
    elsewhere = app.test_client(host="demo.duoshop.test").get(f"/products/{product_id}", headers=DESKTOP)
    assert "碧螺春" in elsewhere.get_data(as_text=True)  # what another web process gets from the shared cache


def test_an_export_reads_the_replica_which_may_be_a_moment_behind(demo_shop, paused, primary, replica_app):
    demo, _tea, product_id, _sku = demo_shop
    rename_on_the_primary(primary, product_id, "碧螺春")
    staff = replica_app.test_client()
    assert login_staff(staff, demo).status_code == 302
    csv = staff.get("/console/products/export").get_data(as_text=True)
    assert "龙井" in csv and "碧螺春" not in csv  # the replica's rows
    assert "碧螺春" in staff.get(f"/console/products/{product_id}").get_data(as_text=True)  # the primary's


def test_row_level_security_holds_on_the_replica(demo_shop, paused, replica_app):
    demo, tea, _product, _sku = demo_shop
    with replica_app.app_context():
        replica = db.engines[REPLICA_BIND]
        with lag_tolerant():
            for store, title in ((demo, "龙井"), (tea, "普洱")):
                with tenant_context(store.id):
                    assert db.session.get_bind(clause=select(Product)) is replica
                    assert db.session.scalars(select(Product.title)).all() == [title]
        with replica.begin() as conn:
            assert conn.execute(text("SELECT count(*) FROM products")).scalar() == 0  # no store set: nothing
            conn.execute(text("SELECT set_config('duoshop.tenant_id', :t, true)"), {"t": str(tea.id)})
            assert conn.execute(text("SELECT title FROM products")).scalars().all() == ["普洱"]


def test_a_session_that_wrote_reads_its_own_rows_on_the_primary(demo_shop, paused, replica_app):
    demo, _tea, product_id, _sku = demo_shop
    with replica_app.app_context(), tenant_context(demo.id), lag_tolerant():
        assert db.session.get_bind(clause=select(Product)) is db.engines[REPLICA_BIND]
        product = db.session.get(Product, product_id)
        product.title = "明前龙井"
        db.session.commit()
        assert db.session.get_bind(clause=select(Product)) is db.engine
        assert db.session.scalars(select(Product.title)).all() == ["明前龙井"]  # the replica still has 龙井


def test_a_shopper_sees_their_own_new_order_at_once(demo_shop, paused, replica_app, primary):
    _demo, _tea, product_id, sku_id = demo_shop
    shopper = replica_app.test_client(host="demo.duoshop.test")
    add_to_cart(shopper, product_id, sku_id, quantity=2)
    placed = check_out(shopper)
    assert placed.status_code == 302, placed.get_data(as_text=True)
    with primary.connect() as conn:
        number = conn.execute(text("SELECT number FROM orders")).scalar()
    assert number is not None  # on the primary; the paused replica has no order
    orders = shopper.get("/orders", headers=DESKTOP)
    assert orders.status_code == 200 and number in orders.get_data(as_text=True)
    assert shopper.get(f"/orders/{number}", headers=DESKTOP).status_code == 200


def test_writes_never_go_to_the_replica(demo_shop, primary, standby, replica_app, replica_statements):
    demo, _tea, product_id, sku_id = demo_shop
    wait_until_caught_up(primary, standby)
    shopper = replica_app.test_client(host="demo.duoshop.test")
    assert shopper.get("/", headers=DESKTOP).status_code == 200
    add_to_cart(shopper, product_id, sku_id)
    assert check_out(shopper).status_code == 302
    assert shopper.get(f"/products/{product_id}", headers=DESKTOP).status_code == 200  # signed in: rendered
    staff = replica_app.test_client()
    assert login_staff(staff, demo).status_code == 302
    for path in ("/console/", "/console/overview.json", "/console/data/", "/console/products/export",
                 "/console/orders/export.csv"):
        response = staff.get(path)
        assert response.status_code == 200, (path, response.location)
    assert replica_statements, "nothing was read from the replica"
    verbs = {statement.lstrip().split(None, 1)[0].upper() for statement in replica_statements}
    assert verbs == {"SELECT"}, verbs
    with tenant_context(demo.id):
        assert db.session.scalar(select(Order.status)) == "pending_payment"
