"""Fixtures of the scale-out tests: the suite's database through PgBouncer, and a
streaming replica of it, each with an app configured as production would be."""
import os

import pytest
from sqlalchemy.engine import make_url

from core.extensions import db
from duoshop.app import create_app
from tests.conftest import APP_ROLE, PLATFORM_ROLE, HostClient
from tests.scaleout.processes import pgbouncer, streaming_replica

TIGHT = "tight"  # PgBouncer's alias of the test database with ONE server connection per role


def database_of(app_overrides):
    return make_url(app_overrides["SQLALCHEMY_DATABASE_URI"]).database


def url_through(port, role, database):
    return f"postgresql+psycopg://{role}@127.0.0.1:{port}/{database}"


@pytest.fixture(scope="session")
def pooler(app_overrides):
    """PgBouncer in transaction mode in front of the suite's database: under its own name
    with 3 server connections per role, and as ``tight`` with one."""
    name = database_of(app_overrides)
    users = (APP_ROLE, PLATFORM_ROLE, make_url(app_overrides["MIGRATION_DATABASE_URL"]).username)
    with pgbouncer(os.environ["DATABASE_URL"], users, {name: (name, 3), TIGHT: (name, 1)}) as port:
        yield port


def make_app(app_overrides, **settings):
    application = create_app("test", overrides={**app_overrides, **settings})
    application.test_client_class = HostClient
    return application


def dispose(application):
    with application.app_context():
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()


@pytest.fixture(scope="module")
def replica_port(app):
    """A hot standby of the machine's PostgreSQL (the suite's database included), streaming;
    stopped after the module that asked for it."""
    with streaming_replica(os.environ["DATABASE_URL"]) as port:
        yield port
