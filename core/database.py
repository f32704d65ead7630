"""Database wiring: model registration for migrations, SQLite foreign keys."""
from sqlalchemy import event
from sqlalchemy.engine import Engine


def import_domain_modules():
    """Import every package's models (so Alembic and the ORM see all tables) and the
    services that register provisioning steps and outbox subscribers (a process delivering
    an event must know every subscriber of its topic)."""
    import billing.models  # noqa: F401
    import billing.subscriptions  # noqa: F401
    import commerce.aftersales.models  # noqa: F401
    import commerce.aftersales.service  # noqa: F401
    import commerce.catalog.events  # noqa: F401
    import commerce.catalog.images  # noqa: F401
    import commerce.catalog.models  # noqa: F401
    import commerce.catalog.service  # noqa: F401
    import commerce.marketing.bargains  # noqa: F401
    import commerce.marketing.distribution  # noqa: F401
    import commerce.marketing.flash_sales  # noqa: F401
    import commerce.marketing.group_buys  # noqa: F401
    import commerce.marketing.models  # noqa: F401
    import commerce.members.models  # noqa: F401
    import commerce.members.points  # noqa: F401
    import commerce.orders.models  # noqa: F401
    import commerce.orders.subscribers  # noqa: F401
    import commerce.payments.models  # noqa: F401
    import commerce.shipping.jobs  # noqa: F401
    import commerce.shipping.models  # noqa: F401
    import core.audit  # noqa: F401
    import core.outbox  # noqa: F401
    import tenants.models  # noqa: F401
    import tenants.provisioning  # noqa: F401
    import themes.models  # noqa: F401
    import themes.pages  # noqa: F401


def savepoint_only(session):
    """True inside ``after_commit`` / ``after_rollback`` listeners when only a savepoint
    (``begin_nested``) was released or rolled back: SQLAlchemy fires both events for
    savepoints too, and work meant for "after the transaction" must wait for the real one."""
    return session.in_nested_transaction()


@event.listens_for(Engine, "connect")
def _sqlite_enforces_foreign_keys(dbapi_connection, connection_record):
    # SQLite ignores foreign keys unless asked, and composite FKs are our tenant wall.
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()


def init_app(app):
    import_domain_modules()
