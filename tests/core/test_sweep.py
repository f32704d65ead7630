"""Scheduled work survives a lost job or a dead worker: ``flask sweep`` re-derives what is
due from the database — group-buy teams and bargains past their deadline, stores stuck in
provisioning — once, in the stores where it is due and nowhere else, and ``flask worker``
runs that sweep itself on a timer."""
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from commerce.marketing.bargains.models import Bargain
from commerce.marketing.group_buys.models import GroupTeam, GroupTeamMember
from commerce.marketing.group_buys.service import create_group_buy
from commerce.orders.models import Order
from core.extensions import db
from core.models import utcnow
from core.sweeper import SweepTimer, claim_slot
from core.tenancy import tenant_context, unscoped
from duoshop.app import PROJECT_ROOT
from duoshop.cli import run_sweep
from tenants.models import Tenant
from tests.commerce.marketing.bargains.test_bargains import new_campaign, start, wechat_member
from tests.commerce.marketing.group_buys.test_group_buys import pay, team_order
from tests.commerce.orders.test_checkout_and_pay import settle_at_wechat
from tests.factories import create_member, create_product, create_store, sku_of
from tests.tenants.test_provisioning import snapshot


def lose_scheduled_jobs(app):
    """What a dead scheduler does to delayed jobs: they never run (here, they are dropped)."""
    backend = app.extensions["duoshop_jobs"]
    if backend.name == "eager":
        backend.scheduled.clear()
        return
    for queue in backend.queues():
        registry = queue.scheduled_job_registry
        for job_id in registry.get_job_ids():
            registry.remove(job_id, delete_job=True)


def sweep(app):
    result = app.test_cli_runner().invoke(args=["sweep"])
    assert result.exit_code == 0, result.output
    return result.output


def move_deadline(store, model, row_id, delta):
    with tenant_context(store.id):
        db.session.execute(update(model).where(model.id == row_id).values(expires_at=utcnow() + delta))
        db.session.commit()


def status_of(store, model, row_id):
    with tenant_context(store.id):
        return db.session.scalar(select(model.status).where(model.id == row_id)
                                 .execution_options(populate_existing=True))


@pytest.fixture
def group_buys(shop):
    """A 3-member group buy in each store: ``{store id: campaign id}``."""
    demo, tea, _product_id, demo_sku = shop
    tea_sku = sku_of(tea, create_product(tea, "红茶", price=5000, stock=5))
    campaigns = {}
    for store, sku_id in ((demo, demo_sku), (tea, tea_sku)):
        with tenant_context(store.id):
            campaigns[store.id] = create_group_buy(actor=None, title="三人团", sku_id=sku_id, group_price=3000, size=3,
                                                   hours=24, ends_at=utcnow() + timedelta(days=7)).id
            db.session.commit()
    return campaigns


def test_a_team_whose_expiry_job_was_lost_is_expired_and_refunded_once_by_the_sweep(
        app, shop, group_buys, wechat, platform_client, jobs):
    demo, tea, _product, _sku = shop
    opened, team_id = team_order(demo, create_member(demo), group_buys[demo.id])
    joined, _team = team_order(demo, create_member(demo, nickname="甲"), group_buys[demo.id], team_id)
    trades = [pay(demo, order, wechat, platform_client) for order in (opened, joined)]
    tea_order, tea_team = team_order(tea, create_member(tea), group_buys[tea.id])
    tea_trade = pay(tea, tea_order, wechat, platform_client)
    lose_scheduled_jobs(app)
    move_deadline(demo, GroupTeam, team_id, -timedelta(minutes=1))

    assert "team_refunds 2" in sweep(app)
    jobs.drain()
    assert "team_refunds 0" in sweep(app)  # a second sweep changes nothing
    jobs.drain()
    assert status_of(demo, GroupTeam, team_id) == GroupTeam.FAILED
    assert [trade.refunded for trade in trades] == [3000, 3000]  # once each, at WeChat Pay
    for trade in trades:
        settle_at_wechat(wechat, platform_client, demo, trade)
    with tenant_context(demo.id):
        assert db.session.scalars(select(Order.status).order_by(Order.id)
                                  .execution_options(populate_existing=True)).all() == [Order.REFUNDED] * 2
        assert set(db.session.scalars(select(GroupTeamMember.status))) == {GroupTeamMember.REFUNDED}
    # the other store's team is still within its time: untouched
    assert status_of(tea, GroupTeam, tea_team) == GroupTeam.OPEN and tea_trade.refunded == 0
    assert status_of(tea, Order, tea_order.id) == Order.PAID


def test_the_sweep_finishes_refunding_a_team_whose_expiry_job_died_midway(app, shop, group_buys, wechat,
                                                                          platform_client, jobs):
    demo, _tea, _product, _sku = shop
    opened, team_id = team_order(demo, create_member(demo), group_buys[demo.id])
    trade = pay(demo, opened, wechat, platform_client)
    with tenant_context(demo.id):  # the job failed the team, then its worker was killed before any refund
        db.session.execute(update(GroupTeam).where(GroupTeam.id == team_id)
                           .values(status=GroupTeam.FAILED, expires_at=utcnow() - timedelta(minutes=1)))
        db.session.commit()
    assert "team_refunds 1" in sweep(app)
    jobs.drain()
    assert "team_refunds 0" in sweep(app)
    assert trade.refunded == 3000


def test_bargains_past_their_deadline_expire_in_the_sweep_and_others_stay_open(app, shop):
    demo, tea, _product, demo_sku = shop
    tea_sku = sku_of(tea, create_product(tea, "红茶", price=5000, stock=5))
    demo_campaign, tea_campaign = new_campaign(demo, demo_sku), new_campaign(tea, tea_sku)
    late = start(demo, demo_campaign, wechat_member(demo, "甲"))
    running = start(demo, demo_campaign, wechat_member(demo, "乙"))
    tea_bargain = start(tea, tea_campaign, wechat_member(tea, "丙"))
    lose_scheduled_jobs(app)
    move_deadline(demo, Bargain, late, -timedelta(seconds=1))

    assert "bargains_expired 1" in sweep(app)
    assert "bargains_expired 0" in sweep(app)
    assert status_of(demo, Bargain, late) == Bargain.EXPIRED
    assert status_of(demo, Bargain, running) == Bargain.OPEN
    assert status_of(tea, Bargain, tea_bargain) == Bargain.OPEN


def test_a_store_stuck_in_provisioning_for_over_a_minute_is_provisioned_again(app_ctx, app):
    stuck = create_store("stuck", provision=False)  # its provisioning job was never queued
    fresh = create_store("fresh", provision=False)  # signed up just now: its job is still on the way
    open_store = create_store("open")
    before = snapshot(open_store)
    with unscoped():
        db.session.execute(update(Tenant).where(Tenant.id == stuck.id)
                           .values(created_at=utcnow() - timedelta(minutes=2)))
        db.session.commit()

    assert "provisioned again: 1 stores" in sweep(app)
    assert "provisioned again: 0 stores" in sweep(app)
    db.session.expire_all()
    state = snapshot(stuck)
    assert state["status"] == Tenant.ACTIVE and state["pages"] == ["home", "product"]
    assert state["subscriptions"] == 1 and state["categories"] == 3
    assert snapshot(fresh)["status"] == Tenant.PROVISIONING and snapshot(fresh)["pages"] == []
    assert snapshot(open_store) == before


def test_the_worker_sweep_timer_sweeps_on_its_own(app, shop):
    demo, _tea, _product, sku_id = shop
    late = start(demo, new_campaign(demo, sku_id), wechat_member(demo, "甲"))
    lose_scheduled_jobs(app)
    move_deadline(demo, Bargain, late, -timedelta(seconds=1))
    timer = SweepTimer(app, run_sweep, interval=0.3).start()
    try:
        deadline = time.monotonic() + 20
        while status_of(demo, Bargain, late) != Bargain.EXPIRED and time.monotonic() < deadline:
            time.sleep(0.1)
        assert status_of(demo, Bargain, late) == Bargain.EXPIRED
        first = timer.runs
        time.sleep(1.0)
        assert timer.runs > first  # and again, every interval
    finally:
        timer.stop(timeout=20)


@pytest.mark.redis
def test_workers_sweep_each_slot_once_and_a_dead_workers_slot_ends_with_it(app):
    now = time.time() // 60 * 60  # a minute's start: now + 1 falls in the same minute
    assert claim_slot(app, 60, now) is True  # the first worker in this minute sweeps
    assert claim_slot(app, 60, now + 1) is False  # another worker, same minute: not again
    assert claim_slot(app, 60, now + 60) is True  # next minute: whoever comes first, even if the first died


def test_every_worker_sweeps_when_redis_is_unreachable(app):
    class Unreachable:
        config = {**app.config, "REDIS_URL": "redis://127.0.0.1:1/0"}
        extensions = {}

    assert claim_slot(Unreachable, 60) is True
    assert claim_slot(Unreachable, 60) is True


def start_worker(app, interval, log_file):
    """``flask worker`` as its own process (its own session and process group, like a
    deployment's), on this run's database, Redis and queues."""
    env = {**os.environ, "DUOSHOP_ENV": "test", "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
           "REDIS_URL": app.config["REDIS_URL"], "RQ_QUEUE_PREFIX": app.config["RQ_QUEUE_PREFIX"],
           "PLATFORM_DOMAIN": app.config["PLATFORM_DOMAIN"], "SWEEP_INTERVAL_SECONDS": str(interval),
           "LOG_LEVEL": "WARNING"}
    env.pop("MIGRATION_DATABASE_URL", None)
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "worker"], cwd=PROJECT_ROOT, env=env,
                            start_new_session=True, stdout=log_file, stderr=subprocess.STDOUT)


def wait_until_expired(store, bargain_id, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if status_of(store, Bargain, bargain_id) == Bargain.EXPIRED:
            return True
        time.sleep(0.2)
    return False


@pytest.mark.redis
def test_a_worker_started_right_after_one_was_killed_sweeps_within_its_interval(app, shop, tmp_path):
    """rq's scheduler lock outlives a SIGKILLed worker by ~10 minutes; the sweep must not."""
    demo, _tea, _product, sku_id = shop
    campaign = new_campaign(demo, sku_id)
    first, second = start(demo, campaign, wechat_member(demo, "甲")), start(demo, campaign, wechat_member(demo, "乙"))
    lose_scheduled_jobs(app)
    move_deadline(demo, Bargain, first, -timedelta(seconds=1))
    log = (tmp_path / "worker.log").open("wb")
    worker = start_worker(app, 1, log)
    try:
        assert wait_until_expired(demo, first, 30), (tmp_path / "worker.log").read_text()
        os.killpg(worker.pid, signal.SIGKILL)  # the worker and any work horse, mid-whatever
        worker.wait(timeout=10)
        move_deadline(demo, Bargain, second, -timedelta(seconds=1))
        worker = start_worker(app, 1, log)
        started = time.monotonic()
        assert wait_until_expired(demo, second, 30)
        assert time.monotonic() - started < 15  # start-up plus at most a slot or two, not rq's ten minutes
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=10)
        log.close()


def test_a_flash_sale_whose_start_job_was_lost_shows_on_cached_pages_after_the_sweep(app, shop, store_client,
                                                                                      monkeypatch):
    from commerce.marketing.flash_sales.models import FlashSale
    from core.cache import current_versions
    from tests.commerce.marketing.flash_sales.test_flash_sales import flash_sale

    demo, tea, product_id, sku_id = shop
    shopper = store_client("demo")
    assert "¥50.00" in shopper.get(f"/products/{product_id}").get_data(as_text=True)  # cached from now on
    flash_sale(demo, sku_id, starts=5, ends=60)  # scheduled, not started
    assert "⚡" not in shopper.get(f"/products/{product_id}").get_data(as_text=True)
    lose_scheduled_jobs(app)  # the refresh job for its start is gone
    with tenant_context(demo.id):  # the start time comes
        db.session.execute(FlashSale.__table__.update().values(starts_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    assert "⚡" not in shopper.get(f"/products/{product_id}").get_data(as_text=True)  # the cached page, unchanged
    monkeypatch.setitem(app.config, "CACHE_VERSION_MEMO_SECONDS", 0)
    tea_catalog = current_versions(tea.id, "catalog")
    sweep(app)
    page = shopper.get(f"/products/{product_id}").get_data(as_text=True)
    assert "⚡" in page and "¥9.90" in page
    assert current_versions(tea.id, "catalog") == tea_catalog  # no campaign there: its cached pages stay
