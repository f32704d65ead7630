"""The tenant-wall suites again, with every connection of the app (its own role and the
platform role) going through PgBouncer in transaction mode: row-level security holds when
server connections are shared between clients' transactions."""
import pytest
from sqlalchemy import create_engine

from core.extensions import db
from tests.scaleout.conftest import database_of, dispose, make_app, url_through
from tests.tenants.test_isolation import *  # noqa: F403 — the same tests, run here through the pooler
from tests.tenants.test_rls_round_trips import *  # noqa: F403
from tests.tenants.test_scoping import *  # noqa: F403

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def app(app, app_overrides, pooler):
    """Overrides the suite's app for this module: the same database, through PgBouncer."""
    name = database_of(app_overrides)
    pooled = make_app(app_overrides, SQLALCHEMY_DATABASE_URI=url_through(pooler, "duoshop_app", name),
                      DATABASE_PLATFORM_URL=url_through(pooler, "duoshop_platform", name),
                      DATABASE_TRANSACTION_POOLER=True)
    yield pooled
    dispose(pooled)


@pytest.fixture(scope="module")
def owner_engine(app_overrides):
    """The owner's connection straight to PostgreSQL (the suite's one depends on its app)."""
    engine = create_engine(app_overrides["MIGRATION_DATABASE_URL"])
    yield engine
    engine.dispose()


def test_the_app_connects_through_the_pooler_without_server_side_prepared_statements(app, pooler):
    with app.app_context():
        for engine in db.engines.values():
            assert engine.url.port == pooler
            with engine.connect() as conn:
                assert conn.connection.driver_connection.prepare_threshold is None
