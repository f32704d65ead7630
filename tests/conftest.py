"""Fixtures shared by every test.

Two modes, chosen by the environment like the app itself:
- ``DATABASE_URL`` set (PostgreSQL): a fresh database per test session, migrated by the
  owner (the URL's role) while the app connects as ``duoshop_app``, an ordinary role, so
  row-level security really applies, and reads inside ``unscoped()`` go over a second
  connection as ``duoshop_platform`` (``DATABASE_PLATFORM_URL``, read-only); dropped at the end.
- unset: a temporary SQLite file, migrated the same way.
``REDIS_URL`` set: jobs go to real rq queues with a per-session prefix and a real worker
drains them; unset: jobs run eagerly in-process.
"""
import os
import re
import threading
import uuid

import pytest
from flask.globals import _cv_app
from flask.testing import FlaskClient
from flask_babel import force_locale
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from core.config import normalize_database_url
from core.extensions import db, limiter
from duoshop.app import create_app
from sandbox.wechatpay.blueprint import EXTENSION, create_sandbox_app
from sandbox.wechatpay.testing import serving
from tenants.resolve import forget_routes
from tests.factories import create_product, create_store, sku_of

APP_ROLE = "duoshop_app"
PLATFORM_ROLE = "duoshop_platform"
PLATFORM_HOST = "duoshop.test"
RUN_ID = uuid.uuid4().hex[:8]


class HostClient(FlaskClient):
    """A test client bound to one host, as a browser on that address would be."""

    def __init__(self, *args, host=PLATFORM_HOST, **kwargs):
        super().__init__(*args, **kwargs)
        self.host = host

    def open(self, *args, **kwargs):
        kwargs.setdefault("base_url", f"http://{self.host}")
        # Each request gets its own app context (own ``g``, own DB session) as in
        # production, even while the test itself holds one for its set-up.
        hidden = _cv_app.set(None)
        try:
            return super().open(*args, **kwargs)
        finally:
            _cv_app.reset(hidden)


def _postgres_urls(admin_url):
    """Create a fresh database, the app role and the platform role; return (owner_url,
    app_url, platform_url, drop)."""
    admin = make_url(normalize_database_url(admin_url))
    name = f"duoshop_test_{RUN_ID}"
    server = create_engine(admin.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
        for role in (APP_ROLE, PLATFORM_ROLE):
            exists = conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).scalar()
            if not exists:
                conn.execute(text(f"CREATE ROLE {role} LOGIN NOSUPERUSER NOBYPASSRLS"))

    def drop():
        with server.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()

    owner = admin.set(database=name)
    app_url = owner.set(username=APP_ROLE, password=None)
    platform_url = owner.set(username=PLATFORM_ROLE, password=None)
    return (owner.render_as_string(hide_password=False), app_url.render_as_string(hide_password=False),
            platform_url.render_as_string(hide_password=False), drop)


def _test_overrides(tmp_path_factory):
    # Keys of this run only: another test run on the same Redis (a developer's, CI's) never
    # shares rate-limit counters or cache versions with this one.
    overrides = {"PLATFORM_DOMAIN": PLATFORM_HOST, "RATELIMIT_KEY_PREFIX": f"test-{RUN_ID}",
                 "CACHE_KEY_PREFIX": f"duoshop:test-{RUN_ID}:cache:"}
    drop = None
    database_url = os.environ.get("DATABASE_URL")
    if database_url:
        owner_url, app_url, platform_url, drop = _postgres_urls(database_url)
        overrides.update(SQLALCHEMY_DATABASE_URI=app_url, MIGRATION_DATABASE_URL=owner_url,
                         DATABASE_PLATFORM_URL=platform_url)
    else:
        path = tmp_path_factory.mktemp("db") / "test.db"
        overrides.update(SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}", MIGRATION_DATABASE_URL=None)
    if os.environ.get("REDIS_URL"):
        overrides.update(JOB_MODE="rq", REDIS_URL=os.environ["REDIS_URL"], RQ_QUEUE_PREFIX=f"test-{RUN_ID}:",
                         RATELIMIT_STORAGE_URI=os.environ["REDIS_URL"])
    else:
        overrides.update(JOB_MODE="eager", REDIS_URL=None, RATELIMIT_STORAGE_URI="memory://")
    return overrides, drop


def _reset_rate_limits(app):
    """Forget this run's rate-limit counters. ``limiter.reset()`` on Redis would wipe every
    run's counters, breaking a rate-limit test running elsewhere at the same moment."""
    uri = app.config.get("RATELIMIT_STORAGE_URI") or ""
    if not uri.startswith("redis"):
        limiter.reset()
        return
    from redis import Redis

    connection = Redis.from_url(uri)
    for key in connection.scan_iter(f"*test-{RUN_ID}*"):
        connection.delete(key)
    connection.close()


def grant_roles(conn):
    """What production grants: the app role reads and writes, the platform role only reads."""
    conn.execute(text(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {APP_ROLE}"))
    conn.execute(text(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {APP_ROLE}"))
    conn.execute(text(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {PLATFORM_ROLE}"))


def _migrate(app):
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()
        owner_url = app.config.get("MIGRATION_DATABASE_URL")
        if owner_url:
            engine = create_engine(owner_url)
            with engine.begin() as conn:
                grant_roles(conn)
            engine.dispose()


@pytest.fixture(scope="session")
def app_overrides(tmp_path_factory):
    overrides, drop = _test_overrides(tmp_path_factory)
    yield overrides
    if drop:
        drop()


@pytest.fixture(scope="session")
def app(app_overrides):
    application = create_app("test", overrides=app_overrides)
    application.test_client_class = HostClient
    _migrate(application)
    yield application
    with application.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def owner_engine(app):
    """A connection as the schema owner: test bookkeeping, raw SQL checks."""
    url = app.config.get("MIGRATION_DATABASE_URL") or app.config["SQLALCHEMY_DATABASE_URI"]
    engine = create_engine(url)
    yield engine
    engine.dispose()


@pytest.fixture(autouse=True)
def _clean_database(app, owner_engine):
    yield
    _stop_leaked_relays()
    with app.app_context():
        db.session.remove()
        _reset_rate_limits(app)
        app.extensions["duoshop_cache"].clear()  # ids start again at 1: no counter may outlive its rows
    with owner_engine.begin() as conn:
        _empty_the_tables(conn)
    forget_routes()  # the process keeps host → store answers; the stores are gone


def _stop_leaked_relays():
    """A test that starts a web process's outbox relay (thread jobs) must stop it: left running,
    it claims later tests' events on the shared database and runs them in its own app (it
    once made a thumbnail on the wrong storage, so the S3 test saw none)."""
    leaked = [thread for thread in threading.enumerate()
              if thread.name == "duoshop-outbox" and thread.is_alive()]
    for thread in leaked:
        thread._args[0].extensions["duoshop_outbox_loop"]["stop"].set()
        thread.join(5)
    if leaked:
        pytest.fail(f"the test left {len(leaked)} outbox relay thread(s) running; give its app "
                    "JOB_MODE='eager' or stop the loop", pytrace=False)


def _empty_the_tables(conn):
    """Delete the rows a test left, children first, and start the used id sequences again.
    Only tables holding rows are touched: truncating all of them after every test cost
    0.15 s a test on PostgreSQL (a new file per table), deleting a few rows costs little."""
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    probe = " UNION ALL ".join(f"SELECT '{name}' WHERE EXISTS (SELECT 1 FROM {name})" for name in tables)
    holding = {row[0] for row in conn.execute(text(probe))}
    for name in tables:
        if name in holding:
            conn.execute(text(f"DELETE FROM {name}"))
    if conn.dialect.name == "postgresql":
        used = conn.execute(text("SELECT schemaname, sequencename FROM pg_sequences WHERE last_value IS NOT NULL"))
        for schema, sequence in used:
            conn.execute(text(f'ALTER SEQUENCE "{schema}"."{sequence}" RESTART'))
    elif conn.execute(text("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'")).first():
        conn.execute(text("DELETE FROM sqlite_sequence"))


@pytest.fixture
def app_ctx(app):
    """An app context for set-up and service calls, in English so tests read the English
    messages (requests made by test clients still choose their own language)."""
    with app.app_context(), force_locale("en"):
        yield app


@pytest.fixture
def platform_client(app):
    return app.test_client(host=PLATFORM_HOST)


@pytest.fixture
def store_client(app):
    """``store_client("demo")`` → a client on demo.duoshop.test."""
    return lambda slug: app.test_client(host=f"{slug}.{PLATFORM_HOST}")


@pytest.fixture
def jobs(app):
    """Run what was enqueued: a real rq worker on Redis, or the eager backend's schedule."""

    class Jobs:
        backend = app.extensions["duoshop_jobs"]

        def drain(self):
            if self.backend.name == "rq":
                from rq import SimpleWorker

                with app.app_context():
                    SimpleWorker(self.backend.queues(), connection=self.backend.connection).work(burst=True)

    return Jobs()


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_from(client, path):
    response = client.get(path)
    match = CSRF_RE.search(response.get_data(as_text=True))
    assert match, f"no CSRF token on {path} ({response.status_code})"
    return match.group(1)


def pytest_collection_modifyitems(config, items):
    """PostgreSQL-only behaviour (row-level security) and real-Redis tests are reported as
    skipped, with the reason, on the embedded run; CI runs them on its PostgreSQL run."""
    missing = {"postgres": not os.environ.get("DATABASE_URL"), "redis": not os.environ.get("REDIS_URL")}
    reasons = {"postgres": "needs PostgreSQL: set DATABASE_URL", "redis": "needs Redis: set REDIS_URL"}
    for item in items:
        for marker, absent in missing.items():
            if absent and item.get_closest_marker(marker):
                item.add_marker(pytest.mark.skip(reason=reasons[marker]))

@pytest.fixture
def wechat(app):
    """The app's own sandbox, answering the SDK over HTTP on 127.0.0.1."""
    sandbox = app.extensions[EXTENSION]
    with serving(create_sandbox_app(sandbox)) as base_url:
        previous = app.config["WECHATPAY_BASE_URL"]
        app.config["WECHATPAY_BASE_URL"] = base_url
        yield sandbox
        app.config["WECHATPAY_BASE_URL"] = previous


@pytest.fixture
def shop(app_ctx):
    """Two stores; demo sells 龙井 (¥50, 5 in stock): ``(demo, tea, product id, sku id)``."""
    demo, tea = create_store("demo"), create_store("tea")
    product = create_product(demo, "龙井", price=5000, stock=5)
    return demo, tea, product, sku_of(demo, product)


@pytest.fixture
def smtp_server(app):
    """A real SMTP server on 127.0.0.1 (aiosmtpd) with ``MAIL_URL`` pointing at it; ``.messages``
    are the ``email.message.Message`` objects it received. ``auth`` (user, password) when set."""
    import socket
    from email import message_from_bytes

    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    class Server:
        messages = []
        logins = []

        async def handle_DATA(self, server, session, envelope):
            self.messages.append(message_from_bytes(envelope.original_content))
            return "250 OK"

    received = Server()
    received.messages, received.logins = [], []

    def authenticate(server, session, envelope, mechanism, auth_data):
        received.logins.append((auth_data.login.decode(), auth_data.password.decode()))
        return AuthResult(success=(auth_data.login, auth_data.password) == (b"mailer", b"s3cret:pass"))

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(received, hostname="127.0.0.1", port=port, authenticator=authenticate,
                            auth_require_tls=False)
    controller.start()
    previous = app.config.get("MAIL_URL")
    app.config["MAIL_URL"] = received.url = f"smtp://127.0.0.1:{port}"
    try:
        yield received
    finally:
        app.config["MAIL_URL"] = previous
        controller.stop()
