"""Database wiring: savepoint awareness, SQLite foreign keys. (Which models exist is the
composition root's business: ``duoshop.registry``.)"""
from sqlalchemy import event
from sqlalchemy.engine import Engine


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

