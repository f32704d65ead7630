"""Database wiring: savepoint awareness, SQLite foreign keys, the platform connection that
reads across stores, and the read replica. (Which models exist is the composition root's business:
``duoshop.registry``.)

Reading across stores on PostgreSQL: row-level security admits rows of other stores only
to a session that is both inside ``unscoped()`` (``duoshop.unscoped = 'on'``) and connected
as the platform role (``duoshop_platform``, or a member of it) or the schema's owner; the
app role cannot switch that on by itself (``tenants/rls.py``, docs/security.md). When
``DATABASE_PLATFORM_URL`` is set, ``unscoped()`` reads go over that second connection:
``PlatformReadSession`` routes a SELECT made inside ``unscoped()`` to the ``platform``
bind, while writes and flushes stay on the app's own connection and transaction.

A read replica: when ``DATABASE_REPLICA_URL`` is set, a SELECT made inside
``lag_tolerant()`` (code whose answer may be a second old: the storefront's cache-miss
render, the console's dashboard and data screens, exports) goes to the ``replica`` bind,
unless the session has already written (read-your-writes: a request that wrote reads its
own rows on the primary for the rest of its life). Everything else goes to the primary,
and the replica, a hot standby, would refuse a write anyway. ``lag_tolerant(caught_up=True)``
(the storefront's renders, whose pages are cached under versions read before) uses the
replica only once it has replayed all the primary had written when the transaction began.
"""
import functools
import time
from contextlib import contextmanager
from contextvars import ContextVar

from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from sqlalchemy.sql.selectable import CompoundSelect, Select

from core.tenancy import is_unscoped

PLATFORM_BIND = "platform"
REPLICA_BIND = "replica"
_WROTE = "duoshop_wrote"  # session.info key: this session has flushed or run DML

_lag_tolerant: ContextVar = ContextVar("duoshop_lag_tolerant", default=None)
_CAUGHT_UP = "duoshop_replica_caught_up"  # session.info key: the answer of _replica_caught_up
# How long a read that needs a caught-up replica waits for it before using the primary.
REPLICA_CATCH_UP_SECONDS = 0.05
ANY_LAG, CAUGHT_UP = "any lag", "caught up"


@contextmanager
def lag_tolerant(*, caught_up=False):
    """Reads in the block may come from the read replica (when one is configured): use it
    only for answers that may be a second old and that nothing writes back from.

    ``caught_up=True``: only once the replica has replayed everything the primary had
    committed when the session first reads from it (else the primary), so the answer is
    never older than anything read before (a page cached under the catalog version read
    first must not show rows from before that version).
    """
    token = _lag_tolerant.set(CAUGHT_UP if caught_up else ANY_LAG)
    try:
        yield
    finally:
        _lag_tolerant.reset(token)


def reads_lag_tolerant(function=None, *, caught_up=False):
    """Decorator form of ``lag_tolerant()`` for a view or a render function."""
    def decorate(function):
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            with lag_tolerant(caught_up=caught_up):
                return function(*args, **kwargs)
        return wrapper
    return decorate(function) if function is not None else decorate


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


def _is_plain_select(clause):
    # Only statements built as SELECTs: raw text() may be anything, FOR UPDATE locks rows.
    return isinstance(clause, (Select, CompoundSelect)) and getattr(clause, "_for_update_arg", None) is None


def has_written(session):
    return session.info.get(_WROTE, False)


class PlatformReadSession(FlaskSession):
    """A read made inside ``unscoped()`` goes to the platform connection when one is
    configured; a plain SELECT inside ``lag_tolerant()`` to the replica when one is
    configured and this session has not written; everything else (flushes,
    UPDATE/DELETE/INSERT, raw SQL) to the app's own."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        if bind is None and is_unscoped() and _is_read(clause):
            platform = self._db.engines.get(PLATFORM_BIND)
            if platform is not None:
                return platform
        tolerance = _lag_tolerant.get()
        if bind is None and tolerance and _is_plain_select(clause) and not has_written(self):
            replica = self._db.engines.get(REPLICA_BIND)
            if replica is not None and (tolerance == ANY_LAG or self._replica_caught_up(replica)):
                return replica
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)

    def _replica_caught_up(self, replica):
        """Has the replica replayed all the primary had written when this transaction first
        asked? Asked once per transaction: two tiny queries, no table read; a replica still
        behind after ``REPLICA_CATCH_UP_SECONDS`` leaves the reads to the primary."""
        if _CAUGHT_UP not in self.info:
            with self._db.engine.connect() as primary:
                target = primary.exec_driver_sql("SELECT pg_current_wal_lsn()").scalar()
            self.info[_CAUGHT_UP] = _wait_for_replay(replica, target, REPLICA_CATCH_UP_SECONDS)
        return self.info[_CAUGHT_UP]


def _wait_for_replay(replica, target, seconds):
    deadline = time.monotonic() + seconds
    with replica.connect() as conn:
        while True:
            if conn.exec_driver_sql("SELECT pg_last_wal_replay_lsn() >= %(lsn)s::pg_lsn", {"lsn": target}).scalar():
                return True
            if time.monotonic() >= deadline:
                return False
            conn.rollback()  # a new snapshot for the next look
            time.sleep(0.005)


@event.listens_for(Session, "before_flush")
def _remember_flush(session, flush_context, instances):
    if session.new or session.dirty or session.deleted:
        session.info[_WROTE] = True


@event.listens_for(Session, "after_transaction_end")
def _forget_replica_check(session, transaction):
    if transaction.parent is None:  # the next transaction asks the replica again
        session.info.pop(_CAUGHT_UP, None)


@event.listens_for(Session, "do_orm_execute")
def _remember_dml(state):
    if not state.is_select:
        state.session.info[_WROTE] = True
