"""Topping up stored value from the member center: the store's bonus rules offered, WeChat
Pay on the browser's channel through the real SDK against the sandbox, the signed
notification credited once (a replay changes nothing), "I have paid" for a lost
notification, bad amounts refused, and nothing across stores."""
import re

import pytest
from sqlalchemy import func, select

from commerce.members.ledger import ledger_sum
from commerce.members.models import BalanceEntry, Member, MemberSettings, TopUp
from core.extensions import db
from core.tenancy import tenant_context
from payments.models import PaymentEvent
from tests.commerce.orders.test_checkout_and_pay import DESKTOP, PHONE
from tests.conftest import csrf_from
from tests.factories import create_member, create_store

WECHAT = {"User-Agent": "Mozilla/5.0 (iPhone) MicroMessenger/8.0.50", "Accept-Language": "en"}


@pytest.fixture
def shop(app_ctx):
    """Two stores; demo gives ¥10 on ¥100 and ¥30 on ¥200, and has 小明: ``(demo, tea, member id)``."""
    demo, tea = create_store("demo"), create_store("tea")
    member_id, _ = create_member(demo, nickname="小明", openid="o-xiaoming")
    with tenant_context(demo.id):
        db.session.add(MemberSettings(top_up_bonuses=[[10000, 1000], [20000, 3000]]))
        db.session.commit()
    return demo, tea, member_id


def signed_in(client, member_id):
    with client.session_transaction(base_url=f"http://{client.host}") as session:
        session["member_id"] = member_id
    return client


def choose(client, headers=DESKTOP, **form):
    token = csrf_from(client, "/me/top-up")
    return client.post("/me/top-up", data={"csrf_token": token, **form}, headers=headers)


def start_paying(client, number, headers=DESKTOP):
    token = csrf_from(client, f"/me/top-ups/{number}")
    return client.post(f"/me/top-ups/{number}", data={"csrf_token": token}, headers=headers)


def balance_of(store, member_id):
    with tenant_context(store.id):
        return db.session.get(Member, member_id, populate_existing=True).balance


def top_up_number(response):
    return re.search(r"/me/top-ups/(T\d+)$", response.location).group(1)


def test_a_member_tops_up_with_the_bonus_and_a_replayed_notification_changes_nothing(shop, store_client,
                                                                                     platform_client, wechat):
    demo, _tea, member_id = shop
    shopper = signed_in(store_client("demo"), member_id)
    page = shopper.get("/me/top-up", headers=DESKTOP).get_data(as_text=True)
    assert 'value="100.00"' in page and "¥10.00 bonus" in page and 'value="200.00"' in page and "¥30.00 bonus" in page
    chosen = choose(shopper, amount="100.00")
    assert chosen.status_code == 302
    number = top_up_number(chosen)
    page = start_paying(shopper, number)
    assert page.status_code == 200 and "<svg" in page.get_data(as_text=True)  # the Native QR code
    assert "¥10.00 bonus" in page.get_data(as_text=True)

    trade, _status = wechat.pay_transaction(number, send=False)
    headers, body = wechat.payment_notification(trade)
    url = f"/payments/wechatpay/notify/{demo.id}"
    assert platform_client.post(url, data=body, headers=headers).status_code == 204
    assert balance_of(demo, member_id) == 11000
    # WeChat delivers it again (a retry, or a second server): acknowledged, credited once.
    assert platform_client.post(url, data=body, headers=headers).status_code == 204
    assert balance_of(demo, member_id) == 11000
    with tenant_context(demo.id):
        top_up = db.session.scalar(select(TopUp))
        assert (top_up.status, top_up.transaction_id, top_up.bonus) == ("paid", trade.transaction_id, 1000)
        assert ledger_sum(BalanceEntry, member_id) == 11000
        assert db.session.scalar(select(func.count()).select_from(PaymentEvent)) == 1
    center = shopper.get("/me", headers=DESKTOP).get_data(as_text=True)
    assert 'class="member-balance">¥110.00<' in center and "Top-up" in center


def test_any_amount_gets_the_largest_bonus_it_reaches(shop, store_client):
    demo, _tea, member_id = shop
    shopper = signed_in(store_client("demo"), member_id)
    number = top_up_number(choose(shopper, amount="100.00", other_amount="250"))
    with tenant_context(demo.id):
        top_up = db.session.scalar(select(TopUp).where(TopUp.number == number))
        assert (top_up.amount, top_up.bonus) == (25000, 3000)


def test_i_have_paid_credits_a_top_up_whose_notification_never_came(shop, store_client, wechat):
    demo, _tea, member_id = shop
    shopper = signed_in(store_client("demo"), member_id)
    number = top_up_number(choose(shopper, other_amount="50"))
    start_paying(shopper, number)
    token = csrf_from(shopper, f"/me/top-ups/{number}")
    not_yet = shopper.post(f"/me/top-ups/{number}/check", data={"csrf_token": token}, headers=DESKTOP)
    assert not_yet.location.endswith(f"/me/top-ups/{number}") and balance_of(demo, member_id) == 0
    wechat.pay_transaction(number, send=False)  # paid, but the notification is lost
    paid = shopper.post(f"/me/top-ups/{number}/check", data={"csrf_token": token}, headers=DESKTOP)
    assert paid.location.endswith("/me") and balance_of(demo, member_id) == 5000
    shopper.post(f"/me/top-ups/{number}/check", data={"csrf_token": token}, headers=DESKTOP)
    assert balance_of(demo, member_id) == 5000
    assert "was added to your balance" in shopper.get(f"/me/top-ups/{number}", headers=DESKTOP).get_data(as_text=True)


def test_asking_about_a_top_up_never_sent_to_wechat_says_not_paid(shop, store_client, wechat):
    demo, _tea, member_id = shop
    shopper = signed_in(store_client("demo"), member_id)
    number = top_up_number(choose(shopper, other_amount="50"))
    token = csrf_from(shopper, f"/me/top-ups/{number}")
    response = shopper.post(f"/me/top-ups/{number}/check", data={"csrf_token": token}, headers=DESKTOP)
    assert response.status_code == 302 and balance_of(demo, member_id) == 0
    page = shopper.get(f"/me/top-ups/{number}", headers=DESKTOP).get_data(as_text=True)
    assert "WeChat Pay has not received this payment yet." in page


@pytest.mark.parametrize(("headers", "expect"), [(PHONE, "h5"), (WECHAT, "jsapi")])
def test_phones_pay_a_top_up_on_wechats_h5_page_and_wechat_on_its_payment_sheet(shop, store_client, wechat,
                                                                                 headers, expect):
    _demo, _tea, member_id = shop
    shopper = signed_in(store_client("demo"), member_id)
    number = top_up_number(choose(shopper, headers=headers, other_amount="10"))
    response = start_paying(shopper, number, headers=headers)
    if expect == "h5":
        assert response.status_code == 302 and response.location.startswith("http://127.0.0.1:")
    else:
        assert response.status_code == 200 and "data-wechat-pay" in response.get_data(as_text=True)


@pytest.mark.parametrize("typed", [{"other_amount": "0"}, {"other_amount": "abc"}, {"other_amount": "50000.01"},
                                   {"other_amount": "1.001"}, {}])
def test_a_bad_amount_is_refused_with_a_message_and_writes_nothing(shop, store_client, typed):
    demo, _tea, member_id = shop
    shopper = signed_in(store_client("demo"), member_id)
    response = choose(shopper, **typed)
    assert response.status_code == 422
    assert "Choose an amount from ¥0.01 to ¥50,000." in response.get_data(as_text=True)
    with tenant_context(demo.id):
        assert db.session.scalar(select(func.count()).select_from(TopUp)) == 0


def test_a_guest_is_sent_to_the_member_center_to_sign_in(shop, store_client):
    response = store_client("demo").get("/me/top-up", headers=DESKTOP)
    assert response.status_code == 302 and response.location.endswith("/me")


def test_another_store_knows_neither_the_top_up_nor_its_notification(shop, store_client, platform_client, wechat):
    demo, tea, member_id = shop
    shopper = signed_in(store_client("demo"), member_id)
    number = top_up_number(choose(shopper, amount="100.00"))
    start_paying(shopper, number)
    stranger = signed_in(store_client("tea"), create_member(tea, nickname="阿花")[0])
    assert stranger.get(f"/me/top-ups/{number}", headers=DESKTOP).status_code == 404
    token = csrf_from(stranger, "/me/top-up")
    assert stranger.post(f"/me/top-ups/{number}/check", data={"csrf_token": token}).status_code == 404
    trade, _status = wechat.pay_transaction(number, send=False)
    headers, body = wechat.payment_notification(trade)
    assert platform_client.post(f"/payments/wechatpay/notify/{tea.id}", data=body, headers=headers).status_code == 401
    assert balance_of(demo, member_id) == 0
    assert "¥10.00 bonus" not in stranger.get("/me/top-up", headers=DESKTOP).get_data(as_text=True)


def test_the_sweep_credits_a_paid_top_up_whose_notification_was_lost(shop, store_client, wechat):
    from datetime import timedelta

    from commerce.orders.jobs import sweep_store
    from core.models import utcnow

    demo, _tea, member_id = shop
    shopper = signed_in(store_client("demo"), member_id)
    number = top_up_number(choose(shopper, other_amount="50"))
    start_paying(shopper, number)
    wechat.pay_transaction(number, send=False)  # paid; the notification is lost and the member went away
    with tenant_context(demo.id):
        sweep_store()
        assert balance_of(demo, member_id) == 0  # too recent: WeChat may still be delivering it
        db.session.get(TopUp, db.session.scalar(select(TopUp.id))).created_at = utcnow() - timedelta(minutes=10)
        db.session.commit()
        sweep_store()
        sweep_store()  # twice: still credited once
    assert balance_of(demo, member_id) == 5000
