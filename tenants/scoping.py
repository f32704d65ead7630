"""Automatic tenant scoping of the ORM, and the PostgreSQL row-level-security setting.

Every model that mixes in ``TenantScoped`` gets ``id``, a ``tenant_id NOT NULL`` column and
the primary key ``(tenant_id, id)``, so other tenant-owned tables point at it with composite
foreign keys (the database itself then rejects a row that references another tenant) and
every key holds the column Citus distributes by (docs/scaling.md). The ORM still knows a row
by ``id`` alone: ids come from one sequence per table, so they are unique on their own.

The ORM wall: SELECT, UPDATE and DELETE through the ORM are filtered by the current
tenant (``with_loader_criteria``), new rows are stamped with it (``before_flush``), and a
scoped query with no tenant context raises ``NoTenantContext``. Core and raw SQL are not
covered by this wall; on PostgreSQL the RLS policies catch them (see ``rls.py``).
"""
from flask import has_app_context
from sqlalchemy import ForeignKey, ForeignKeyConstraint, PrimaryKeyConstraint, UniqueConstraint, event, text
from sqlalchemy.orm import Mapped, Session, declared_attr, mapped_column, with_loader_criteria

from core.database import REPLICA_BIND
from core.extensions import db
from core.tenancy import NoTenantContext, current_tenant_id, is_unscoped, on_tenant_change


class CrossTenantWrite(RuntimeError):
    """A row was about to be written for a tenant other than the current one."""


class TenantScoped:
    """Mixin for every tenant-owned model. Extra table args go in ``__tenant_table_args__``."""

    __tenant_table_args__ = ()

    @declared_attr
    def id(cls) -> Mapped[int]:
        return mapped_column(primary_key=True, autoincrement=True)

    @declared_attr
    def tenant_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("tenants.id", ondelete="RESTRICT"), nullable=False, primary_key=True)

    @declared_attr.directive
    def __table_args__(cls):
        return (*tenant_key(), *cls.__tenant_table_args__)

    @declared_attr.directive
    def __mapper_args__(cls):
        return {"primary_key": [cls.__table__.c.id]}


def tenant_key():
    """A tenant table's primary key ``(tenant_id, id)``. The ORM's flushes update and delete
    ``WHERE tenant_id = … AND id = …`` (the table's key) and its reads in a store carry the
    loader criteria, so nothing needs an index on ``id`` alone. SQLite keeps ``id INTEGER
    PRIMARY KEY`` (the only key it numbers by itself) and, for the composite foreign keys,
    ``UNIQUE (tenant_id, id)``: that one is for SQLite only."""
    return (
        PrimaryKeyConstraint("tenant_id", "id"),
        UniqueConstraint("tenant_id", "id").ddl_if(dialect="sqlite"),
    )


def for_dialect(dialect_name):
    """Alembic's ``include_object`` for comparing the models with one database: leave out the
    constraints and indexes that ``ddl_if`` gives to another database (Alembic ignores it)."""
    def include(obj, name, type_, reflected, compare_to):
        condition = getattr(obj, "_ddl_if", None)
        return reflected or condition is None or condition.dialect in (None, dialect_name)
    return include


def tenant_foreign_key(column, target_table, ondelete=None):
    """Composite FK ``(tenant_id, column)`` → ``target_table(tenant_id, id)``."""
    return ForeignKeyConstraint(
        ["tenant_id", column],
        [f"{target_table}.tenant_id", f"{target_table}.id"],
        ondelete=ondelete,
    )


def _is_scoped(mapper):
    return mapper is not None and issubclass(mapper.class_, TenantScoped)


@event.listens_for(Session, "do_orm_execute")
def _filter_by_tenant(state):
    if not (state.is_select or state.is_update or state.is_delete):
        return
    if state.is_column_load or is_unscoped():
        return
    tenant_id = current_tenant_id()
    if tenant_id is None:
        if any(_is_scoped(m) for m in state.all_mappers):
            names = ", ".join(sorted(m.class_.__name__ for m in state.all_mappers if _is_scoped(m)))
            raise NoTenantContext(f"query on tenant-scoped {names} with no tenant context")
        return
    state.statement = state.statement.options(
        with_loader_criteria(TenantScoped, lambda cls: cls.tenant_id == tenant_id, include_aliases=True)
    )


@event.listens_for(Session, "before_flush")
def _stamp_tenant(session, flush_context, instances):
    tenant_id = current_tenant_id()
    unscoped = is_unscoped()
    for obj in list(session.new) + list(session.dirty):
        if not isinstance(obj, TenantScoped):
            continue
        if obj.tenant_id is None:
            if tenant_id is None:
                raise NoTenantContext(f"new {type(obj).__name__} with no tenant context")
            obj.tenant_id = tenant_id
        elif tenant_id is not None and obj.tenant_id != tenant_id and not unscoped:
            raise CrossTenantWrite(
                f"{type(obj).__name__} belongs to tenant {obj.tenant_id}, current tenant is {tenant_id}"
            )


# --- PostgreSQL row-level security: the setting follows the context, per transaction ---

_RLS_SQL = text(
    "SELECT set_config('duoshop.tenant_id', :tenant_id, true), set_config('duoshop.unscoped', :unscoped, true)"
)


def _rls_params():
    tenant_id = current_tenant_id()
    return {"tenant_id": "" if tenant_id is None else str(tenant_id), "unscoped": "on" if is_unscoped() else "off"}


_APPLIED = "duoshop_rls_applied"


def apply_rls_setting(connection, session=None):
    """Set the transaction-local RLS variables on a PostgreSQL connection (skipped when the
    open transaction already carries exactly these values). A session may hold two
    connections (the app's and the platform's, core.database): each is remembered apart."""
    if connection.dialect.name != "postgresql":
        return
    params = _rls_params()
    applied = session.info.setdefault(_APPLIED, {}) if session is not None else {}
    if applied.get(connection.engine) == params:
        return
    connection.execute(_RLS_SQL, params)
    applied[connection.engine] = params


@event.listens_for(Session, "after_begin")
def _set_rls_on_begin(session, transaction, connection):
    session.info.get(_APPLIED, {}).pop(connection.engine, None)  # a new transaction starts with nothing set
    apply_rls_setting(connection, session)


@event.listens_for(Session, "after_transaction_end")
def _forget_after_savepoint(session, transaction):
    applied = session.info.get(_APPLIED)
    if not applied:
        return
    if transaction.nested:  # a rolled-back savepoint may have undone a set_config made inside it
        applied.update(dict.fromkeys(applied))
    elif transaction.parent is None:  # the transaction is over: no connection holds a setting
        applied.clear()


def _update_open_transaction():
    """When the context changes inside an open transaction, move the setting with it: on the
    app's connection, and on the read replica's when this transaction has read from it
    (ORM reads go there with the new store's filter; the old store's setting would hide them)."""
    if not has_app_context():
        return
    if not db.session.registry.has():
        return
    session = db.session()
    if session.in_transaction() and session.get_bind().dialect.name == "postgresql":
        apply_rls_setting(session.connection(), session)
        replica = db.engines.get(REPLICA_BIND)
        if replica is not None and replica in session.info.get(_APPLIED, {}):
            apply_rls_setting(session.connection(bind_arguments={"bind": replica}), session)


on_tenant_change(_update_open_transaction)
