"""Flask CLI commands: ``flask create-admin``, ``flask seed-demo``, ``flask worker``, ``flask sweep``,
``flask outbox-relay``, ``flask reindex-search``, ``flask analytics-rollup``."""
import logging
import os
import threading
import time
from datetime import UTC

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import force_locale
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from billing.jobs import billing_run_command, run_billing
from billing.platform import create_platform_admin
from commerce.analytics.rollup import roll_up_every_store
from commerce.catalog.search_index import reindex_every_store
from commerce.orders.jobs import sweep_all_stores
from commerce.shipping.jobs import poll_all_stores
from core.emails import InvalidEmail
from core.extensions import db
from core.outbox import run_relay
from core.sweeper import SweepTimer
from duoshop.demo import seed_demo
from tenants.errors import WeakPassword
from tenants.provisioning import provision_stuck_stores
from tenants.retention import purge_platform_rows, run_retention_everywhere
from tenants.service import check_password_strength

log = logging.getLogger(__name__)


@click.command("create-admin")
@click.option("--email", prompt=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@with_appcontext
def create_admin_command(email, password):
    """Create a platform admin (or reset the password of an existing one)."""
    try:
        check_password_strength(password, email=email)
    except WeakPassword as refusal:
        with force_locale("en"):  # click's own messages are English: keep the line in one language
            raise click.BadParameter(str(refusal.message), param_hint="--password") from None
    try:
        admin = create_platform_admin(email=email, password=password)
    except InvalidEmail as refusal:
        with force_locale("en"):
            raise click.BadParameter(str(refusal.message), param_hint="--email") from None
    db.session.commit()
    click.echo(f"Platform admin {admin.email} is ready: sign in at /platform/login")


@click.command("seed-demo")
@with_appcontext
def seed_demo_command():
    """Create the demo stores (idempotent) and print their logins."""
    for line in seed_demo():
        click.echo(line)


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queues are empty (and sweep nothing).")
@with_appcontext
def worker_command(burst):
    """Run an rq worker (with the scheduler) on the high, default and low queues, and sweep
    due work every SWEEP_INTERVAL_SECONDS on a timer thread (``flask sweep``)."""
    backend = current_app.extensions["duoshop_jobs"]
    if backend.name != "rq":
        raise click.UsageError("set REDIS_URL to run a separate worker; without it jobs run in the web process")
    # rq forks a child per job: hold no pooled connection a child could inherit and share,
    # and since the sweep and relay threads below keep using the pool, a child drops what it
    # inherited.
    engine = db.engine
    engine.dispose()
    os.register_at_fork(after_in_child=lambda: engine.dispose(close=False))
    app = current_app._get_current_object()
    if not burst:
        SweepTimer(app, run_sweep, interval=app.config["SWEEP_INTERVAL_SECONDS"]).start()
        _start_outbox_relay()
    _work_through_outages(backend, burst, pause=app.config["REDIS_RETRY_SECONDS"])


def _work_through_outages(backend, burst, *, pause):
    """rq gives up when Redis does not answer (at start, or mid-loop); the sweep and relay
    threads keep running meanwhile, and rq comes back when Redis does, instead of the whole
    worker exiting and waiting for a supervisor."""
    from rq import Worker

    while True:
        try:
            Worker(backend.queues(), connection=backend.connection).work(with_scheduler=True, burst=burst)
            return
        except (RedisConnectionError, RedisTimeoutError) as error:
            if burst:
                raise
            log.warning("rq cannot reach Redis (%s): trying again in %.0f s; sweep and outbox relay go on",
                        type(error).__name__, pause)
            time.sleep(pause)


def run_sweep():
    """Re-derive everything due from the database, platform-wide, in this process: stores
    stuck in provisioning, each store's due orders, group buys and bargains
    (``sweep_store``), billing, and parcel tracking. Every part is idempotent. Returns
    the lines ``flask sweep`` prints."""
    opened = provision_stuck_stores()
    outcomes = sweep_all_stores()
    billed = run_billing()
    platform_purged = purge_platform_rows()  # each store's retention is a step of its sweep
    try:
        tracking = f"parcel tracking queued for {len(poll_all_stores())} stores"
    except Exception as error:  # noqa: BLE001 — a queue outage must not stop the sweep; parcels wait for the next
        log.warning("parcel tracking not queued: %s", type(error).__name__)
        tracking = "parcel tracking not queued (queue unreachable)"
    totals = {key: sum(outcome.get(key, 0) for outcome in outcomes.values())
              for key in ("cancelled", "settled", "team_refunds", "bargains_expired", "completed")}
    return [f"provisioned again: {len(opened)} stores",
            f"swept {len(outcomes)} stores: " + ", ".join(f"{key} {value}" for key, value in totals.items()),
            f"billing run for {len(billed)} stores", tracking,
            f"platform audit entries past retention deleted: {platform_purged}"]


def _start_outbox_relay():
    """The worker also relays the outbox (due and delayed events) on a thread."""
    threading.Thread(target=run_relay, args=(current_app._get_current_object(),),
                     name="duoshop-outbox-relay", daemon=True).start()


@click.command("outbox-relay")
@click.option("--once", is_flag=True, help="Hand out what is due now, then stop.")
@with_appcontext
def outbox_relay_command(once):
    """Hand due outbox events to the job queues (every second; ``flask worker`` does this too)."""
    if current_app.extensions["duoshop_jobs"].name == "thread":
        raise click.UsageError("without REDIS_URL the web process relays its events itself")
    handed = run_relay(current_app._get_current_object(), once=once)
    click.echo(f"{handed} events handed out")


@click.command("sweep")
@with_appcontext
def sweep_command():
    """Catch up on due work in every store (cron, every minute; ``flask worker`` also does
    it every minute): stores stuck in provisioning, unpaid orders past their time, payments
    whose notification never came, group buys and bargains past their deadline, orders to
    complete, billing, parcels to track. Running it twice, or two at once, is harmless."""
    for line in run_sweep():
        click.echo(line)


@click.command("retention")
@click.option("--now", "now", type=click.DateTime(formats=["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"]),
              default=None, help="The moment to run as (ISO; naive means UTC): to catch up or to rehearse.")
@with_appcontext
def retention_command(now):
    """Purge or anonymise what is past its retention period, in every store (once per China
    day each; ``flask sweep`` does it too), then the platform's own audit entries."""
    if now is not None and now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    outcomes, platform = run_retention_everywhere(now)
    for tenant_id, purged in outcomes.items():
        click.echo(f"store {tenant_id}: " + ("already run today" if purged is None else
                                             ", ".join(f"{rule} {count}" for rule, count in purged.items())))
    click.echo(f"platform audit entries deleted: {platform}")


@click.command("reindex-search")
@with_appcontext
def reindex_search_command():
    """Fill every product's search words again (migration 0028 filled them once; run this after
    a change to how commerce/catalog/search_terms.py indexes)."""
    click.echo(f"{reindex_every_store()} products indexed")


@click.command("analytics-rollup")
@click.option("--day", "day", required=True, type=click.DateTime(formats=["%Y-%m-%d"]),
              help="The China day to roll up, YYYY-MM-DD.")
@with_appcontext
def analytics_rollup_command(day):
    """Recompute every store's analytics roll-ups of one China day from its raw events (the
    sweep does today and yesterday by itself; this is for older days). Safe to run again."""
    click.echo(f"{roll_up_every_store(day.date())} stores rolled up for {day.date().isoformat()}")


def register_commands(app):
    for command in (create_admin_command, seed_demo_command, worker_command, sweep_command, billing_run_command,
                    outbox_relay_command, reindex_search_command, analytics_rollup_command, retention_command):
        app.cli.add_command(command)
