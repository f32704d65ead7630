"""The transactional outbox: work after a commit survives Redis being unreachable, is applied
once per subscriber however often it is delivered, and runs in its own store only.

The outage is real: a second app on the same database whose ``REDIS_URL`` points at a port
where nothing listens (rq jobs, as in production). Recovery goes through the session's app:
the real Redis and an rq worker on the PostgreSQL + Redis run, the eager runner otherwise.
"""
import os
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from commerce.catalog.events import CATALOG
from commerce.catalog.models import Category, Product
from commerce.marketing.distribution.models import Commission
from commerce.members.models import Member, PointsEntry
from commerce.orders.models import Order
from commerce.orders.refunds import refund_order
from commerce.orders.service import cancel_by_shopper, confirm_receipt
from commerce.shipping.parcels import ship_order
from core import outbox
from core.cache import VERSION_BUMPED, current_version
from core.extensions import db, limiter
from core.jobs import run_job
from core.models import utcnow
from core.outbox import OutboxEvent, ProcessedEvent, publish, relay_due, subscriber
from core.tenancy import current_tenant_id, tenant_context
from duoshop.app import create_app
from sandbox.wechatpay.blueprint import EXTENSION
from tenants.models import Tenant
from tests.commerce.marketing.distribution.test_distribution import distributor, run_distribution, shopper_by_link
from tests.commerce.orders.test_checkout_and_pay import (
    DESKTOP,
    add_to_cart,
    check_out,
    paid_order,
    settle_at_wechat,
)
from tests.conftest import PLATFORM_HOST, HostClient, csrf_from
from tests.core.outbox_worker import SLOW_WRITE
from tests.tenants.test_signup import post_signup

UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def another_process(app_overrides, **overrides):
    """An app on the same database, as another process would run it. Flask-Limiter is one
    object for every app and ``create_app`` rebinds its storage: it keeps the session's
    (rate limits without Redis are not what these tests are about)."""
    kept = limiter._storage, limiter._limiter
    other = create_app("test", overrides={**app_overrides, **overrides})
    limiter._storage, limiter._limiter = kept
    other.test_client_class = HostClient
    return other


@pytest.fixture
def outage(app, app_overrides, wechat):
    """The same shop, served by a process whose Redis (jobs, cache) is unreachable."""
    down = another_process(app_overrides, REDIS_URL=UNREACHABLE_REDIS, JOB_MODE="rq")
    # One WeChat for both processes: the notification the sandbox signs must verify here too.
    down.extensions[EXTENSION] = app.extensions[EXTENSION]
    down.config.update({key: value for key, value in app.config.items() if key.startswith("WECHATPAY_")})
    yield down
    with down.app_context():
        db.engine.dispose()


def recover(app, jobs, **relay):
    """Redis is back: the relay hands out what waited, a worker runs it."""
    with app.app_context():
        handed = relay_due(**relay)
    jobs.drain()
    return handed


def events(topic):
    db.session.expire_all()
    return db.session.scalars(select(OutboxEvent).where(OutboxEvent.topic == topic)
                              .order_by(OutboxEvent.created_at)).all()


def order_at_wechat(shopper, store):
    """Cart → checkout → Native prepay, on the healthy app: returns the order number."""
    shopper.post("/cart/items", data={"sku_id": str(store["sku_id"]), "quantity": "1", "then": "cart"},
                 headers={**DESKTOP, "Origin": f"http://{shopper.host}"})
    number = check_out(shopper).location.split("/orders/")[1].split("/")[0]
    token = csrf_from(shopper, f"/orders/{number}/pay")
    shopper.post(f"/orders/{number}/pay", data={"csrf_token": token}, headers=DESKTOP)
    return number


def paid_during_outage(outage, shop, wechat):
    """The shopper pays at WeChat; its notification reaches the process without Redis.
    Returns the order number and that process's answer."""
    number = order_at_wechat(shop["shopper"], shop)
    trade, _status = wechat.pay_transaction(number, send=False)
    headers, body = wechat.payment_notification(trade)
    return number, outage.test_client().post(f"/payments/wechatpay/notify/{shop['demo'].id}", data=body,
                                              headers=headers)


def points_and_commissions(store_id, number):
    with tenant_context(store_id):
        db.session.expire_all()
        order = db.session.scalar(select(Order).where(Order.number == number))
        points = db.session.scalars(select(PointsEntry.delta).where(PointsEntry.order_id == order.id)).all()
        member_points = db.session.get(Member, order.member_id).points
        commissions = db.session.scalars(select(Commission.amount).where(Commission.order_id == order.id)).all()
        return order.status, points, member_points, commissions


@pytest.fixture
def referred_shop(shop, store_client):
    """demo runs distribution at 10 %; a shopper came through a distributor's link."""
    demo = shop[0]
    run_distribution(demo, level1=10, level2=5)
    referrer = distributor(demo, "甲")
    return {"demo": demo, "product_id": shop[2], "sku_id": shop[3],
            "shopper": shopper_by_link(store_client, demo, referrer)}


def test_a_payment_notification_during_a_redis_outage_is_acknowledged_and_its_follow_ups_come_once_redis_is_back(
        app, app_ctx, outage, referred_shop, wechat, jobs):
    demo = referred_shop["demo"]
    number, answer = paid_during_outage(outage, referred_shop, wechat)

    assert answer.status_code == 204  # WeChat stops retrying only because the payment is committed:
    assert points_and_commissions(demo.id, number) == ("paid", [], 0, [])
    waiting = events("order.paid")
    assert len(waiting) == 1 and waiting[0].done_at is None and waiting[0].tenant_id == demo.id

    assert recover(app, jobs) >= 1
    assert points_and_commissions(demo.id, number) == ("paid", [50], 50, [500])  # ¥50: 50 points, 10 % commission
    assert events("order.paid")[0].done_at is not None

    # Handed out twice (a relay that lost its lease, an rq job run twice): still once.
    with app.app_context():
        db.session.execute(update(OutboxEvent).values(done_at=None, available_at=utcnow()))
        db.session.commit()
    assert recover(app, jobs) >= 1
    assert points_and_commissions(demo.id, number) == ("paid", [50], 50, [500])


def test_checkout_during_a_redis_outage_places_the_order_and_its_timeout_waits_in_the_outbox(
        app, app_ctx, outage, shop):
    demo, _tea, product_id, sku_id = shop
    shopper = outage.test_client(host=f"demo.{PLATFORM_HOST}")
    added = shopper.post("/cart/items", data={"sku_id": str(sku_id), "quantity": "2", "then": "cart"},
                         headers={**DESKTOP, "Origin": f"http://{shopper.host}"})
    assert added.status_code == 302
    placed = check_out(shopper)
    assert placed.status_code == 302 and "/pay" in placed.location
    with tenant_context(demo.id):
        order = db.session.scalar(select(Order))
        assert (order.status, order.total) == ("pending_payment", 10000)
        order_id, expires_at = order.id, order.expires_at
    timeout = events("order.payment_timeout")
    assert [event.payload for event in timeout] == [{"order_id": order_id}]
    assert timeout[0].available_at > expires_at and timeout[0].done_at is None  # due when payment time is up


def test_sign_up_during_a_redis_outage_opens_the_store_once_its_event_is_relayed(app, app_ctx, outage, jobs):
    answer = post_signup(outage.test_client(), slug="newshop")
    assert answer.status_code == 302
    store = db.session.scalar(select(Tenant).where(Tenant.slug == "newshop"))
    assert store.status == Tenant.PROVISIONING
    assert [(event.tenant_id, event.done_at) for event in events("store.signed_up")] == [(store.id, None)]

    recover(app, jobs)
    db.session.expire_all()
    assert db.session.get(Tenant, store.id).status == Tenant.ACTIVE


def test_an_event_whose_worker_died_is_handed_out_again_after_its_lease_and_applied_once(
        app, app_ctx, outage, referred_shop, wechat, jobs):
    demo = referred_shop["demo"]
    number, answer = paid_during_outage(outage, referred_shop, wechat)
    assert answer.status_code == 204
    [paid] = events("order.paid")
    # A relay hands it to a worker, which is killed before it finishes: handed out, never done.
    with app.app_context():
        assert [row[0] for row in outbox._claim(db.engine, 10, utcnow(), [paid.id])] == [paid.id]

    assert recover(app, jobs, ids=[paid.id]) == 0  # leased: nobody else takes it yet
    assert points_and_commissions(demo.id, number)[1:] == ([], 0, [])
    assert recover(app, jobs, now=utcnow() + outbox.LEASE + timedelta(seconds=1)) >= 1
    assert points_and_commissions(demo.id, number)[1:] == ([50], 50, [500])
    [again] = events("order.paid")
    assert again.attempts == 2 and again.done_at is not None


# --- the order's events --------------------------------------------------------------------

def test_an_order_announces_paid_shipped_completed_and_refunded_and_a_cancelled_one_cancelled(
        app_ctx, shop, store_client, platform_client, wechat):
    demo, _tea, product_id, sku_id = shop
    order, trade = paid_order(store_client("demo"), demo, product_id, sku_id, wechat, platform_client)
    with tenant_context(demo.id):
        order = db.session.get(Order, order.id)
        order_id = order.id
        ship_order(order, [("yuantong", "YT1000000001", [(order.lines[0].id, 1)])], actor=None)
        db.session.commit()
        confirm_receipt(order, order.member_id)
        refund_order(order, amount=order.paid_amount, reason="不想要了", actor=None)
        db.session.commit()
    settle_at_wechat(wechat, platform_client, demo, trade)
    shopper = store_client("demo")
    add_to_cart(shopper, product_id, sku_id)
    number = check_out(shopper).location.split("/orders/")[1].split("/")[0]
    with tenant_context(demo.id):
        other = db.session.scalar(select(Order).where(Order.number == number))
        cancel_by_shopper(other, other.member_id)
        db.session.commit()
        other_id = other.id
    trail = [(event.topic, event.tenant_id, event.payload["order_id"]) for topic in ORDER_TOPICS
             for event in events(topic)]
    assert trail == [("order.paid", demo.id, order_id), ("order.shipped", demo.id, order_id),
                     ("order.completed", demo.id, order_id), ("order.refunded", demo.id, order_id),
                     ("order.cancelled", demo.id, other_id)]
    assert events("order.refunded")[0].payload["amount"] == 5000


ORDER_TOPICS = ("order.paid", "order.shipped", "order.completed", "order.refunded", "order.cancelled")


# --- subscribers of test topics ------------------------------------------------------------

SEEN = []
FLAKY = {"failures_left": 0}


@subscriber("test.where_am_i")
def remember_the_store(event):
    SEEN.append(("remember", event.payload["label"], current_tenant_id()))


@subscriber("test.where_am_i")
def fail_while_told_to(event):
    if FLAKY["failures_left"] > 0:
        FLAKY["failures_left"] -= 1
        raise RuntimeError("not now")
    SEEN.append(("flaky", event.payload["label"], current_tenant_id()))


@pytest.fixture
def two_stores(app_ctx, shop):
    SEEN.clear()
    FLAKY["failures_left"] = 0
    return shop[0], shop[1]


def test_an_event_runs_in_its_own_store_only(app, two_stores, jobs):
    demo, tea = two_stores
    with tenant_context(demo.id):
        publish("test.where_am_i", tenant_id=demo.id, label="for demo")
        db.session.commit()
    with tenant_context(tea.id):
        publish("test.where_am_i", tenant_id=tea.id, label="for tea")
        db.session.commit()
    jobs.drain()
    assert sorted(SEEN) == [("flaky", "for demo", demo.id), ("flaky", "for tea", tea.id),
                            ("remember", "for demo", demo.id), ("remember", "for tea", tea.id)]


def test_a_failing_subscriber_is_retried_with_back_off_and_those_done_are_not_run_again(app, two_stores, jobs):
    demo, _tea = two_stores
    FLAKY["failures_left"] = 1
    with tenant_context(demo.id):
        event_id = publish("test.where_am_i", tenant_id=demo.id, label="once")
        db.session.commit()
    jobs.drain()
    assert [("remember", "once", demo.id)] == SEEN
    [waiting] = events("test.where_am_i")
    assert waiting.done_at is None and "not now" in waiting.last_error
    assert waiting.available_at >= utcnow() + timedelta(seconds=outbox.BACKOFF[0] - 2)  # backs off

    assert recover(app, jobs) == 0  # not due yet
    assert recover(app, jobs, now=utcnow() + timedelta(seconds=outbox.BACKOFF[0] + 1)) == 1
    assert [("remember", "once", demo.id), ("flaky", "once", demo.id)] == SEEN
    assert events("test.where_am_i")[0].done_at is not None
    with tenant_context(demo.id):
        assert len(db.session.scalars(select(ProcessedEvent).where(ProcessedEvent.event_id == event_id)).all()) == 2


def test_a_relay_with_redis_unreachable_raises_nothing_and_leaves_the_events_waiting(app, two_stores, outage):
    demo, _tea = two_stores
    with outage.app_context():
        with tenant_context(demo.id):
            publish("test.where_am_i", tenant_id=demo.id, label="waits")
            db.session.commit()  # its after-commit relay meets the dead Redis
        assert relay_due() == 0
    [waiting] = events("test.where_am_i")
    assert (waiting.done_at, waiting.attempts) == (None, 0) and waiting.available_at <= utcnow()
    assert SEEN == []


# --- concurrency (real threads, PostgreSQL) ------------------------------------------------

@subscriber("test.write_a_category")
def write_a_category(event):
    """Database work with no key of its own: only the event's marker keeps it single."""
    db.session.add(Category(name=event.payload["name"]))
    db.session.flush()
    time.sleep(0.3)  # both deliveries are past their "applied yet?" check before either commits


@pytest.mark.postgres
def test_relays_racing_for_the_table_hand_out_each_event_once(app, two_stores):
    demo, _tea = two_stores
    with tenant_context(demo.id):
        published = {publish("test.where_am_i", tenant_id=demo.id, label=str(n)) for n in range(60)}
        db.session.info.pop(outbox._PUBLISHED, None)  # no after-commit relay: the threads below claim them
        db.session.commit()
    barrier = threading.Barrier(4, timeout=60)

    def relay():
        with app.app_context():
            barrier.wait()
            return [row[0] for _ in range(3) for row in outbox._claim(db.engine, 10, utcnow(), None)]

    with ThreadPoolExecutor(max_workers=4) as pool:
        claimed = [event_id for batch in pool.map(lambda _: relay(), range(4)) for event_id in batch]
    assert len(claimed) == len(set(claimed)) == 60 and set(claimed) == published


@pytest.mark.postgres
def test_two_deliveries_of_one_event_at_once_apply_it_once(app, two_stores):
    demo, _tea = two_stores
    with tenant_context(demo.id):
        event_id = publish("test.write_a_category", tenant_id=demo.id, name="只写一次")
        db.session.info.pop(outbox._PUBLISHED, None)  # delivered below, by hand, twice at once
        db.session.commit()
    barrier = threading.Barrier(2, timeout=60)

    def deliver():
        with app.app_context():
            barrier.wait()
            return run_job(outbox.deliver_event, demo.id, (event_id,))

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = list(pool.map(lambda _: deliver(), range(2)))
    assert outcomes == ["done", "done"]
    with tenant_context(demo.id):
        assert db.session.scalars(select(Category.name).where(Category.name == "只写一次")).all() == ["只写一次"]


# --- who relays ----------------------------------------------------------------------------

def test_a_cache_bump_redis_refuses_after_a_commit_is_made_once_redis_is_back(app, app_ctx, outage, shop, jobs):
    demo, _tea, product_id, _sku_id = shop
    before = current_version(demo.id, CATALOG)
    with outage.app_context(), tenant_context(demo.id):
        db.session.get(Product, product_id).price = 4000
        db.session.commit()  # the catalog changed; Redis cannot hear of it now
    assert [(event.tenant_id, event.payload) for event in events(VERSION_BUMPED)] == [(demo.id, {"name": CATALOG})]
    recover(app, jobs)
    assert current_version(demo.id, CATALOG) > before  # cached pages showing the old price are stale now


def test_flask_outbox_relay_hands_out_delayed_events_once_they_are_due(app, two_stores, jobs):
    demo, _tea = two_stores
    with tenant_context(demo.id):
        event_id = publish("test.where_am_i", tenant_id=demo.id, available_at=utcnow() + timedelta(hours=1),
                           label="an hour later")
        db.session.commit()
    runner = app.test_cli_runner()
    assert runner.invoke(args=["outbox-relay", "--once"]).output == "0 events handed out\n"
    db.session.execute(update(OutboxEvent).where(OutboxEvent.id == event_id).values(available_at=utcnow()))
    db.session.commit()  # … the hour has passed
    assert runner.invoke(args=["outbox-relay", "--once"]).output == "1 events handed out\n"
    jobs.drain()
    assert sorted(SEEN) == [("flaky", "an hour later", demo.id), ("remember", "an hour later", demo.id)]


def test_without_redis_the_web_process_relays_delayed_events_itself(app_overrides, two_stores):
    demo, _tea = two_stores
    threaded = another_process(app_overrides, JOB_MODE="thread", REDIS_URL=None)
    with threaded.app_context(), tenant_context(demo.id):
        publish("test.where_am_i", tenant_id=demo.id, available_at=utcnow() + timedelta(seconds=1), label="soon")
        db.session.commit()
    assert SEEN == []  # not due when it was committed
    loop = threaded.extensions.setdefault("duoshop_outbox_loop", {"stop": threading.Event()})
    try:
        threaded.test_client().get("/")  # the first request starts the process's relay loop
        deadline = time.monotonic() + 15
        while len(SEEN) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        loop["stop"].set()
        loop["thread"].join(5)
    assert sorted(SEEN) == [("flaky", "soon", demo.id), ("remember", "soon", demo.id)]
    with threaded.app_context():
        db.engine.dispose()


@pytest.mark.redis
def test_an_event_whose_rq_job_was_lost_goes_out_again_after_its_lease(app, two_stores, jobs):
    demo, _tea = two_stores
    with tenant_context(demo.id):
        publish("test.where_am_i", tenant_id=demo.id, label="lost")
        db.session.commit()  # handed to rq at once …
    for queue in jobs.backend.queues():
        queue.empty()  # … and lost there: the worker that took it was killed with its job
    assert recover(app, jobs) == 0 and SEEN == []  # leased: it waits
    assert recover(app, jobs, now=utcnow() + outbox.LEASE + timedelta(seconds=1)) == 1
    assert sorted(SEEN) == [("flaky", "lost", demo.id), ("remember", "lost", demo.id)]


def _children_of(pid):
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        if int(fields[1]) == pid:
            children.append(int(stat.parent.name))
    return children


@pytest.mark.postgres
@pytest.mark.redis
def test_an_event_whose_worker_was_killed_mid_delivery_is_applied_once_after_its_lease(app, two_stores, jobs):
    from rq.registry import StartedJobRegistry

    demo, _tea = two_stores
    worker = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "tests.core.outbox_worker:make_app()", "worker"],
        env={**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "REDIS_URL": app.config["REDIS_URL"],
             "RQ_QUEUE_PREFIX": app.config["RQ_QUEUE_PREFIX"], "SLOW_SECONDS": "120"},
        start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        with tenant_context(demo.id):
            event_id = publish(SLOW_WRITE, tenant_id=demo.id, name="写到一半")
            db.session.commit()  # handed to rq at once; the worker takes it and is in the middle of it
        started = StartedJobRegistry(queue=jobs.backend.queue("default"))
        deadline = time.monotonic() + 60
        while not started.get_job_ids() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert started.get_job_ids(), "the worker never started the delivery"
        time.sleep(0.5)
    finally:
        horses = _children_of(worker.pid)  # rq starts each work-horse in a session of its own
        os.killpg(worker.pid, signal.SIGKILL)  # the worker and its work-horse, mid-job
        for horse in horses:
            os.kill(horse, signal.SIGKILL)
        worker.wait(10)

    [waiting] = events(SLOW_WRITE)
    assert (waiting.done_at, waiting.attempts) == (None, 1)
    with tenant_context(demo.id):
        assert db.session.scalars(select(Category.name).where(Category.name == "写到一半")).all() == []
    assert recover(app, jobs) == 0  # its lease still runs
    assert recover(app, jobs, now=utcnow() + outbox.LEASE + timedelta(seconds=1)) == 1
    assert recover(app, jobs, now=utcnow() + outbox.LEASE * 3) == 0  # done: nothing more to hand out
    with tenant_context(demo.id):
        db.session.expire_all()
        assert db.session.scalars(select(Category.name).where(Category.name == "写到一半")).all() == ["写到一半"]
        assert db.session.scalars(select(ProcessedEvent.subscriber).where(ProcessedEvent.event_id == event_id)).all() \
            == ["tests.core.outbox_worker.write_slowly"]
