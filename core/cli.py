"""Flask CLI commands: ``flask create-admin``, ``flask seed-demo``, ``flask worker``, ``flask sweep``,
``flask outbox-relay``."""
import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import force_locale

from core.extensions import db


@click.command("create-admin")
@click.option("--email", prompt=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@with_appcontext
def create_admin_command(email, password):
    """Create a platform admin (or reset the password of an existing one)."""
    from billing.platform import create_platform_admin
    from tenants.errors import WeakPassword
    from tenants.service import check_password_strength

    try:
        check_password_strength(password, email=email)
    except WeakPassword as refusal:
        with force_locale("en"):  # click's own messages are English: keep the line in one language
            raise click.BadParameter(str(refusal.message), param_hint="--password") from None
    admin = create_platform_admin(email=email, password=password)
    db.session.commit()
    click.echo(f"Platform admin {admin.email} is ready: sign in at /platform/login")


@click.command("seed-demo")
@with_appcontext
def seed_demo_command():
    """Create the demo stores (idempotent) and print their logins."""
    from core.demo import seed_demo

    for line in seed_demo():
        click.echo(line)


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
@with_appcontext
def worker_command(burst):
    """Run an rq worker (with the scheduler) on the high, default and low queues."""
    from rq import Worker

    backend = current_app.extensions["duoshop_jobs"]
    if backend.name != "rq":
        raise click.UsageError("set REDIS_URL to run a separate worker; without it jobs run in the web process")
    # rq forks a child per job: hold no pooled connection a child could inherit and share.
    db.engine.dispose()
    if not burst:
        _start_outbox_relay()
    Worker(backend.queues(), connection=backend.connection).work(with_scheduler=True, burst=burst)


def _start_outbox_relay():
    """The worker also relays the outbox (due and delayed events) on a thread, through an
    engine without a pool, so the children rq forks never share its connections."""
    import threading

    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    from core.outbox import run_relay

    engine = create_engine(db.engine.url, poolclass=NullPool)
    threading.Thread(target=run_relay, args=(current_app._get_current_object(),), kwargs={"bind": engine},
                     name="duoshop-outbox-relay", daemon=True).start()


@click.command("outbox-relay")
@click.option("--once", is_flag=True, help="Hand out what is due now, then stop.")
@with_appcontext
def outbox_relay_command(once):
    """Hand due outbox events to the job queues (every second; ``flask worker`` does this too)."""
    from core.outbox import run_relay

    if current_app.extensions["duoshop_jobs"].name == "thread":
        raise click.UsageError("without REDIS_URL the web process relays its events itself")
    handed = run_relay(current_app._get_current_object(), once=once)
    click.echo(f"{handed} events handed out")


@click.command("sweep")
@with_appcontext
def sweep_command():
    """Catch up on due work in every store (run from cron every few minutes): unpaid orders
    past their time, payments whose notification never came, parcels to track, orders to
    complete. Each store's part is a job; running it twice is harmless."""
    from billing.jobs import enqueue_billing_for_all_stores
    from commerce.orders.jobs import sweep_all_stores
    from commerce.shipping.jobs import poll_all_stores

    stores = sweep_all_stores()
    tracking = poll_all_stores()
    click.echo(f"sweep queued for {len(stores)} stores; parcel tracking for {len(tracking)}")
    click.echo(f"billing queued for {len(enqueue_billing_for_all_stores())} stores")


def register_commands(app):
    from billing.jobs import billing_run_command

    for command in (create_admin_command, seed_demo_command, worker_command, sweep_command, billing_run_command,
                    outbox_relay_command):
        app.cli.add_command(command)
