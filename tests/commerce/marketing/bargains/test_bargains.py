"""Bargains (砍价): cuts add up to exactly price − floor by the K-th help at the latest, never
below the floor; one help per WeChat friend, never the starter's own, at most 10 a day;
the starter buys once at the price reached, a cancelled unpaid order reopens the bargain;
expiry; the storefront pages and the theme block; another store sees none of it; and
parallel helps on PostgreSQL neither lose nor double a cut."""
import random
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from commerce.marketing.bargains.errors import BargainProblem
from commerce.marketing.bargains.jobs import expire_bargain
from commerce.marketing.bargains.models import Bargain, BargainCampaign, BargainHelp
from commerce.marketing.bargains.queries import bargain_results, live_bargain_campaigns_for_skus
from commerce.marketing.bargains.service import (
    DAILY_HELPS,
    create_bargain_campaign,
    help_cut,
    next_cut,
    set_bargain_campaign_status,
    start_bargain,
)
from commerce.members.models import Address, Member
from commerce.orders.models import Order
from commerce.orders.service import Wanted, cancel_order, place_order
from commerce.pricing import Campaign
from core.extensions import db
from core.models import utcnow
from core.outbox import relay_due
from core.tenancy import tenant_context
from tests.commerce.marketing.group_buys.test_group_buys import pay
from tests.commerce.orders.test_checkout_and_pay import ADDRESS, DESKTOP
from tests.conftest import csrf_from
from tests.factories import create_member, create_store

PRICE, FLOOR = 5000, 1000  # 龙井 sells at ¥50; friends can bring it down to ¥10


def new_campaign(store, sku_id, *, max_helps=5, floor=FLOOR, starts_in=timedelta(0), hours=24):
    with tenant_context(store.id):
        campaign = create_bargain_campaign(actor=None, title="好友砍价", sku_id=sku_id, floor_price=floor,
                                           max_helps=max_helps, hours=hours, starts_at=utcnow() + starts_in,
                                           ends_at=utcnow() + timedelta(days=7))
        db.session.commit()
        return campaign.id


@pytest.fixture
def campaign(shop):
    demo, _tea, _product_id, sku_id = shop
    return new_campaign(demo, sku_id)


def wechat_member(store, name):
    """A shopper signed in with WeChat (an openid): ``(member id, address id)``."""
    return create_member(store, nickname=name, openid=f"o-{store.slug}-{name}")


def start(store, campaign_id, member):
    with tenant_context(store.id):
        bargain = start_bargain(db.session.get(BargainCampaign, campaign_id), db.session.get(Member, member[0]))
        db.session.commit()
        return bargain.id


def help_(store, bargain_id, member):
    with tenant_context(store.id):
        try:
            made = help_cut(db.session.get(Bargain, bargain_id), db.session.get(Member, member[0]))
        except BargainProblem:
            db.session.rollback()
            raise
        db.session.commit()
        return made.cut


def bargain_row(store, bargain_id):
    with tenant_context(store.id):
        return db.session.get(Bargain, bargain_id, populate_existing=True)


def expire(store, bargain_id):
    """The expiry job, as the job runner calls it: inside the store's context."""
    with tenant_context(store.id):
        return expire_bargain(bargain_id)


def buy(store, bargain_id, member):
    with tenant_context(store.id):
        bargain = db.session.get(Bargain, bargain_id, populate_existing=True)
        order = place_order(member_id=member[0], wanted=[Wanted(bargain.sku_id, 1)],
                            address=db.session.get(Address, member[1]), campaign=Campaign("bargain", bargain.id))
        db.session.commit()
        return order


# --- the cut rule ------------------------------------------------------------------------

@pytest.mark.parametrize("to_cut, helps", [(4000, 5), (2, 2), (50, 50), (51, 50), (4000, 2), (999, 13)])
def test_cuts_are_whole_fen_of_at_least_one_and_reach_the_floor_exactly_at_the_last_help(to_cut, helps):
    for seed in range(200):
        rng, remaining, cuts = random.Random(seed), to_cut, []
        for left in range(helps, 0, -1):
            cut = next_cut(remaining, left, rng)
            assert isinstance(cut, int) and cut >= 1
            remaining -= cut
            assert remaining >= left - 1  # every help still to come has a fen to cut
            cuts.append(cut)
        assert sum(cuts) == to_cut and remaining == 0


def test_k_friends_bring_the_price_to_the_floor_and_no_one_after_them(shop, campaign):
    demo, *_ = shop
    bargain_id = start(demo, campaign, wechat_member(demo, "发起人"))
    cuts = [help_(demo, bargain_id, wechat_member(demo, f"好友{n}")) for n in range(5)]
    bargain = bargain_row(demo, bargain_id)
    assert sum(cuts) == PRICE - FLOOR and all(cut >= 1 for cut in cuts)
    assert (bargain.current_price, bargain.helps_count, bargain.status) == (FLOOR, 5, Bargain.FLOOR_REACHED)
    with pytest.raises(BargainProblem, match="over"):
        help_(demo, bargain_id, wechat_member(demo, "晚来的"))
    assert bargain_row(demo, bargain_id).current_price == FLOOR


def test_a_price_only_a_few_fen_above_the_floor_takes_one_fen_per_help(shop):
    demo, _tea, _product, sku_id = shop
    campaign_id = new_campaign(demo, sku_id, max_helps=50, floor=PRICE - 50)
    bargain_id = start(demo, campaign_id, wechat_member(demo, "发起人"))
    with tenant_context(demo.id):
        db.session.execute(update(Bargain).values(max_helps=3, current_price=PRICE, original_price=PRICE,
                                                  floor_price=PRICE - 3))  # as if the SKU got cheaper first
        db.session.commit()
    assert [help_(demo, bargain_id, wechat_member(demo, f"好友{n}")) for n in range(3)] == [1, 1, 1]


# --- who may help ------------------------------------------------------------------------

def test_the_starter_a_second_help_and_a_shopper_without_wechat_are_refused(shop, campaign):
    demo, *_ = shop
    starter = wechat_member(demo, "发起人")
    bargain_id = start(demo, campaign, starter)
    with pytest.raises(BargainProblem, match="cannot cut your own"):
        help_(demo, bargain_id, starter)
    friend = wechat_member(demo, "好友")
    help_(demo, bargain_id, friend)
    with pytest.raises(BargainProblem, match="already helped"):
        help_(demo, bargain_id, friend)
    with pytest.raises(BargainProblem, match="Sign in with WeChat"):
        help_(demo, bargain_id, create_member(demo, nickname="访客"))
    assert bargain_row(demo, bargain_id).helps_count == 1


def test_a_member_helps_at_most_ten_bargains_a_day(shop):
    demo, _tea, _product, sku_id = shop
    campaign_id = new_campaign(demo, sku_id, max_helps=50)
    bargains = [start(demo, campaign_id, wechat_member(demo, f"发起人{n}")) for n in range(DAILY_HELPS + 1)]
    busy = wechat_member(demo, "热心人")
    for bargain_id in bargains[:DAILY_HELPS]:
        help_(demo, bargain_id, busy)
    with pytest.raises(BargainProblem, match="helped 10 times today"):
        help_(demo, bargains[-1], busy)
    assert bargain_row(demo, bargains[-1]).helps_count == 0


def test_one_live_bargain_per_member_and_campaign(shop, campaign):
    demo, *_ = shop
    starter = wechat_member(demo, "发起人")
    first = start(demo, campaign, starter)
    assert start(demo, campaign, starter) == first  # starting again opens the one under way
    with tenant_context(demo.id):
        db.session.execute(update(Bargain).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    second = start(demo, campaign, starter)  # its deadline passed (the job is late): a new one
    assert second != first and bargain_row(demo, first).status == Bargain.EXPIRED
    assert start(demo, campaign, starter) == second


# --- campaign window and pausing ---------------------------------------------------------

def test_a_scheduled_campaign_is_not_offered_before_it_starts(shop):
    demo, _tea, _product, sku_id = shop
    campaign_id = new_campaign(demo, sku_id, starts_in=timedelta(hours=2))
    with tenant_context(demo.id):
        assert live_bargain_campaigns_for_skus([sku_id]) == []
    with pytest.raises(BargainProblem, match="not running"):
        start(demo, campaign_id, wechat_member(demo, "发起人"))


def test_a_paused_campaign_takes_no_new_bargains_or_helps_until_resumed(shop, campaign):
    demo, *_ = shop
    bargain_id = start(demo, campaign, wechat_member(demo, "发起人"))
    with tenant_context(demo.id):
        set_bargain_campaign_status(db.session.get(BargainCampaign, campaign), BargainCampaign.PAUSED, actor=None)
        db.session.commit()
    with pytest.raises(BargainProblem, match="not running"):
        start(demo, campaign, wechat_member(demo, "另一人"))
    friend = wechat_member(demo, "好友")
    with pytest.raises(BargainProblem, match="paused"):
        help_(demo, bargain_id, friend)
    with tenant_context(demo.id):
        set_bargain_campaign_status(db.session.get(BargainCampaign, campaign), BargainCampaign.ACTIVE, actor=None)
        db.session.commit()
    assert help_(demo, bargain_id, friend) >= 1


def test_the_expiry_job_ends_an_unbought_bargain_once(shop, campaign):
    demo, *_ = shop
    starter = wechat_member(demo, "发起人")
    bargain_id = start(demo, campaign, starter)
    assert expire(demo, bargain_id) == 0  # not yet due
    with tenant_context(demo.id):
        db.session.execute(update(Bargain).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    with pytest.raises(BargainProblem, match="over"):  # late job or not, a bargain past its deadline takes no cut
        help_(demo, bargain_id, wechat_member(demo, "好友"))
    assert expire(demo, bargain_id) == 1
    assert expire(demo, bargain_id) == 0  # run again (rq may): nothing more
    assert bargain_row(demo, bargain_id).status == Bargain.EXPIRED
    with pytest.raises(BargainProblem, match="has ended"):
        buy(demo, bargain_id, starter)


def test_the_expiry_job_is_scheduled_at_the_deadline_when_a_bargain_starts(app, shop, campaign, jobs):
    demo, *_ = shop
    bargain_id = start(demo, campaign, wechat_member(demo, "发起人"))
    with tenant_context(demo.id):  # the deadline passes (the job reads the real clock)
        db.session.execute(update(Bargain).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    relay_due(now=utcnow() + timedelta(hours=23))  # the outbox relay, at a simulated time
    jobs.drain()
    assert bargain_row(demo, bargain_id).status == Bargain.OPEN  # not due yet: the event waits for 24 h
    relay_due(now=utcnow() + timedelta(hours=24, seconds=2))
    jobs.drain()
    assert bargain_row(demo, bargain_id).status == Bargain.EXPIRED


# --- buying ------------------------------------------------------------------------------

def test_the_starter_buys_once_at_the_price_reached_and_a_cancel_reopens_it(shop, campaign, wechat, platform_client):
    demo, *_ = shop
    starter, friend = wechat_member(demo, "发起人"), wechat_member(demo, "好友")
    bargain_id = start(demo, campaign, starter)
    cut = help_(demo, bargain_id, friend)
    with pytest.raises(BargainProblem, match="Only the shopper who started"):
        buy(demo, bargain_id, friend)
    first = buy(demo, bargain_id, starter)
    assert first.subtotal == PRICE - cut
    assert bargain_row(demo, bargain_id).status == Bargain.ORDERED
    with pytest.raises(BargainProblem, match="bought already"):
        buy(demo, bargain_id, starter)
    with pytest.raises(BargainProblem, match="over"):
        help_(demo, bargain_id, wechat_member(demo, "晚来的"))
    with tenant_context(demo.id):
        assert cancel_order(db.session.get(Order, first.id), reason="shopper")
        db.session.commit()
    reopened = bargain_row(demo, bargain_id)
    assert (reopened.status, reopened.order_id, reopened.current_price) == (Bargain.OPEN, None, PRICE - cut)
    second = buy(demo, bargain_id, starter)
    pay(demo, second, wechat, platform_client)
    with tenant_context(demo.id):
        result = bargain_results([campaign])[campaign]
    assert (result.started, result.helpers, result.participants, result.orders, result.paid_orders, result.gmv) == (
        1, 1, 1, 2, 1, PRICE - cut + second.shipping_fee)


def test_an_order_cancelled_after_the_deadline_leaves_the_bargain_expired(shop, campaign):
    demo, *_ = shop
    starter = wechat_member(demo, "发起人")
    bargain_id = start(demo, campaign, starter)
    order = buy(demo, bargain_id, starter)
    with tenant_context(demo.id):
        db.session.execute(update(Bargain).values(expires_at=utcnow() - timedelta(seconds=1)))
        cancel_order(db.session.get(Order, order.id), reason="timeout")
        db.session.commit()
    assert bargain_row(demo, bargain_id).status == Bargain.EXPIRED


# --- another store -----------------------------------------------------------------------

def test_another_store_cannot_see_or_use_the_campaign_or_its_bargains(shop, campaign):
    demo, tea, _product, sku_id = shop
    bargain_id = start(demo, campaign, wechat_member(demo, "发起人"))
    with tenant_context(tea.id):
        assert db.session.get(BargainCampaign, campaign) is None and db.session.get(Bargain, bargain_id) is None
        assert live_bargain_campaigns_for_skus([sku_id]) == [] and bargain_results([campaign])[campaign].started == 0
        with pytest.raises(BargainProblem, match="No such SKU"):
            create_bargain_campaign(actor=None, title="x", sku_id=sku_id, floor_price=1, max_helps=2, hours=1,
                                    starts_at=utcnow(), ends_at=utcnow() + timedelta(days=1))
        assert db.session.scalar(select(func.count()).select_from(BargainHelp)) == 0


# --- the storefront ----------------------------------------------------------------------

def signed_in(client, member):
    with client.session_transaction(base_url=f"http://{client.host}") as session:
        session["member_id"] = member[0]
    return client


def test_start_share_help_and_buy_from_the_storefront(shop, campaign, store_client):
    demo, _tea, product_id, _sku = shop
    page = store_client("demo").get(f"/products/{product_id}", headers=DESKTOP).get_data(as_text=True)
    assert "Bargain with friends down to ¥10.00" in page and f"/bargain-campaigns/{campaign}/start" in page
    origin = {**DESKTOP, "Origin": "http://demo.duoshop.test"}
    guest = store_client("demo").post(f"/bargain-campaigns/{campaign}/start", headers=origin)
    assert guest.status_code == 302 and "/login?next=" in guest.location  # WeChat sign-in first
    starter = signed_in(store_client("demo"), wechat_member(demo, "小红"))
    started = starter.post(f"/bargain-campaigns/{campaign}/start", headers=origin)
    assert started.status_code == 302 and "/bargains/" in started.location
    bargain_path = started.location.replace("http://demo.duoshop.test", "")
    own = starter.get(bargain_path, headers=DESKTOP).get_data(as_text=True)
    assert f"http://demo.duoshop.test{bargain_path}" in own and "Buy at ¥50.00 now" in own  # the share link

    friend = signed_in(store_client("demo"), wechat_member(demo, "小明"))
    token = csrf_from(friend, bargain_path)
    helped = friend.post(f"{bargain_path}/help", data={"csrf_token": token}, headers=DESKTOP)
    assert helped.status_code == 302
    bargain = bargain_row(demo, int(bargain_path.rsplit("/", 1)[1]))
    shown = store_client("demo").get(bargain_path, headers=DESKTOP).get_data(as_text=True)
    assert "小明" in shown and (bargain.helps_count, bargain.current_price < PRICE) == (1, True)
    assert f'<progress max="100" value="{bargain.progress_percent()}">' in shown
    again = friend.post(f"{bargain_path}/help", data={"csrf_token": token}, headers=DESKTOP)
    assert again.status_code == 409 and "already helped" in again.get_data(as_text=True)
    own_token = csrf_from(starter, f"{bargain_path}/checkout")  # the starter's page offers no help button
    own_help = starter.post(f"{bargain_path}/help", data={"csrf_token": own_token}, headers=DESKTOP)
    assert own_help.status_code == 403
    guest_client = store_client("demo")
    guest_help = guest_client.post(f"{bargain_path}/help", data={"csrf_token": csrf_from(guest_client, bargain_path)},
                                   headers=DESKTOP)
    assert guest_help.status_code == 302 and "/login?next=" in guest_help.location

    assert friend.get(f"{bargain_path}/checkout", headers=DESKTOP).status_code == 404  # only the starter buys
    token = csrf_from(starter, f"{bargain_path}/checkout")
    placed = starter.post(f"{bargain_path}/checkout", data={"csrf_token": token, **ADDRESS}, headers=DESKTOP)
    assert placed.status_code == 302 and "/pay" in placed.location
    with tenant_context(demo.id):
        order = db.session.scalar(select(Order))
        assert order.subtotal == bargain.current_price
    assert "This bargain has been bought." in store_client("demo").get(bargain_path, headers=DESKTOP).get_data(
        as_text=True)
    assert store_client("tea").get(bargain_path, headers=DESKTOP).status_code == 404
    cross_site = starter.post(f"/bargain-campaigns/{campaign}/start", headers={**DESKTOP, "Origin": "https://evil.example"})
    assert cross_site.status_code == 403


def test_the_help_endpoint_is_rate_limited(shop, campaign, store_client):
    demo, *_ = shop
    bargain_id = start(demo, campaign, wechat_member(demo, "发起人"))
    friend = signed_in(store_client("demo"), wechat_member(demo, "好友"))
    token = csrf_from(friend, f"/bargains/{bargain_id}")
    statuses = [friend.post(f"/bargains/{bargain_id}/help", data={"csrf_token": token}, headers=DESKTOP).status_code
                for _ in range(21)]
    assert statuses[0] == 302 and statuses[1:20] == [409] * 19 and statuses[20] == 429


def test_the_bargain_list_block_shows_the_live_campaigns_of_its_store_only(shop, campaign, store_client):
    from tests.themes.test_pages import document, publish_home

    demo, tea, _product, _sku = shop
    block = {"type": "bargain_list", "settings": {"title": "好友砍价", "count": 4}}
    publish_home(demo, document(block))
    publish_home(tea, document(block))
    home = store_client("demo").get("/", headers=DESKTOP).get_data(as_text=True)
    assert "龙井" in home and "¥10.00" in home and "No bargains yet" not in home
    assert "No bargains yet" in store_client("tea").get("/", headers=DESKTOP).get_data(as_text=True)


# --- parallel helps (PostgreSQL) ---------------------------------------------------------

def parallel_bargain(app, max_helps):
    """A store, a campaign with ``max_helps`` and a bargain started: ``(store, bargain id)``."""
    from tests.factories import create_product, sku_of

    with app.app_context():
        store = create_store("demo")
        sku_id = sku_of(store, create_product(store, "龙井", price=PRICE, stock=5))
        return store, start(store, new_campaign(store, sku_id, max_helps=max_helps), wechat_member(store, "发起人"))


def helps_at_once(app, store, bargain_id, helper_ids):
    """Each helper id helps in its own thread and transaction, all released together."""
    barrier = threading.Barrier(len(helper_ids), timeout=60)

    def help_now(helper_id):
        with app.app_context(), tenant_context(store.id):
            bargain, member = db.session.get(Bargain, bargain_id), db.session.get(Member, helper_id)
            db.session.commit()  # read before the race: the cut must not trust what was read
            barrier.wait()
            try:
                help_cut(bargain, member)
                db.session.commit()
                return "cut"
            except BargainProblem:
                db.session.rollback()
                return "refused"

    with ThreadPoolExecutor(max_workers=len(helper_ids)) as pool:
        return list(pool.map(help_now, helper_ids))


@pytest.mark.postgres
def test_thirty_friends_helping_at_once_make_exactly_k_cuts_that_sum_to_the_floor(app):
    store, bargain_id = parallel_bargain(app, max_helps=20)
    with app.app_context():
        friends = [wechat_member(store, f"好友{n}")[0] for n in range(30)]
    outcomes = helps_at_once(app, store, bargain_id, friends)
    assert outcomes.count("cut") == 20 and outcomes.count("refused") == 10
    with app.app_context(), tenant_context(store.id):
        bargain = db.session.get(Bargain, bargain_id)
        cuts = db.session.scalars(select(BargainHelp.cut)).all()
        assert (bargain.helps_count, bargain.current_price, bargain.status) == (20, FLOOR, Bargain.FLOOR_REACHED)
        assert len(cuts) == 20 and sum(cuts) == PRICE - FLOOR and min(cuts) >= 1


@pytest.mark.postgres
def test_one_friend_helping_five_times_at_once_cuts_once(app):
    store, bargain_id = parallel_bargain(app, max_helps=20)
    with app.app_context():
        friend_id = wechat_member(store, "好友")[0]
    assert helps_at_once(app, store, bargain_id, [friend_id] * 5).count("cut") == 1
    with app.app_context(), tenant_context(store.id):
        bargain = db.session.get(Bargain, bargain_id)
        cut = db.session.scalar(select(BargainHelp.cut))
        assert (bargain.helps_count, bargain.current_price) == (1, PRICE - cut)
