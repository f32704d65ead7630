"""The current tenant, held in a context variable for requests, jobs and CLI commands.

Requests enter it in ``tenants.middleware``; jobs and the platform console enter it
explicitly with ``tenant_context``. ``unscoped`` is the one greppable escape hatch for
code that must read across tenants (platform reports, migrations of data).
"""
from contextlib import contextmanager
from contextvars import ContextVar

_tenant_id: ContextVar = ContextVar("duoshop_tenant_id", default=None)
_unscoped: ContextVar = ContextVar("duoshop_unscoped", default=False)


class NoTenantContext(RuntimeError):
    """A tenant-scoped model was queried with no tenant context and no ``unscoped()``."""


def current_tenant_id():
    return _tenant_id.get()


def is_unscoped():
    return _unscoped.get()


def _tenant_id_of(tenant):
    tenant_id = getattr(tenant, "id", tenant)
    if not isinstance(tenant_id, int) or isinstance(tenant_id, bool):
        raise TypeError(f"tenant_context needs a Tenant or an int id, got {tenant!r}")
    return tenant_id


@contextmanager
def tenant_context(tenant):
    """Run the block as ``tenant``: queries are filtered and new rows stamped with it."""
    token = _tenant_id.set(_tenant_id_of(tenant))
    unscoped_token = _unscoped.set(False)
    _notify_change()
    try:
        yield
    finally:
        _unscoped.reset(unscoped_token)
        _tenant_id.reset(token)
        _notify_change()


@contextmanager
def unscoped():
    """Read across tenants. Every use is a deliberate, reviewed decision."""
    token = _unscoped.set(True)
    _notify_change()
    try:
        yield
    finally:
        _unscoped.reset(token)
        _notify_change()


def enter_tenant(tenant_id):
    """Set the tenant for the rest of a request; returns a token for ``leave_tenant``."""
    token = _tenant_id.set(tenant_id)
    _notify_change()
    return token


def leave_tenant(token):
    _tenant_id.reset(token)
    _notify_change()


_listeners = []


def on_tenant_change(listener):
    """Register a callable run whenever the context changes (used to update RLS)."""
    _listeners.append(listener)
    return listener


def _notify_change():
    for listener in _listeners:
        listener()
