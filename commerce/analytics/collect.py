"""Collecting behaviour events off the request path.

``track(kind, …)`` only appends a row to this process's buffer (a lock and a list: no I/O),
so a page or an API call pays nothing measurable for it. A daemon thread, started with the
first event, writes the buffer every ``FLUSH_SECONDS`` or as soon as it holds
``FLUSH_AT`` events, one multi-row INSERT per store (each in the store's context, so
row-level security checks it like any write). ``flush_events()`` writes at once; the tests
call it (``ANALYTICS_FLUSHER`` is off there: nothing is written behind their back).

What this costs: a process killed (SIGKILL, OOM) loses what its buffer held, at most about
one second of its events; a process stopped cleanly writes them at exit. Analytics may lose
that much; orders, payments and refunds never are analytics' to lose: their events are
recorded from the outbox (``subscribers.py``), in the transaction that marks them processed.
A batch the database refuses (a store deleted meanwhile) is logged and dropped.
"""
import atexit
import logging
import os
import threading

from flask import current_app, has_app_context
from sqlalchemy import insert

from commerce.analytics.channels import CHANNELS, DIRECT
from commerce.analytics.events import KINDS
from commerce.analytics.models import AnalyticsEvent
from core.extensions import db
from core.models import utcnow
from core.tenancy import current_tenant_id, tenant_context
from tenants.scoping import apply_rls_setting

log = logging.getLogger(__name__)

FLUSH_SECONDS = 1.0
FLUSH_AT = 500
FIELDS = ("page", "product_id", "order_id", "coupon_id", "amount", "words", "result_count")
LIMITS = {"visitor_id": 40, "words": 60, "page": 12}

_lock = threading.Lock()
_buffer = []
_wake = threading.Event()
_flusher = None  # (process id, thread): a forked worker starts its own


class InvalidEvent(ValueError):
    """A tracked event names an unknown kind, channel or field (a bug, not a shopper's input)."""


def event_row(kind, *, tenant_id=None, occurred_at=None, visitor_id=None, member_id=None, channel=DIRECT,
              **fields):
    """The row ``track`` would buffer: checked, and with every column present (a multi-row
    INSERT needs the same keys in each). :raise InvalidEvent: unknown kind, channel or field"""
    if kind not in KINDS:
        raise InvalidEvent(f"unknown event kind {kind!r}")
    if channel not in CHANNELS:
        raise InvalidEvent(f"unknown channel {channel!r}")
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise InvalidEvent(f"unknown event fields {sorted(unknown)}")
    tenant_id = tenant_id if tenant_id is not None else current_tenant_id()
    if tenant_id is None:
        raise InvalidEvent("an event needs a store")
    row = {"tenant_id": tenant_id, "occurred_at": occurred_at or utcnow(), "kind": kind, "visitor_id": visitor_id,
           "member_id": member_id, "channel": channel}
    row.update({name: fields.get(name) for name in FIELDS})
    for name, limit in LIMITS.items():
        if isinstance(row[name], str):
            row[name] = row[name][:limit]
    return row


def track(kind, **fields):
    """Record a behaviour event of the current store (or ``tenant_id=``) without touching the
    database: see ``event_row`` for the fields. Returns nothing; never raises for a full
    buffer or a database down (the flusher logs those)."""
    row = event_row(kind, **fields)
    with _lock:
        _buffer.append(row)
        size = len(_buffer)
    if size >= FLUSH_AT:
        _wake.set()
    _start_flusher()


def pending_events():
    """How many events wait in this process's buffer (tests, health)."""
    with _lock:
        return len(_buffer)


def _take():
    with _lock:
        rows = _buffer[:]
        del _buffer[:]
    return rows


def flush_events():
    """Write every buffered event now: one multi-row INSERT (of at most ``FLUSH_AT`` rows)
    per store, each store in its own transaction on a connection of its own, so the caller's
    session is left alone. Returns how many were written."""
    rows = _take()
    written = 0
    by_store = {}
    for row in rows:
        by_store.setdefault(row["tenant_id"], []).append(row)
    for tenant_id, store_rows in by_store.items():
        try:
            written += write_events(tenant_id, store_rows)
        except Exception:  # noqa: BLE001 — analytics never breaks the process; the batch is reported
            log.exception("dropped %d analytics events of store %s", len(store_rows), tenant_id)
    return written


def write_events(tenant_id, rows):
    """Insert ``rows`` (``event_row``s of one store) in one transaction; returns their number."""
    with tenant_context(tenant_id), db.engine.begin() as connection:
        apply_rls_setting(connection)
        for start in range(0, len(rows), FLUSH_AT):
            connection.execute(insert(AnalyticsEvent.__table__).values(rows[start:start + FLUSH_AT]))
    return len(rows)


def _start_flusher():
    global _flusher
    if (_flusher is not None and _flusher[0] == os.getpid()) or not has_app_context() \
            or not current_app.config.get("ANALYTICS_FLUSHER"):
        return
    with _lock:
        if _flusher is not None and _flusher[0] == os.getpid():
            return
        app = current_app._get_current_object()
        thread = threading.Thread(target=_flush_forever, args=(app,), name="analytics-flusher", daemon=True)
        _flusher = (os.getpid(), thread)
        thread.start()
        atexit.register(_flush_at_exit, app)


def _flush_forever(app):
    while True:
        _wake.wait(FLUSH_SECONDS)
        _wake.clear()
        if pending_events():
            with app.app_context():
                flush_events()


def _flush_at_exit(app):
    with app.app_context():
        flush_events()



def forget_member(tenant_id, member_id):
    """Make this process's buffered events of a member anonymous (an erasure runs now; other
    processes' buffers are written within a second, before the eraser's own transaction ends
    in practice, and a later erasure run catches any left)."""
    with _lock:
        for row in _buffer:
            if row["tenant_id"] == tenant_id and row["member_id"] == member_id:
                row["member_id"] = row["visitor_id"] = None
