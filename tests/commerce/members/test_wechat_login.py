"""Shoppers signing in with WeChat, through the WeChat sandbox served over real HTTP: the
in-app browser's OAuth round trip, the state check, one member per store for the same
WeChat user, the guest cart coming along, the silent login before a JSAPI payment, the
mini-program's code → token → API call, and binding a mobile number."""
import time
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from itsdangerous import TimestampSigner
from sqlalchemy import select, text

from commerce.members.models import Member
from commerce.members.wechat_auth import WeChatLoginError, code2session, exchange_oauth_code
from commerce.orders.models import Cart, CartItem
from core.extensions import db
from core.tenancy import tenant_context
from sandbox.wechat import EXTENSION, create_sandbox_app
from sandbox.wechatpay.testing import serving
from tenants.models import MiniProgram
from tests.commerce.orders.test_checkout_and_pay import add_to_cart, check_out, the_order
from tests.conftest import CSRF_RE, csrf_from

IN_WECHAT = {"User-Agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0) Mobile/15E148 MicroMessenger/8.0.50 "
                           "NetType/WIFI Language/zh_CN", "Accept-Language": "en"}
DESKTOP = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/130", "Accept-Language": "en"}
MINI_APPID, MINI_SECRET = "wx00000000000000a1", "mini-program-secret-a1"
TEA_APPID, TEA_SECRET = "wx00000000000000b2", "mini-program-secret-b2"


@pytest.fixture
def wechat_login(app):
    """The app's own WeChat login sandbox, answering over HTTP on 127.0.0.1."""
    sandbox = app.extensions[EXTENSION]
    with serving(create_sandbox_app(sandbox)) as base_url:
        previous = app.config["WECHAT_API_BASE_URL"], app.config["WECHAT_OPEN_BASE_URL"]
        app.config["WECHAT_API_BASE_URL"] = app.config["WECHAT_OPEN_BASE_URL"] = base_url
        yield sandbox
        app.config["WECHAT_API_BASE_URL"], app.config["WECHAT_OPEN_BASE_URL"] = previous


def allow_at_wechat(authorize_url, **choice):
    """The shopper on WeChat's consent page: ``user_id=…`` or ``nickname=…`` (a new user)."""
    answer = requests.post(authorize_url.split("#")[0], data=choice, allow_redirects=False, timeout=5)
    assert answer.status_code == 302, answer.text
    return answer.headers["Location"]


def back_from_wechat(client, callback_url, headers=IN_WECHAT):
    parts = urlparse(callback_url)
    assert parts.netloc == client.host and parts.path == "/login/callback"
    return client.get(f"{parts.path}?{parts.query}", headers=headers)


def start_login(client, headers=IN_WECHAT, next_page="", consents=("agree",)):
    """The sign-in page posted with ``consents`` ticked; returns its answer (302 to WeChat)."""
    page = client.get(f"/login?next={next_page}" if next_page else "/login", headers=headers)
    assert page.status_code == 200, page.get_data(as_text=True)
    token = CSRF_RE.search(page.get_data(as_text=True)).group(1)
    return client.post("/login", data={"csrf_token": token, "next": next_page, **{name: "y" for name in consents}},
                       headers=headers)


def log_in(client, headers=IN_WECHAT, consents=("agree",), **choice):
    """The whole round trip; returns the final redirect from our callback."""
    to_wechat = start_login(client, headers, consents=consents)
    assert to_wechat.status_code == 302, to_wechat.get_data(as_text=True)
    return back_from_wechat(client, allow_at_wechat(to_wechat.location, **choice or {"nickname": "小明"}), headers)


def members(store):
    with tenant_context(store.id):
        db.session.expire_all()
        found = db.session.scalars(select(Member).order_by(Member.id)).all()
        for member in found:  # read outside the store's context (where PostgreSQL's RLS hides the row) as loaded
            db.session.expunge(member)
        return found


def test_login_in_wechat_goes_through_oauth_and_makes_a_member_with_the_nickname(shop, store_client, wechat_login):
    demo, *_ = shop
    shopper = store_client("demo")
    to_wechat = start_login(shopper, next_page="/cart")
    query = parse_qs(urlparse(to_wechat.location).query)
    assert query["scope"] == ["snsapi_userinfo"] and query["redirect_uri"] == ["http://demo.duoshop.test/login/callback"]
    landed = back_from_wechat(shopper, allow_at_wechat(to_wechat.location, nickname="小明"))
    assert landed.status_code == 302 and landed.location == "/cart"
    (member,) = members(demo)
    assert member.nickname == "小明" and member.openid.startswith("o")
    assert shopper.get("/login", headers=IN_WECHAT).status_code == 302  # signed in: no second trip

    again = store_client("demo")  # the same WeChat user on another phone finds the same member
    log_in(again, user_id=str(max(wechat_login.users)))  # the user made above: the sandbox outlives a test
    assert len(members(demo)) == 1


def test_outside_wechat_the_login_page_explains_and_offers_the_sandbox(shop, store_client, wechat_login):
    page = store_client("demo").get("/login", headers=DESKTOP)
    assert page.status_code == 200
    assert 'action="/login"' in page.get_data(as_text=True) and "sandbox" in page.get_data(as_text=True)


@pytest.mark.parametrize("started", [True, False])
def test_a_callback_with_another_state_is_refused(shop, store_client, wechat_login, started):
    demo, *_ = shop
    shopper = store_client("demo")
    if started:
        to_wechat = start_login(shopper)
        callback = allow_at_wechat(to_wechat.location, nickname="小明")
        forged = callback.replace("state=", "state=x")
    else:  # an attacker's own code and state, sent to a victim who started nothing
        other = store_client("demo")
        forged = allow_at_wechat(start_login(other).location, nickname="攻击者")
    refused = back_from_wechat(shopper, forged)
    assert refused.status_code == 400 and "Sign in again" in refused.get_data(as_text=True)
    assert members(demo) == []


def test_denying_consent_returns_to_the_login_page(shop, store_client, wechat_login):
    shopper = store_client("demo")
    landed = log_in(shopper, decision="deny")
    assert landed.status_code == 302 and landed.location.startswith("/login")


def test_the_same_wechat_user_in_two_stores_is_two_members_sharing_nothing(shop, store_client, wechat_login):
    demo, tea, *_ = shop
    user = wechat_login.create_user("小红")
    in_demo, in_tea = store_client("demo"), store_client("tea")
    log_in(in_demo, user_id=str(user.id))
    token = csrf_from(in_demo, "/account/phone")
    in_demo.post("/account/phone", data={"csrf_token": token, "phone": "13812345678"}, headers=IN_WECHAT)
    log_in(in_tea, user_id=str(user.id))
    (demo_member,), (tea_member,) = members(demo), members(tea)
    assert demo_member.phone == "13812345678" and tea_member.phone is None
    assert (demo_member.tenant_id, tea_member.tenant_id) == (demo.id, tea.id)
    assert "138" not in in_tea.get("/account/phone", headers=IN_WECHAT).get_data(as_text=True)
    # Two stores' mini-programs are two AppIDs: WeChat gives the user a different openid in each.
    assert wechat_login.openid(MINI_APPID, user.id) != wechat_login.openid(TEA_APPID, user.id)


def test_the_guest_cart_comes_along_at_login(shop, store_client, wechat_login):
    demo, _tea, product_id, sku_id = shop
    shopper = store_client("demo")
    add_to_cart(shopper, product_id, sku_id, quantity=2, headers=IN_WECHAT)
    log_in(shopper)
    (member,) = members(demo)
    with tenant_context(demo.id):
        cart = db.session.scalar(select(Cart).where(Cart.member_id == member.id))
        assert [line.quantity for line in db.session.scalars(select(CartItem).where(CartItem.cart_id == cart.id))] == [2]
    assert "¥100.00" in shopper.get("/cart", headers=IN_WECHAT).get_data(as_text=True)


def test_paying_in_wechat_signs_the_guest_in_silently_so_jsapi_has_an_openid(shop, store_client, wechat_login,
                                                                           wechat):
    demo, _tea, product_id, sku_id = shop
    shopper = store_client("demo")
    add_to_cart(shopper, product_id, sku_id, headers=IN_WECHAT)
    check_out(shopper, headers=IN_WECHAT)
    order = the_order(demo)
    to_login = shopper.get(f"/orders/{order.number}/pay", headers=IN_WECHAT)
    assert to_login.status_code == 302 and "/login/wechat" in to_login.location and "scope=base" in to_login.location
    to_wechat = shopper.get(to_login.location, headers=IN_WECHAT)
    assert parse_qs(urlparse(to_wechat.location).query)["scope"] == ["snsapi_base"]
    back = back_from_wechat(shopper, allow_at_wechat(to_wechat.location, nickname="买家"))
    assert back.location == f"/orders/{order.number}/pay"
    (member,) = members(demo)  # the guest made at checkout took the openid: the order is still theirs
    assert member.openid and member.nickname is None

    token = csrf_from(shopper, back.location)
    page = shopper.post(back.location, data={"csrf_token": token}, headers=IN_WECHAT)
    assert page.status_code == 200 and "data-wechat-pay" in page.get_data(as_text=True)  # JSAPI, not a QR code


def test_the_api_logs_a_mini_program_user_in_and_reads_the_member(shop, platform_client, wechat_login):
    demo, tea, *_ = shop
    for store, appid, secret in ((demo, MINI_APPID, MINI_SECRET), (tea, TEA_APPID, TEA_SECRET)):
        with tenant_context(store.id):
            db.session.add(MiniProgram(appid=appid, secret=secret))
            db.session.commit()
        wechat_login.register_app(appid, secret)
    user = wechat_login.create_user("小程序用户")
    code = wechat_login.issue_code(MINI_APPID, user.id, "snsapi_base")
    answer = platform_client.post("/api/v1/session", json={"code": code}, headers={"X-Duoshop-AppID": MINI_APPID})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    body = answer.get_json()
    assert body["token_type"] == "Bearer" and body["member"]["has_phone"] is False
    assert "session_key" not in answer.get_data(as_text=True)
    (member,) = members(demo)
    assert member.openid == wechat_login.openid(MINI_APPID, user.id)

    auth = {"X-Duoshop-AppID": MINI_APPID, "Authorization": f"Bearer {body['token']}"}
    me = platform_client.get("/api/v1/me", headers=auth)
    assert me.status_code == 200 and me.get_json()["id"] == member.id
    assert "private" in me.headers["Cache-Control"]

    reused = platform_client.post("/api/v1/session", json={"code": code}, headers={"X-Duoshop-AppID": MINI_APPID})
    assert reused.status_code == 422 and reused.mimetype == "application/problem+json"
    # demo's token in tea's mini-program names nobody there.
    other_store = platform_client.get("/api/v1/me", headers={**auth, "X-Duoshop-AppID": TEA_APPID})
    assert other_store.status_code == 401


def test_session_needs_a_code_and_a_configured_mini_program(shop, platform_client, wechat_login):
    demo, *_ = shop
    with tenant_context(demo.id):
        db.session.add(MiniProgram(appid=MINI_APPID))  # bound for routing, no AppSecret
        db.session.commit()
    headers = {"X-Duoshop-AppID": MINI_APPID}
    missing = platform_client.post("/api/v1/session", json={}, headers=headers)
    assert missing.status_code == 400 and missing.get_json()["invalid_params"][0]["name"] == "code"
    unconfigured = platform_client.post("/api/v1/session", json={"code": "abc"}, headers=headers)
    assert unconfigured.status_code == 422 and "AppSecret" in unconfigured.get_json()["detail"]


@pytest.mark.parametrize("token", ["", "not-a-token", "eyJtIjoxfQ.forged.signature"])
def test_a_missing_or_forged_token_is_401_problem_json(shop, store_client, token):
    answer = store_client("demo").get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 401 and answer.mimetype == "application/problem+json"
    assert answer.get_json()["status"] == 401


def test_an_expired_token_is_401(shop, store_client, monkeypatch):
    demo, *_ = shop
    from commerce.members.wechat_login import API_TOKEN_MAX_AGE, issue_api_token

    with tenant_context(demo.id):
        member = Member(openid="o-expired")
        db.session.add(member)
        db.session.commit()
        issued_long_ago = int(time.time()) - API_TOKEN_MAX_AGE - 60
        monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: issued_long_ago)
        token = issue_api_token(member)
        monkeypatch.undo()
    answer = store_client("demo").get("/api/v1/me", headers={"Authorization": f"Bearer {token}", "Accept-Language": "en"})
    assert answer.status_code == 401 and "expired" in answer.get_json()["detail"]


@pytest.mark.parametrize("phone", ["1381234567", "23812345678", "138123456789", "phone", ""])
def test_phone_binding_refuses_what_is_not_an_11_digit_mobile(shop, store_client, wechat_login, phone):
    demo, *_ = shop
    shopper = store_client("demo")
    log_in(shopper)
    token = csrf_from(shopper, "/account/phone")
    refused = shopper.post("/account/phone", data={"csrf_token": token, "phone": phone}, headers=IN_WECHAT)
    assert refused.status_code == 422 and "11-digit" in refused.get_data(as_text=True)
    assert members(demo)[0].phone is None


def test_a_bound_phone_is_stored_encrypted_and_shown_masked(shop, store_client, wechat_login, owner_engine):
    demo, *_ = shop
    shopper = store_client("demo")
    assert shopper.get("/account/phone", headers=IN_WECHAT).status_code == 302  # signed out: to /login
    log_in(shopper)
    token = csrf_from(shopper, "/account/phone")
    saved = shopper.post("/account/phone", data={"csrf_token": token, "phone": "+86 139-1234-5678"}, headers=IN_WECHAT)
    assert saved.status_code == 302
    assert members(demo)[0].phone == "13912345678"
    with owner_engine.connect() as conn:
        assert "13912345678" not in conn.execute(text("SELECT phone FROM members")).scalar()
    page = shopper.get("/account/phone", headers=IN_WECHAT).get_data(as_text=True)
    assert "13912345678" not in page and "5678" in page


def test_logout_ends_the_member_session(shop, store_client, wechat_login):
    shopper = store_client("demo")
    log_in(shopper)
    token = csrf_from(shopper, "/account/phone")
    assert shopper.post("/logout", data={"csrf_token": token}, headers=IN_WECHAT).status_code == 302
    assert shopper.get("/account/phone", headers=IN_WECHAT).status_code == 302


def test_wechat_refusals_become_wechat_login_errors(app_ctx, wechat_login):
    with pytest.raises(WeChatLoginError) as refused:
        exchange_oauth_code(app_ctx.config["WECHAT_OA_APPID"], app_ctx.config["WECHAT_OA_SECRET"], "no-such-code")
    assert refused.value.errcode == 40029
    wechat_login.register_app(MINI_APPID, MINI_SECRET)
    code = wechat_login.issue_code(MINI_APPID, wechat_login.create_user("x").id, "snsapi_base")
    with pytest.raises(WeChatLoginError) as wrong_secret:
        code2session(MINI_APPID, "wrong-secret", code)
    assert wrong_secret.value.errcode == 40125


def test_wechat_unreachable_is_a_clear_error(app_ctx):
    previous = app_ctx.config["WECHAT_API_BASE_URL"]
    app_ctx.config["WECHAT_API_BASE_URL"] = "http://127.0.0.1:9"  # nothing listens on the discard port
    try:
        with pytest.raises(WeChatLoginError) as refused:
            code2session(MINI_APPID, MINI_SECRET, "code")
        assert refused.value.status == 502
    finally:
        app_ctx.config["WECHAT_API_BASE_URL"] = previous
