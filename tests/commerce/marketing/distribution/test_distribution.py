"""Distribution (分销) end to end: a shopper arrives by a distributor's link, pays through
the WeChat Pay sandbox, and the commission goes to two levels of referrers — never a third;
it stays frozen through the after-sales window, settles to the balance once, and a refund
reduces, cancels or reverses it. Plus the binding rules (self, loops, first referrer
wins), the console, the distributor center and a second store that sees none of it."""
import html
import re
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from builder.views import distribution as distribution_views
from commerce.aftersales.service import request_after_sale, withdraw_after_sale
from commerce.marketing.distribution.errors import ReferralRefused
from commerce.marketing.distribution.jobs import settle_due_commissions
from commerce.marketing.distribution.models import MAX_LEVELS, Commission, DistributionSettings, Distributor, Referral
from commerce.marketing.distribution.queries import distribution_settings
from commerce.marketing.distribution.service import (
    apply_as_distributor,
    bind_referral,
    decide_application,
    record_commissions,
    referral_code,
    save_distribution_settings,
)
from commerce.members.ledger import ledger_sum, post_entry
from commerce.members.models import BalanceEntry, Member
from commerce.orders import states
from commerce.orders.jobs import sweep_store
from commerce.orders.models import Order
from commerce.orders.refunds import refund_order
from commerce.orders.service import confirm_receipt
from core.extensions import db
from core.models import utcnow
from core.tenancy import tenant_context
from storefront.referrals import bind_remembered_referrer
from tenants.models import StaffUser
from tests.commerce.orders.test_checkout_and_pay import DESKTOP, add_to_cart, check_out, settle_at_wechat
from tests.conftest import csrf_from
from tests.factories import create_member, create_product, create_staff, login_staff, sku_of

EN = {"Accept-Language": "en"}


# --- builders ----------------------------------------------------------------------------

def run_distribution(store, level1=10, level2=5, days=7):
    with tenant_context(store.id):
        save_distribution_settings(enabled=True, level1_percent=level1, level2_percent=level2, settle_days=days,
                                   actor=None)
        db.session.commit()


def distributor(store, nickname, *, referrer=None):
    """An approved distributor of ``store`` (bound to ``referrer`` if given); returns the member id."""
    member_id, _address = create_member(store, nickname=nickname)
    with tenant_context(store.id):
        if referrer is not None:
            bind_referral(member_id, referrer)
        application = apply_as_distributor(db.session.get(Member, member_id))
        decide_application(application, approve=True, actor=None)
        db.session.commit()
    return member_id


def code_of(store, member_id):
    with tenant_context(store.id):
        return referral_code(db.session.get(Member, member_id))


def shopper_by_link(store_client, store, referrer_id, path="/"):
    shopper = store_client(store.slug)
    response = shopper.get(f"{path}?ref={code_of(store, referrer_id)}", headers=DESKTOP)
    assert response.status_code == 200
    return shopper


def paid_order(shopper, store, product_id, sku_id, wechat, platform_client):
    """Cart → checkout → WeChat Pay (Native) → the signed notification; the store may hold
    other orders already. Returns ``(order, trade)``."""
    add_to_cart(shopper, product_id, sku_id)
    placed = check_out(shopper)
    number = placed.location.split("/orders/")[1].split("/")[0]
    token = csrf_from(shopper, f"/orders/{number}/pay")
    shopper.post(f"/orders/{number}/pay", data={"csrf_token": token}, headers=DESKTOP)
    trade, _status = wechat.pay_transaction(number, send=False)
    headers, body = wechat.payment_notification(trade)
    assert platform_client.post(f"/payments/wechatpay/notify/{store.id}", data=body, headers=headers).status_code == 204
    with tenant_context(store.id):
        db.session.expire_all()
        order = db.session.scalar(select(Order).where(Order.number == number))
        db.session.expunge(order)  # a snapshot of the paid order: later reloads do not touch it
        return order, trade


def commissions_of(store, order_id=None):
    with tenant_context(store.id):
        db.session.expire_all()
        statement = select(Commission).order_by(Commission.level)
        if order_id is not None:
            statement = statement.where(Commission.order_id == order_id)
        return db.session.scalars(statement).all()


def balance_of(store, member_id):
    with tenant_context(store.id):
        db.session.expire_all()
        member = db.session.get(Member, member_id)
        assert ledger_sum(BalanceEntry, member_id) == member.balance  # the cache agrees with the ledger
        return member.balance


def complete(store, order, *, days_ago=0):
    """The parcel went out and the shopper confirmed receipt ``days_ago`` days ago."""
    with tenant_context(store.id):
        order = db.session.get(Order, order.id)
        assert states.transition(order, "ship_all")
        confirm_receipt(order, order.member_id)
        db.session.commit()
        if days_ago:
            moved = utcnow() - timedelta(days=days_ago)
            db.session.execute(Order.__table__.update().where(Order.__table__.c.id == order.id)
                               .values(completed_at=moved))
            db.session.execute(Commission.__table__.update().where(Commission.__table__.c.order_id == order.id)
                               .values(settle_after=moved + timedelta(days=7)))
            db.session.commit()


@pytest.fixture
def goods(shop):
    """demo sells 碧螺春 at ¥33.33 (odd, so the rounding shows), 20 in stock: ``(product id, sku id)``."""
    demo = shop[0]
    product_id = create_product(demo, "碧螺春", price=3333, stock=20)
    return product_id, sku_of(demo, product_id)


# --- earning -----------------------------------------------------------------------------

def test_a_paid_order_earns_two_levels_of_referrers_and_never_a_third(shop, goods, store_client, platform_client,
                                                                       wechat, jobs):
    demo = shop[0]
    run_distribution(demo, level1=10, level2=5)
    top = distributor(demo, "甲")
    middle = distributor(demo, "乙", referrer=top)
    near = distributor(demo, "丙", referrer=middle)
    shopper = shopper_by_link(store_client, demo, near, path=f"/products/{goods[0]}")
    order, _trade = paid_order(shopper, demo, *goods, wechat, platform_client)
    jobs.drain()

    base = order.total - order.shipping_fee
    assert base == 3333
    earned = [(c.member_id, c.level, c.base, c.amount, c.status) for c in commissions_of(demo, order.id)]
    assert earned == [(near, 1, 3333, 333, "frozen"), (middle, 2, 3333, 166, "frozen")]  # rounded down to the fen
    assert MAX_LEVELS == 2 and top not in [row[0] for row in earned]  # the third ancestor earns nothing
    with tenant_context(demo.id):
        assert db.session.scalar(select(Referral.referrer_id).where(Referral.member_id == order.member_id)) == near


def test_the_commission_job_run_twice_records_each_level_once(shop, goods, store_client, platform_client, wechat,
                                                               jobs):

    demo = shop[0]
    run_distribution(demo)
    referrer = distributor(demo, "甲")
    order, _trade = paid_order(shopper_by_link(store_client, demo, referrer), demo, *goods, wechat, platform_client)
    jobs.drain()
    with tenant_context(demo.id):
        assert record_commissions(db.session.get(Order, order.id)) == []
    assert [(c.level, c.amount) for c in commissions_of(demo)] == [(1, 333)]


def test_only_approved_distributors_earn_and_nothing_while_the_program_is_off(shop, goods, store_client,
                                                                             platform_client, wechat, jobs):
    demo = shop[0]
    referrer, _address = create_member(demo, nickname="只是会员")  # brought the shopper, never applied
    paid_order(shopper_by_link(store_client, demo, referrer), demo, *goods, wechat, platform_client)
    jobs.drain()
    assert commissions_of(demo) == []  # the program is off by default

    run_distribution(demo)
    paid_order(shopper_by_link(store_client, demo, referrer), demo, *goods, wechat, platform_client)
    jobs.drain()
    assert commissions_of(demo) == []  # on, but the referrer is not an approved distributor


# --- settling and refunds ----------------------------------------------------------------

def test_a_commission_stays_frozen_through_the_window_then_settles_to_the_balance_once(shop, goods, store_client,
                                                                                      platform_client, wechat, jobs):
    demo = shop[0]
    run_distribution(demo, days=7)
    referrer = distributor(demo, "甲")
    order, _trade = paid_order(shopper_by_link(store_client, demo, referrer), demo, *goods, wechat, platform_client)
    jobs.drain()
    with tenant_context(demo.id):
        assert settle_due_commissions() == 0  # paid, not completed
    complete(demo, order)
    (commission,) = commissions_of(demo)
    assert commission.status == "frozen" and commission.settle_after is not None
    with tenant_context(demo.id):
        assert settle_due_commissions() == 0  # completed today: the after-sales window is open
        assert settle_due_commissions(now=utcnow() + timedelta(days=8)) == 1
        db.session.commit()
        assert settle_due_commissions(now=utcnow() + timedelta(days=9)) == 0  # a second run finds it settled
        db.session.commit()
        entry = db.session.scalar(select(BalanceEntry).where(BalanceEntry.source_ref == f"commission:{commission.id}"))
        assert (entry.delta, entry.reason, entry.member_id) == (333, "commission", referrer)
    assert commissions_of(demo)[0].status == "settled"
    assert balance_of(demo, referrer) == 333


def test_the_sweep_settles_due_commissions_but_waits_while_an_after_sales_request_is_open(shop, goods, store_client,
                                                                                         platform_client, wechat,
                                                                                         jobs):

    demo = shop[0]
    run_distribution(demo)
    referrer = distributor(demo, "甲")
    order, _trade = paid_order(shopper_by_link(store_client, demo, referrer), demo, *goods, wechat, platform_client)
    jobs.drain()
    complete(demo, order, days_ago=8)
    with tenant_context(demo.id):
        request = request_after_sale(db.session.get(Order, order.id), order.member_id, kind="refund_only",
                                     reason="quality", description=None, amount=100, lines={})
        db.session.commit()
        sweep_store()
    assert commissions_of(demo)[0].status == "frozen"
    with tenant_context(demo.id):
        withdraw_after_sale(request, order.member_id)
        db.session.commit()
        sweep_store()
    assert commissions_of(demo)[0].status == "settled"
    assert balance_of(demo, referrer) == 333


def test_a_partial_refund_prorates_a_frozen_commission_and_a_full_refund_cancels_it(shop, goods, store_client,
                                                                                   platform_client, wechat, jobs):
    demo = shop[0]
    run_distribution(demo, level1=10, level2=5)
    top = distributor(demo, "甲")
    near = distributor(demo, "乙", referrer=top)
    order, trade = paid_order(shopper_by_link(store_client, demo, near), demo, *goods, wechat, platform_client)
    jobs.drain()
    with tenant_context(demo.id):
        refund_order(db.session.get(Order, order.id), amount=1333, reason="少一盒", actor=None)
        db.session.commit()
    assert [c.status for c in commissions_of(demo)] == ["frozen", "frozen"]  # not until WeChat settles the refund
    settle_at_wechat(wechat, platform_client, demo, trade)
    jobs.drain()  # commissions follow order.refunded through the outbox
    kept = [(c.level, c.earned(), c.cancelled_amount, c.status) for c in commissions_of(demo)]
    assert kept == [(1, 200, 133, "frozen"), (2, 100, 66, "frozen")]  # on the ¥20.00 still paid for goods

    with tenant_context(demo.id):
        refund_order(db.session.get(Order, order.id), amount=order.total - 1333, reason="全退", actor=None)
        db.session.commit()
    settle_at_wechat(wechat, platform_client, demo, trade)
    jobs.drain()  # commissions follow order.refunded through the outbox
    assert [(c.earned(), c.status) for c in commissions_of(demo)] == [(0, "cancelled"), (0, "cancelled")]
    with tenant_context(demo.id):  # a cancelled commission never settles
        assert settle_due_commissions(now=utcnow() + timedelta(days=30)) == 0
    assert balance_of(demo, near) == 0


def test_a_refund_after_settlement_is_taken_back_from_the_balance_or_recorded_as_owed(shop, goods, store_client,
                                                                                      platform_client, wechat, jobs):
    demo = shop[0]
    run_distribution(demo)
    referrer = distributor(demo, "甲")
    first, first_trade = paid_order(shopper_by_link(store_client, demo, referrer), demo, *goods, wechat,
                                    platform_client)
    second, second_trade = paid_order(shopper_by_link(store_client, demo, referrer), demo, *goods, wechat,
                                      platform_client)
    jobs.drain()
    for order in (first, second):
        complete(demo, order, days_ago=8)
    with tenant_context(demo.id):
        assert settle_due_commissions() == 2
        db.session.commit()
    assert balance_of(demo, referrer) == 666

    with tenant_context(demo.id):
        refund_order(db.session.get(Order, first.id), amount=first.total, reason="退货", actor=None)
        db.session.commit()
    settle_at_wechat(wechat, platform_client, demo, first_trade)
    jobs.drain()  # commissions follow order.refunded through the outbox
    assert balance_of(demo, referrer) == 333  # reversed by a negative entry
    reversed_, _kept = commissions_of(demo)
    assert (reversed_.status, reversed_.earned(), reversed_.cancelled_amount, reversed_.owed) == ("settled", 0, 333, 0)

    with tenant_context(demo.id):  # the distributor spends the balance before the second refund
        post_entry(BalanceEntry, referrer, -333, BalanceEntry.REDEEM, "spent:test")
        db.session.commit()
        refund_order(db.session.get(Order, second.id), amount=second.total, reason="退货", actor=None)
        db.session.commit()
    settle_at_wechat(wechat, platform_client, demo, second_trade)
    jobs.drain()  # commissions follow order.refunded through the outbox
    assert balance_of(demo, referrer) == 0  # never below zero
    owed = commissions_of(demo)[1]
    assert (owed.cancelled_amount, owed.owed) == (333, 333)


# --- binding -----------------------------------------------------------------------------

def test_binding_refuses_oneself_and_loops_and_keeps_the_first_referrer(shop):
    demo = shop[0]
    a, b, c = (create_member(demo, nickname=name)[0] for name in ("A", "B", "C"))
    with tenant_context(demo.id):
        with pytest.raises(ReferralRefused, match="yourself"):
            bind_referral(a, a)
        bind_referral(b, a)  # A invited B
        with pytest.raises(ReferralRefused, match="loop"):
            bind_referral(a, b)  # B inviting A would make A→B→A
        bind_referral(c, b)
        with pytest.raises(ReferralRefused, match="loop"):
            bind_referral(a, c)  # A→B→C→A, found by walking up the chain
        with pytest.raises(ReferralRefused, match="already"):
            bind_referral(b, c)  # the first referrer wins
        db.session.commit()
        assert dict(db.session.execute(select(Referral.member_id, Referral.referrer_id)).all()) == {b: a, c: b}


def test_signing_in_through_ones_own_link_or_a_loop_binds_nothing(shop, app):
    demo = shop[0]
    a, b = (create_member(demo, nickname=name)[0] for name in ("A", "B"))
    with tenant_context(demo.id):
        bind_referral(b, a)
        db.session.commit()
    for code in (code_of(demo, a), code_of(demo, b)):  # A's own link; B's link, which would make A→B→A
        with app.test_request_context("/", headers={"Cookie": f"ref={code}"}), tenant_context(demo.id):
            assert bind_remembered_referrer(db.session.get(Member, a)) is None  # sign-in goes on, unbound
            db.session.commit()
    with tenant_context(demo.id):
        assert dict(db.session.execute(select(Referral.member_id, Referral.referrer_id)).all()) == {b: a}


@pytest.mark.postgres
def test_two_crosswise_bindings_at_once_cannot_make_a_loop(shop, app):
    demo = shop[0]
    a, b = (create_member(demo, nickname=name)[0] for name in ("A", "B"))
    barrier, outcomes = threading.Barrier(2, timeout=60), []

    def bind(member_id, referrer_id):
        with app.app_context(), tenant_context(demo.id):
            barrier.wait()
            try:
                bind_referral(member_id, referrer_id)
                threading.Event().wait(0.2)  # hold the transaction open while the other one checks
                db.session.commit()
                outcomes.append("bound")
            except ReferralRefused:
                db.session.rollback()
                outcomes.append("refused")

    threads = [threading.Thread(target=bind, args=pair) for pair in ((a, b), (b, a))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["bound", "refused"]
    with tenant_context(demo.id):
        assert db.session.scalar(select(func.count(Referral.id))) == 1


# --- the referral link and the cache -----------------------------------------------------

def test_a_ref_link_sets_a_cookie_without_changing_the_cached_page(shop, store_client):
    demo = shop[0]
    referrer, _address = create_member(demo, nickname="甲")
    product_id = shop[2]
    plain = store_client("demo").get(f"/products/{product_id}", headers=DESKTOP)
    linked = store_client("demo").get(f"/products/{product_id}?ref={code_of(demo, referrer)}", headers=DESKTOP)
    later = store_client("demo").get(f"/products/{product_id}", headers=DESKTOP)
    assert "ref=" in linked.headers.get("Set-Cookie", "")
    assert linked.get_data() == plain.get_data() == later.get_data()  # the cached body holds no code
    assert "Set-Cookie" not in later.headers and "Set-Cookie" not in plain.headers
    forged = store_client("demo").get(f"/?ref={referrer}-0000000000", headers=DESKTOP)
    assert "Set-Cookie" not in forged.headers  # a made-up code is not kept


def test_a_code_of_one_store_is_not_kept_on_another(shop, store_client):
    demo = shop[0]
    referrer, _address = create_member(demo, nickname="甲")
    response = store_client("tea").get(f"/?ref={code_of(demo, referrer)}", headers=DESKTOP)
    assert response.status_code == 200 and "Set-Cookie" not in response.headers


# --- the distributor center --------------------------------------------------------------

def test_a_member_applies_in_the_distributor_center_and_sees_team_and_earnings_once_approved(
        shop, goods, store_client, platform_client, wechat, jobs):
    demo = shop[0]
    run_distribution(demo)
    member_shopper = store_client("demo")
    own_order, _trade = paid_order(member_shopper, demo, *goods, wechat, platform_client)  # a member now
    me = own_order.member_id
    page = member_shopper.get("/me/distribution", headers=EN).get_data(as_text=True)
    assert "Apply to be a distributor" in page
    token = csrf_from(member_shopper, "/me/distribution")
    member_shopper.post("/me/distribution/apply", data={"csrf_token": token}, headers=EN)
    assert "waiting for the store" in member_shopper.get("/me/distribution", headers=EN).get_data(as_text=True)
    member_shopper.post("/me/distribution/apply", data={"csrf_token": token}, headers=EN)  # twice: still one row
    with tenant_context(demo.id):
        (application,) = db.session.scalars(select(Distributor)).all()
        decide_application(application, approve=True, actor=None)
        db.session.commit()

    friend = shopper_by_link(store_client, demo, me)
    paid_order(friend, demo, *goods, wechat, platform_client)
    jobs.drain()
    page = member_shopper.get("/me/distribution", headers=EN).get_data(as_text=True)
    assert f"ref={code_of(demo, me)}" in page  # the share link
    assert '<dd class="team-level1">1</dd>' in page and '<dd class="team-level2">0</dd>' in page
    assert '<dd class="earnings-frozen">¥3.33</dd>' in page
    assert "Distributor center" in member_shopper.get("/me", headers=EN).get_data(as_text=True)


def test_the_distributor_center_asks_a_guest_to_sign_in(shop, store_client):
    response = store_client("demo").get("/me/distribution", headers=EN)
    assert response.status_code == 302 and "/login" in response.location


# --- the console -------------------------------------------------------------------------

def test_the_console_saves_settings_and_refuses_bad_ones_writing_nothing(shop, platform_client):
    demo = shop[0]
    login_staff(platform_client, demo)
    token = csrf_from(platform_client, "/console/distribution")
    saved = platform_client.post("/console/distribution/settings", headers=EN, data={
        "csrf_token": token, "enabled": "on", "level1_percent": "12", "level2_percent": "0", "settle_days": "10"})
    assert saved.status_code == 302
    refused = platform_client.post("/console/distribution/settings", headers=EN, data={
        "csrf_token": token, "enabled": "on", "level1_percent": "80", "level2_percent": "5", "settle_days": "10"})
    assert refused.status_code == 422 and "Level 1 commission" in refused.get_data(as_text=True)
    with tenant_context(demo.id):
        settings = distribution_settings()
        assert (settings.enabled, settings.level1_percent, settings.level2_percent, settings.settle_days) == (
            True, 12, 0, 10)


def test_the_console_approves_and_rejects_applications_and_shows_the_results(shop, goods, store_client,
                                                                           platform_client, wechat, jobs):
    demo = shop[0]
    run_distribution(demo)
    hopeful, _address = create_member(demo, nickname="申请人")
    doubtful, _address = create_member(demo, nickname="可疑")
    with tenant_context(demo.id):
        applications = [apply_as_distributor(db.session.get(Member, m)) for m in (hopeful, doubtful)]
        db.session.commit()
        ids = [application.id for application in applications]
    login_staff(platform_client, demo)
    page = platform_client.get("/console/distribution", headers=EN).get_data(as_text=True)
    assert "申请人" in page and "可疑" in page
    token = csrf_from(platform_client, "/console/distribution")
    assert platform_client.post(f"/console/distribution/applications/{ids[0]}/approve",
                                data={"csrf_token": token}).status_code == 302
    assert platform_client.post(f"/console/distribution/applications/{ids[1]}/reject",
                                data={"csrf_token": token}).status_code == 302
    again = platform_client.post(f"/console/distribution/applications/{ids[1]}/approve", data={"csrf_token": token},
                                 headers=EN, follow_redirects=True)
    assert "decided already" in again.get_data(as_text=True)
    with tenant_context(demo.id):
        db.session.expire_all()
        assert [d.status for d in db.session.scalars(select(Distributor).order_by(Distributor.id))] == [
            "approved", "rejected"]

    order, _trade = paid_order(shopper_by_link(store_client, demo, hopeful), demo, *goods, wechat, platform_client)
    jobs.drain()
    page = platform_client.get("/console/distribution", headers=EN).get_data(as_text=True)
    assert '<dd class="result-distributors">1</dd>' in page and '<dd class="result-orders">1</dd>' in page
    assert f'<dd class="result-gmv">¥{order.total // 100}.{order.total % 100:02d}</dd>' in page
    assert '<dd class="result-frozen">¥3.33</dd>' in page and order.number in page


@pytest.mark.parametrize(("typed", "message"), [("十", "Enter a whole number"), ("12.5", "Enter a whole number"),
                                                ("", "Level 1 commission: a whole percentage")])
def test_a_commission_that_is_no_whole_number_is_refused_and_shown_back_writing_nothing(shop, platform_client,
                                                                                      typed, message):
    demo = shop[0]
    login_staff(platform_client, demo)
    token = csrf_from(platform_client, "/console/distribution")
    refused = platform_client.post("/console/distribution/settings", headers=EN, data={
        "csrf_token": token, "enabled": "on", "level1_percent": typed, "level2_percent": "5", "settle_days": "7"})
    body = refused.get_data(as_text=True)
    assert refused.status_code == 422 and message in body and f'name="level1_percent" value="{typed}"' in body
    with tenant_context(demo.id):
        assert db.session.scalar(select(func.count()).select_from(DistributionSettings)) == 0


def next_link(body, title):
    """The "next page" link under the console list headed ``title``, or None."""
    section = body.split(f"<h2>{title}</h2>", 1)[1].split("</section>", 1)[0]
    found = re.search(r'rel="next" href="([^"]+)"', section)
    return html.unescape(found.group(1)) if found else None


def test_the_console_lists_page_one_at_a_time_keep_each_others_place_and_show_no_other_store(
        shop, goods, store_client, platform_client, wechat, jobs, monkeypatch):
    demo, tea = shop[0], shop[1]
    monkeypatch.setattr(distribution_views, "PAGE_SIZE", 1)
    run_distribution(demo)
    run_distribution(tea)
    upper = distributor(demo, "上级分销员")
    lower = distributor(demo, "下级分销员", referrer=upper)
    distributor(tea, "乙店分销员")
    paid_order(shopper_by_link(store_client, demo, lower), demo, *goods, wechat, platform_client)
    jobs.drain()  # two commissions: level 1 to the lower distributor, level 2 to the upper one
    login_staff(platform_client, demo)

    first = platform_client.get("/console/distribution", headers=EN).get_data(as_text=True)
    assert first.count('<tr class="distributor">') == 1 and first.count('<tr class="commission">') == 1
    assert first.count("2 in all") == 2 and "乙店" not in first
    second = platform_client.get(next_link(first, "Distributors"), headers=EN).get_data(as_text=True)
    assert second.count('<tr class="distributor">') == 1 and next_link(second, "Distributors") is None
    listed = [re.search(r'<tr class="distributor"><td>([^<(]+)', body).group(1).strip() for body in (first, second)]
    assert sorted(listed) == ["上级分销员", "下级分销员"]
    # paging the commissions keeps the distributors on their second page
    assert "distributors=" in next_link(second, "Commissions")
    third = platform_client.get(next_link(second, "Commissions"), headers=EN).get_data(as_text=True)
    assert third.count('<tr class="commission">') == 1 and next_link(third, "Commissions") is None
    assert 'rel="prev"' in third and "乙店" not in second + third
    assert platform_client.get("/console/distribution?commissions=forged").status_code == 400


def test_viewers_only_look_at_the_distribution_console(shop, platform_client):
    demo = shop[0]
    create_staff(demo, "viewer@demo.test", StaffUser.VIEWER)
    login_staff(platform_client, demo, email="viewer@demo.test")
    assert platform_client.get("/console/distribution").status_code == 200
    token = csrf_from(platform_client, "/console/distribution")
    response = platform_client.post("/console/distribution/settings", data={
        "csrf_token": token, "enabled": "on", "level1_percent": "10", "level2_percent": "5", "settle_days": "7"})
    assert response.status_code == 403


def test_another_stores_console_sees_none_of_it_and_cannot_decide_its_applications(shop, goods, store_client,
                                                                                 platform_client, wechat, jobs):
    demo, tea = shop[0], shop[1]
    run_distribution(demo)
    referrer = distributor(demo, "甲店分销员")
    applicant, _address = create_member(demo, nickname="甲店申请人")
    with tenant_context(demo.id):
        application_id = apply_as_distributor(db.session.get(Member, applicant)).id
        db.session.commit()
    paid_order(shopper_by_link(store_client, demo, referrer), demo, *goods, wechat, platform_client)
    jobs.drain()
    login_staff(platform_client, tea)
    page = platform_client.get("/console/distribution", headers=EN).get_data(as_text=True)
    assert "甲店" not in page and '<dd class="result-orders">0</dd>' in page
    token = csrf_from(platform_client, "/console/distribution")
    assert platform_client.post(f"/console/distribution/applications/{application_id}/approve",
                                data={"csrf_token": token}).status_code == 404
    with tenant_context(tea.id):
        assert db.session.scalar(select(func.count(Commission.id))) == 0
        assert settle_due_commissions(now=utcnow() + timedelta(days=60)) == 0
    with tenant_context(demo.id):
        assert db.session.get(Distributor, application_id).status == "pending"
