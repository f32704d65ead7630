"""Automatic tenant scoping of the ORM, and the PostgreSQL row-level-security setting.

Every model that mixes in ``TenantScoped`` gets a ``tenant_id NOT NULL`` column and a
``UNIQUE (tenant_id, id)`` so other tenant-owned tables can point at it with composite
foreign keys: the database itself then rejects a row that references another tenant.

The ORM wall: SELECT, UPDATE and DELETE through the ORM are filtered by the current
tenant (``with_loader_criteria``), new rows are stamped with it (``before_flush``), and a
scoped query with no tenant context raises ``NoTenantContext``. Core and raw SQL are not
covered by this wall; on PostgreSQL the RLS policies catch them (see ``rls.py``).
"""
from flask import has_app_context
from sqlalchemy import ForeignKey, ForeignKeyConstraint, UniqueConstraint, event, text
from sqlalchemy.orm import Mapped, Session, declared_attr, mapped_column, with_loader_criteria

from core.extensions import db
from core.tenancy import NoTenantContext, current_tenant_id, is_unscoped, on_tenant_change


class CrossTenantWrite(RuntimeError):
    """A row was about to be written for a tenant other than the current one."""


class TenantScoped:
    """Mixin for every tenant-owned model. Extra table args go in ``__tenant_table_args__``."""

    __tenant_table_args__ = ()

    @declared_attr
    def tenant_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("tenants.id", ondelete="RESTRICT"), nullable=False)

    @declared_attr.directive
    def __table_args__(cls):
        return (UniqueConstraint("tenant_id", "id"), *cls.__tenant_table_args__)


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
    # A rolled-back savepoint may have undone a set_config made inside it: set it again.
    if transaction.nested:
        session.info.pop(_APPLIED, None)


def _update_open_transaction():
    """When the context changes inside an open transaction, move the setting with it (on the
    app's connection: the platform connection only ever serves ``unscoped()`` reads)."""
    if not has_app_context():
        return
    if not db.session.registry.has():
        return
    session = db.session()
    if session.in_transaction() and session.get_bind().dialect.name == "postgresql":
        apply_rls_setting(session.connection(), session)


on_tenant_change(_update_open_transaction)
