"""Work after commit through a transactional outbox: events are rows written in the same
transaction as the change they announce, so a Redis outage delays that work and never
loses it.

- ``publish(topic, tenant_id=…, available_at=…, **payload)`` adds an ``OutboxEvent`` to the
  current session and returns its id (a uuid fixed now, so a redelivery is recognisable).
  ``available_at`` in the future makes it delayed work (an unpaid order's timeout, a
  bargain's deadline): it is not handed out before then.
- ``@subscriber(topic)`` registers a module-level ``handler(event)``; the handler receives an
  ``Event`` and runs inside the event's store (``tenant_context``).
- ``relay_due()`` claims due events (``FOR UPDATE SKIP LOCKED`` on PostgreSQL), hands each to
  the job backend as one ``deliver_event`` job and leases it for ``LEASE``: an event handed
  out and not done by then (its worker was killed) is handed out again. When the backend
  refuses (Redis down) the events are given back and wait; nothing is raised.
- ``deliver_event`` runs every subscriber of the event that has not applied it yet, each in
  its own transaction ending with its ``processed_events`` marker, so a subscriber applies
  an event once however often it is delivered. A failing subscriber makes the event come
  back after a back-off; the subscribers that succeeded are skipped then.

Who relays: right after a commit the process that published makes one best-effort attempt
for the events it just wrote (low latency; with the eager backend of the tests the work is
done before ``commit()`` returns). Besides, ``flask worker`` runs a relay loop, ``flask
outbox-relay`` is one on its own, and without Redis (the thread backend of ``make run``) the
web process runs the loop itself. Delayed events reach a worker only through these loops
(no rq scheduler involved): a loop hands an event out once ``available_at`` has passed.

``outbox_events`` and ``processed_events`` are platform tables, without row-level security:
the relay claims due events of every store in one query and runs before any store's context
exists, which a ``tenant_isolation`` policy would hide from it. Isolation holds where the
work happens: an event names its store, the delivery job enters that store's context, and
every row a subscriber reads or writes is in a tenant table under the usual three walls.
Payloads carry ids, never personal data.
"""
import logging
import threading
import uuid
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app, has_app_context
from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    delete,
    event,
    exists,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from core.database import savepoint_only
from core.extensions import db
from core.health import NotReady, register_check
from core.models import UtcDateTime, utcnow

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=30)  # an event handed out and not done by then is handed out again (its worker died)
BACKOFF = (10, 60, 300, 1800, 3600)  # seconds before the 1st, 2nd … retry; the last repeats
BATCH = 100
KEEP_DONE = timedelta(days=7)  # done events (and their markers) are purged after this
RELAY_INTERVAL = 1.0  # seconds between two looks at the table when nothing was due


class OutboxEvent(db.Model):
    __tablename__ = "outbox_events"
    __table_args__ = (
        Index("ix_outbox_events_due", "available_at", postgresql_where=text("done_at IS NULL"),
              sqlite_where=text("done_at IS NULL")),
        Index("ix_outbox_events_done_at", "done_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    topic: Mapped[str] = mapped_column(String(64), nullable=False)
    payload: Mapped[dict] = mapped_column(JSON, nullable=False)
    # When the relay may hand it out next: its due time, then the end of its lease while a
    # worker has it, then the moment of its retry after a failure.
    available_at = mapped_column(UtcDateTime, nullable=False)
    created_at = mapped_column(UtcDateTime, nullable=False, default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)  # times handed out
    sent_at = mapped_column(UtcDateTime)  # last handed out
    done_at = mapped_column(UtcDateTime)  # every subscriber applied it
    last_error: Mapped[str | None] = mapped_column(Text)


class ProcessedEvent(db.Model):
    """Subscriber ``subscriber`` applied event ``event_id``: written in the subscriber's own
    transaction, so the work and this marker are committed together or not at all."""

    __tablename__ = "processed_events"

    event_id: Mapped[str] = mapped_column(String(36), ForeignKey("outbox_events.id", ondelete="CASCADE"),
                                          primary_key=True)
    subscriber: Mapped[str] = mapped_column(String(200), primary_key=True)
    processed_at = mapped_column(UtcDateTime, nullable=False, default=utcnow)


@dataclass(frozen=True)
class Event:
    """What a subscriber receives."""

    id: str
    topic: str
    tenant_id: int | None
    payload: dict


_subscribers = {}  # topic → {subscriber name: handler}
_queues = {}  # topic → the most urgent queue any of its subscribers asked for
_URGENCY = ("high", "default", "low")


def subscriber(topic, *, queue="default"):
    """Register ``handler(event)`` for ``topic``; it runs in the event's store. Best it does
    not commit: the delivery then commits its writes together with its marker, exactly once.
    One that calls a committing job (provisioning, a WeChat refund) relies on that job being
    idempotent, as every job is. Work outside the database may be repeated. Its name (module
    and function) is its identity in ``processed_events``: renaming it makes a new subscriber."""
    if queue not in _URGENCY:
        raise ValueError(f"unknown queue {queue!r}")

    def register(handler):
        _subscribers.setdefault(topic, {})[f"{handler.__module__}.{handler.__qualname__}"] = handler
        current = _queues.get(topic, "low")
        _queues[topic] = min(current, queue, key=_URGENCY.index)
        return handler

    return register


def subscribers_of(topic):
    return dict(_subscribers.get(topic, {}))


_PUBLISHED = "duoshop_outbox_published"


def publish(topic, *, tenant_id, available_at=None, **payload):
    """Write an event in the current transaction; returns its id. It goes out once the
    transaction commits (and not before ``available_at``); a rollback takes it away.
    Written at once (not at the next flush), so it may be called from flush events too."""
    session = db.session()
    event_id = _insert(session.connection(), topic, tenant_id, available_at, payload)
    session.info.setdefault(_PUBLISHED, []).append(event_id)
    return event_id


def publish_detached(topic, *, tenant_id, **payload):
    """Write an event in a transaction of its own, committed at once: for work discovered
    after a commit (a cache bump Redis refused). Returns its id."""
    with db.engine.begin() as conn:
        return _insert(conn, topic, tenant_id, None, payload)


def _insert(conn, topic, tenant_id, available_at, payload):
    event_id, now = str(uuid.uuid4()), utcnow()
    conn.execute(insert(OutboxEvent).values(id=event_id, tenant_id=tenant_id, topic=topic, payload=payload,
                                            available_at=available_at or now, created_at=now, attempts=0))
    return event_id


_COMMITTED = "duoshop_outbox_committed"


@event.listens_for(Session, "after_commit")
def _remember_committed(session):
    if not savepoint_only(session):
        session.info.setdefault(_COMMITTED, []).extend(session.info.pop(_PUBLISHED, []))


@event.listens_for(Session, "after_transaction_end")
def _relay_just_committed(session, transaction):
    # Only once the session's connection is back in the pool: the relay needs one, and many
    # threads each holding theirs while asking for another would drain the pool.
    if transaction.parent is None and (event_ids := session.info.pop(_COMMITTED, None)) and has_app_context():
        relay_due(ids=event_ids)


@event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back(session, previous_transaction):
    if not previous_transaction.nested:
        session.info.pop(_PUBLISHED, None)


def relay_due(limit=BATCH, *, now=None, ids=None, bind=None):
    """Hand due events (only ``ids`` when given) to the job backend; returns how many went.

    Never raises: a database or backend failure is logged and the events wait for the next
    relay. ``bind`` is the engine to claim with (the worker's loop uses one of its own).
    """
    now = now or utcnow()
    try:
        claimed = _claim(bind or db.engine, limit, now, ids)
    except Exception as error:  # the database is away: the next loop tries again
        log.warning("outbox relay could not claim events: %s", error)
        return 0
    backend = current_app.extensions["duoshop_jobs"]
    handed = 0
    for index, (event_id, tenant_id, topic) in enumerate(claimed):
        try:
            backend.enqueue(deliver_event, (event_id,), tenant_id=tenant_id, queue=_queues.get(topic, "default"),
                            delay=None, job_id=None)
        except Exception as error:
            waiting = [row[0] for row in claimed[index:]]
            log.warning("outbox: the job backend refused %s (%s); %d events wait in the table", topic, error,
                        len(waiting))
            _give_back(bind or db.engine, waiting)
            break
        handed += 1
    return handed


def _claim(bind, limit, now, ids):
    """Lease due events to this relay and return ``(id, tenant_id, topic)`` of each; events of
    a topic nobody subscribes to are marked done on the way."""
    due = (select(OutboxEvent.id).where(OutboxEvent.done_at.is_(None), OutboxEvent.available_at <= now)
           .order_by(OutboxEvent.available_at).limit(limit).with_for_update(skip_locked=True))
    if ids is not None:
        due = due.where(OutboxEvent.id.in_(list(ids)))
    with bind.begin() as conn:
        rows = conn.execute(
            update(OutboxEvent).where(OutboxEvent.id.in_(due.scalar_subquery()))
            .values(available_at=now + LEASE, sent_at=now, attempts=OutboxEvent.attempts + 1)
            .returning(OutboxEvent.id, OutboxEvent.tenant_id, OutboxEvent.topic)).all()
        idle = [row.id for row in rows if not _subscribers.get(row.topic)]
        if idle:
            conn.execute(update(OutboxEvent).where(OutboxEvent.id.in_(idle)).values(done_at=now))
    return sorted((tuple(row) for row in rows if row.id not in idle), key=lambda row: _URGENCY.index(
        _queues.get(row[2], "default")))


def _give_back(bind, event_ids):
    try:
        with bind.begin() as conn:
            conn.execute(update(OutboxEvent).where(OutboxEvent.id.in_(event_ids), OutboxEvent.done_at.is_(None))
                         .values(available_at=utcnow(), attempts=OutboxEvent.attempts - 1))
    except Exception as error:  # then the lease runs out and they go again
        log.warning("outbox: could not give back %d events: %s", len(event_ids), error)


def deliver_event(event_id):
    """Job (one per event, in the event's store): run each subscriber that has not applied
    the event yet, each in its own transaction ending with its marker. Returns "done",
    "retry" or "nothing to do"; never raises for a subscriber's failure (the outbox retries,
    with back-off, only the subscribers that have not succeeded)."""
    row = db.session.get(OutboxEvent, event_id)
    if row is None or row.done_at is not None:
        db.session.rollback()
        return "nothing to do"
    occurrence = Event(row.id, row.topic, row.tenant_id, dict(row.payload))
    attempts = row.attempts
    db.session.execute(update(OutboxEvent).where(OutboxEvent.id == event_id)
                       .values(available_at=utcnow() + LEASE))  # this delivery holds it afresh
    db.session.commit()
    failures = []
    for name, handler in sorted(subscribers_of(occurrence.topic).items()):
        if _applied(event_id, name):
            continue
        try:
            handler(occurrence)
            db.session.add(ProcessedEvent(event_id=event_id, subscriber=name, processed_at=utcnow()))
            db.session.commit()
        except Exception as error:
            db.session.rollback()
            if isinstance(error, IntegrityError) and _applied(event_id, name):
                continue  # a concurrent delivery applied it first; ours was rolled back whole
            log.exception("outbox subscriber %s failed on %s %s", name, occurrence.topic, event_id)
            failures.append(f"{name}: {error!r}"[:500])
    if failures:
        retry_at = utcnow() + timedelta(seconds=BACKOFF[min(max(attempts, 1), len(BACKOFF)) - 1])
        db.session.execute(update(OutboxEvent).where(OutboxEvent.id == event_id, OutboxEvent.done_at.is_(None))
                           .values(available_at=retry_at, last_error="\n".join(failures)))
        db.session.commit()
        return "retry"
    db.session.execute(update(OutboxEvent).where(OutboxEvent.id == event_id, OutboxEvent.done_at.is_(None))
                       .values(done_at=utcnow(), last_error=None))
    db.session.commit()
    return "done"


def _applied(event_id, name):
    return db.session.scalar(select(exists().where(ProcessedEvent.event_id == event_id,
                                                   ProcessedEvent.subscriber == name)))


def waiting_lag(now=None):
    """Seconds the oldest due, undelivered event has been waiting (0 when none): the relay's
    lag, for readiness checks."""
    now = now or utcnow()
    oldest = db.session.scalar(select(func.min(OutboxEvent.available_at))
                               .where(OutboxEvent.done_at.is_(None), OutboxEvent.available_at <= now))
    return max(0.0, (now - oldest).total_seconds()) if oldest else 0.0


def purge_done(now=None, *, bind=None):
    """Delete events done more than ``KEEP_DONE`` ago (their markers go with them)."""
    with (bind or db.engine).begin() as conn:
        return conn.execute(delete(OutboxEvent).where(OutboxEvent.done_at < (now or utcnow()) - KEEP_DONE)).rowcount


def run_relay(app, *, stop=None, once=False, bind=None, interval=RELAY_INTERVAL):
    """The relay loop (``flask outbox-relay``, the thread in ``flask worker``, the web process
    without Redis): hand out due events until ``stop`` is set. Returns the count handed out."""
    stop = stop or threading.Event()
    total, purged_at = 0, None
    while True:
        with app.app_context():
            handed = relay_due(bind=bind)
            if purged_at is None or utcnow() - purged_at > timedelta(hours=1):
                purged_at = utcnow()
                try:
                    purge_done(bind=bind)
                except Exception as error:
                    log.warning("outbox: purge failed: %s", error)
        total += handed
        if once or stop.wait(0 if handed >= BATCH else interval):
            return total


_loop_lock = threading.Lock()


def ensure_relay_thread(app):
    """Without Redis (the thread backend) the web process relays delayed and retried events
    itself, on a daemon thread started at its first request."""
    state = app.extensions.setdefault("duoshop_outbox_loop", {"stop": threading.Event()})
    with _loop_lock:
        thread = state.get("thread")
        if (thread is None or not thread.is_alive()) and not state["stop"].is_set():
            state["thread"] = threading.Thread(target=run_relay, args=(app,), kwargs={"stop": state["stop"]},
                                               name="duoshop-outbox", daemon=True)
            state["thread"].start()


def _lag_check():
    lag = waiting_lag()
    if lag > current_app.config["OUTBOX_READY_LAG_SECONDS"]:
        raise NotReady(f"the oldest due event has waited {lag:.0f} s")
    return {"lag_seconds": round(lag, 1)}


def init_app(app):
    register_check("outbox", _lag_check)
    if app.config["JOB_MODE"] == "thread":
        app.before_request(lambda: ensure_relay_thread(app))
