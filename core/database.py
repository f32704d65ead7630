"""Database wiring: savepoint awareness, SQLite foreign keys, and the platform connection
that reads across stores. (Which models exist is the composition root's business:
``duoshop.registry``.)

Reading across stores on PostgreSQL: row-level security admits rows of other stores only
to a session that is both inside ``unscoped()`` (``duoshop.unscoped = 'on'``) and connected
as the platform role (``duoshop_platform``, or a member of it) or the schema's owner; the
app role cannot switch that on by itself (``tenants/rls.py``, docs/security.md). When
``DATABASE_PLATFORM_URL`` is set, ``unscoped()`` reads go over that second connection:
``PlatformReadSession`` routes a SELECT made inside ``unscoped()`` to the ``platform``
bind, while writes and flushes stay on the app's own connection and transaction.
"""
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import event
from sqlalchemy.engine import Engine

from core.tenancy import is_unscoped

PLATFORM_BIND = "platform"


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



def _is_read(clause):
    return clause is not None and not getattr(clause, "is_dml", False)


class PlatformReadSession(FlaskSession):
    """A read made inside ``unscoped()`` goes to the platform connection when one is
    configured; everything else (flushes, UPDATE/DELETE/INSERT) to the app's own."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        if bind is None and is_unscoped() and _is_read(clause):
            platform = self._db.engines.get(PLATFORM_BIND)
            if platform is not None:
                return platform
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)
