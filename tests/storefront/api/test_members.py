"""The member center over /api/v1: the card, both ledgers in keyset pages, the daily sign-in
(once per China day, a double tap awards once) and topping up with wx.requestPayment
parameters from the WeChat Pay sandbox; another store's token names nobody."""
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from commerce.members.ledger import member_settings
from commerce.members.models import Member, MemberLevel, MemberSettings, PointsEntry
from commerce.members.points import sign_in
from core.extensions import db
from core.models import utcnow
from core.tenancy import tenant_context
from tests.storefront.api.conftest import api


def _points_of(store, member_id):
    with tenant_context(store.id):
        db.session.expire_all()
        return db.session.get(Member, member_id).points, db.session.scalar(
            select(func.count()).select_from(PointsEntry).where(PointsEntry.member_id == member_id))


def test_the_member_card_shows_level_points_balance_and_the_next_level(world, platform_client):
    with tenant_context(world.demo.id):
        db.session.add_all([MemberLevel(name="银卡", growth_threshold=0, discount_percent=98),
                            MemberLevel(name="金卡", growth_threshold=1000, discount_percent=95)])
        db.session.flush()
        member = db.session.get(Member, world.alice.member_id)
        member.level_id = db.session.scalar(select(MemberLevel.id).where(MemberLevel.name == "银卡"))
        db.session.commit()
    card = api(platform_client, "GET", "/me/member", world.alice)
    assert card.status_code == 200, card.get_json()
    body = card.get_json()
    assert body["level"] == {"name": "银卡", "discount": 98, "growth_threshold": 0}
    assert body["next_level"]["name"] == "金卡"
    assert (body["points"], body["balance"], body["signed_in_today"]) == (0, 0, False)
    assert "no-store" in card.headers["Cache-Control"]
    # tea's member has no level; demo's token does not work in tea's mini-program
    assert api(platform_client, "GET", "/me/member", world.tina).get_json()["level"] is None
    crossed = platform_client.get("/api/v1/me/member", headers={**world.alice.headers(), "X-Duoshop-AppID": world.tina.appid})
    assert crossed.status_code == 401 and crossed.get_json()["code"] == "not_authenticated"


def test_signing_in_awards_once_a_day_and_again_is_already_signed_in(world, platform_client):
    first = api(platform_client, "POST", "/me/sign-in", world.alice)
    assert first.status_code == 200, first.get_json()
    assert first.get_json()["points_awarded"] == 5 and first.get_json()["points"] == 5
    again = api(platform_client, "POST", "/me/sign-in", world.alice, headers={"Accept-Language": "zh-CN"})
    assert again.status_code == 409 and again.mimetype == "application/problem+json"
    assert again.get_json()["code"] == "already_signed_in" and "签到" in again.get_json()["detail"]
    assert api(platform_client, "GET", "/me/member", world.alice).get_json()["signed_in_today"] is True
    assert _points_of(world.demo, world.alice.member_id) == (5, 1)
    # another member of the store, and tea's member, sign in on their own
    assert api(platform_client, "POST", "/me/sign-in", world.bob).status_code == 200
    assert api(platform_client, "POST", "/me/sign-in", world.tina).status_code == 200
    assert _points_of(world.demo, world.alice.member_id) == (5, 1)


@pytest.mark.postgres
def test_a_double_tap_on_sign_in_awards_once(world, app):
    """Eight taps at the same moment, each its own request and transaction: one award."""
    barrier = threading.Barrier(8, timeout=60)
    statuses = []

    def tap():
        client = app.test_client(host="duoshop.test")
        barrier.wait()
        statuses.append(api(client, "POST", "/me/sign-in", world.alice).status_code)

    threads = [threading.Thread(target=tap) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200] + [409] * 7
    assert _points_of(world.demo, world.alice.member_id) == (5, 1)


def test_the_points_ledger_pages_newest_first_each_entry_once(world, platform_client):
    with tenant_context(world.demo.id):
        member = db.session.get(Member, world.alice.member_id)
        for days_ago in range(5):
            sign_in(member, now=utcnow() - timedelta(days=days_ago + 1))
        db.session.commit()
    seen, cursor = [], None
    while True:
        page = api(platform_client, "GET", "/me/points", world.alice, query_string={"limit": 2, **(
            {"cursor": cursor} if cursor else {})})
        assert page.status_code == 200, page.get_json()
        seen += page.get_json()["items"]
        cursor = page.get_json()["next_cursor"]
        if not cursor:
            break
    assert len(seen) == 5 and [e["id"] for e in seen] == sorted((e["id"] for e in seen), reverse=True)
    assert {e["reason"] for e in seen} == {"sign_in"} and seen[0]["balance_after"] == 25
    assert api(platform_client, "GET", "/me/points", world.bob).get_json() == {"items": [], "next_cursor": None}
    assert api(platform_client, "GET", "/me/points", world.tina).get_json()["items"] == []
    forged = api(platform_client, "GET", "/me/balance", world.alice, query_string={"cursor": "nope"})
    assert forged.status_code == 400 and forged.get_json()["invalid_params"][0]["name"] == "cursor"


def test_topping_up_gives_request_payment_params_for_the_mini_program_and_credits_once_paid(
        world, platform_client, wechat):
    with tenant_context(world.demo.id):
        settings = member_settings()
        settings.top_up_bonuses = [[10000, 1000], [50000, 8000]]
        if settings.id is None:
            db.session.add(settings)
        db.session.commit()
    plans = platform_client.get("/api/v1/top-ups", headers={"X-Duoshop-AppID": world.alice.appid}).get_json()
    assert plans["items"] == [{"id": 1, "amount": 10000, "bonus": 1000}, {"id": 2, "amount": 50000, "bonus": 8000}]
    with tenant_context(world.tea.id):
        assert db.session.scalar(select(MemberSettings)) is None  # demo's rules are demo's
    assert platform_client.get("/api/v1/top-ups", headers={"X-Duoshop-AppID": world.tina.appid}).get_json()["items"] == []

    started = api(platform_client, "POST", "/top-ups", world.alice, json={"plan_id": 1})
    assert started.status_code == 201, started.get_json()
    body = started.get_json()
    params = body["payment"]["params"]
    assert params["appId"] == world.alice.appid and params["package"].startswith("prepay_id=") and params["paySign"]
    assert (body["amount"], body["bonus"]) == (10000, 1000)

    status_path = f"/top-ups/{body['top_up_no']}"
    assert api(platform_client, "GET", status_path, world.alice).get_json()["status"] == "pending"
    trade, _status = wechat.pay_transaction(body["top_up_no"], send=False)
    checked = api(platform_client, "GET", status_path, world.alice)  # asks WeChat before its notification comes
    assert checked.status_code == 200, checked.get_json()
    assert (checked.get_json()["status"], checked.get_json()["balance"]) == ("paid", 11000)
    headers, notification = wechat.payment_notification(trade)
    assert platform_client.post(f"/payments/wechatpay/notify/{world.demo.id}", data=notification,
                                headers=headers).status_code == 204
    assert api(platform_client, "GET", "/me/member", world.alice).get_json()["balance"] == 11000
    assert api(platform_client, "GET", status_path, world.bob).status_code == 404
    assert api(platform_client, "GET", status_path, world.tina).status_code == 404
    ledger = api(platform_client, "GET", "/me/balance", world.alice).get_json()["items"]
    assert [(e["delta"], e["reason"]) for e in ledger] == [(11000, "top_up")]
    assert api(platform_client, "GET", "/me/balance", world.tina).get_json()["items"] == []


@pytest.mark.parametrize("body", [{}, {"plan_id": 1, "amount": 100}, {"amount": 0}, {"plan_id": 9},
                                  {"amount": True, "plan_id": None},  # schemathesis: true was taken for 1 fen
                                  {"amount": "100"}])
def test_a_top_up_names_one_plan_or_an_amount(world, platform_client, body):
    refused = api(platform_client, "POST", "/top-ups", world.alice, json=body)
    assert refused.status_code == 400 and refused.get_json()["invalid_params"]


def test_member_endpoints_need_a_token(world, platform_client):
    for method, path in (("GET", "/me/member"), ("GET", "/me/points"), ("POST", "/me/sign-in"), ("POST", "/top-ups")):
        answer = platform_client.open(f"/api/v1{path}", method=method, headers={"X-Duoshop-AppID": world.alice.appid},
                                      json={"amount": 100} if method == "POST" else None)
        assert answer.status_code == 401, path
