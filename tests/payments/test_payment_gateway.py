"""The payments gateway over the real wechatpayv3 SDK, against the sandbox served over
HTTP on 127.0.0.1: both account modes, every payment kind, refunds, notifications."""
import base64
import itertools
import time

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from wechatpayv3 import WeChatPay, WeChatPayType

from payments import (
    InvalidNotification,
    MerchantKeys,
    PayAccount,
    PaymentError,
    close_payment,
    create_h5_payment,
    create_jsapi_payment,
    create_native_payment,
    parse_notification,
    query_payment,
    query_refund,
    refund_payment,
)
from payments.gateway import SDK_BASE_URL, client_for, point_sdk_at
from sandbox.wechatpay import Sandbox
from sandbox.wechatpay.keys import MerchantKeyPair
from sandbox.wechatpay.testing import NotificationInbox, running_sandbox, serving

NOTIFY_URL = "http://127.0.0.1:9/notify"  # nothing listens: these tests build notifications instead


@pytest.fixture(scope="module")
def sandbox_at():
    with running_sandbox(Sandbox()) as served:
        yield served


def register_keys(sandbox, mchid, appid):
    pair, apiv3_key = sandbox.create_merchant(mchid)
    return MerchantKeys(mchid=mchid, appid=appid, private_key=pair.private_pem, cert_serial_no=pair.serial_no,
                        apiv3_key=apiv3_key, public_key=sandbox.platform_key.public_pem,
                        public_key_id=sandbox.platform_key.public_key_id), pair


@pytest.fixture(scope="module")
def direct_keys(sandbox_at):
    return register_keys(sandbox_at[0], "1900000201", "wx00000000000store")


@pytest.fixture(scope="module")
def platform_keys(sandbox_at):
    return register_keys(sandbox_at[0], "1900000301", "wx000000000platform")


ACCOUNTS = {
    "direct": lambda direct, platform: PayAccount.direct(direct[0]),
    "partner": lambda direct, platform: PayAccount.service_provider(platform[0], "1900000999"),
    "partner-sub-app": lambda direct, platform: PayAccount.service_provider(platform[0], "1900000998",
                                                                            "wx000000000miniapp"),
}


@pytest.fixture(params=sorted(ACCOUNTS))
def account(request, direct_keys, platform_keys):
    return ACCOUNTS[request.param](direct_keys, platform_keys)


@pytest.fixture(autouse=True)
def wechat_is_the_sandbox(app, sandbox_at, monkeypatch):
    monkeypatch.setitem(app.config, "WECHATPAY_BASE_URL", sandbox_at[1])
    with app.app_context():
        yield


_ORDER_NUMBERS = itertools.count(1)


def order_number():
    return f"GW-{time.time_ns()}-{next(_ORDER_NUMBERS)}"


def public_key_of(account, direct_keys, platform_keys):
    pair = (platform_keys if account.partner_mode else direct_keys)[1]
    return load_pem_public_key(pair.public_pem.encode())


def paid_order(account, sandbox, amount_fen=1000):
    number = order_number()
    create_native_payment(account, out_trade_no=number, description="茶叶", amount_fen=amount_fen,
                          notify_url=NOTIFY_URL)
    sandbox.pay_transaction(number, send=False)
    return number


# -- prepay ----------------------------------------------------------------------------------

def test_jsapi_payment_returns_request_payment_params_signed_by_the_merchant(account, direct_keys, platform_keys):
    params = create_jsapi_payment(account, out_trade_no=order_number(), description="茶叶", amount_fen=1999,
                                  openid="o-shopper", notify_url=NOTIFY_URL)
    assert set(params) == {"appId", "timeStamp", "nonceStr", "package", "signType", "paySign"}
    assert params["package"].startswith("prepay_id=wx") and params["signType"] == "RSA"
    assert params["appId"] == account.payment_appid
    message = "".join(params[name] + "\n" for name in ("appId", "timeStamp", "nonceStr", "package"))
    public_key_of(account, direct_keys, platform_keys).verify(
        base64.b64decode(params["paySign"]), message.encode(), padding.PKCS1v15(), hashes.SHA256())


def test_native_payment_returns_a_code_url(account):
    code_url = create_native_payment(account, out_trade_no=order_number(), description="茶叶", amount_fen=1,
                                     notify_url=NOTIFY_URL)
    assert code_url.startswith("weixin://wxpay/bizpayurl?pr=")


def test_h5_payment_returns_the_sandbox_checkout_page(account, sandbox_at):
    h5_url = create_h5_payment(account, out_trade_no=order_number(), description="茶叶", amount_fen=100,
                               notify_url=NOTIFY_URL, client_ip="203.0.113.7")
    assert h5_url.startswith(sandbox_at[1] + "/checkout/wx")


def test_a_paid_order_cannot_be_prepaid_again(account, sandbox_at):
    number = paid_order(account, sandbox_at[0])
    with pytest.raises(PaymentError) as refused:
        create_native_payment(account, out_trade_no=number, description="茶叶", amount_fen=1000,
                              notify_url=NOTIFY_URL)
    assert refused.value.code == "ORDERPAID" and refused.value.http_status == 400


# -- query and close ---------------------------------------------------------------------------

def test_query_shows_unpaid_then_paid(account, sandbox_at):
    number = order_number()
    create_native_payment(account, out_trade_no=number, description="茶叶", amount_fen=500, notify_url=NOTIFY_URL)
    assert query_payment(account, number).trade_state == "NOTPAY"
    sandbox_at[0].pay_transaction(number, send=False)
    status = query_payment(account, number)
    assert status.was_paid and status.transaction_id and status.amount_fen == status.payer_total_fen == 500


def test_close_makes_an_unpaid_order_closed_and_refuses_a_paid_one(account, sandbox_at):
    number = order_number()
    create_native_payment(account, out_trade_no=number, description="茶叶", amount_fen=500, notify_url=NOTIFY_URL)
    close_payment(account, number)
    assert query_payment(account, number).trade_state == "CLOSED"
    with pytest.raises(PaymentError, match="ORDERPAID"):
        close_payment(account, paid_order(account, sandbox_at[0]))


def test_an_unknown_order_is_a_payment_error(account):
    with pytest.raises(PaymentError) as refused:
        query_payment(account, "no-such-order")
    assert refused.value.code == "ORDER_NOT_EXIST" and refused.value.http_status == 404


# -- refunds -----------------------------------------------------------------------------------

def test_partial_refunds_up_to_the_paid_amount_and_not_a_fen_more(account, sandbox_at):
    number = paid_order(account, sandbox_at[0], amount_fen=1000)
    first = refund_payment(account, out_trade_no=number, out_refund_no=number + "-r1", refund_fen=300,
                           total_fen=1000, reason="少发一件")
    rest = refund_payment(account, out_trade_no=number, out_refund_no=number + "-r2", refund_fen=700,
                          total_fen=1000)
    assert (first.refund_fen, rest.refund_fen, first.status) == (300, 700, "PROCESSING")
    with pytest.raises(PaymentError, match="INVALID_REQUEST"):
        refund_payment(account, out_trade_no=number, out_refund_no=number + "-r3", refund_fen=1, total_fen=1000)
    assert query_refund(account, number + "-r1").refund_id == first.refund_id
    assert query_payment(account, number).trade_state == "REFUND"


def test_a_refund_over_the_paid_amount_is_refused(account, sandbox_at):
    number = paid_order(account, sandbox_at[0], amount_fen=1000)
    with pytest.raises(PaymentError) as refused:
        refund_payment(account, out_trade_no=number, out_refund_no=number + "-r", refund_fen=1001, total_fen=1000)
    assert refused.value.code == "INVALID_REQUEST" and "超过" in refused.value.message


def test_a_full_refund_settles_and_notifies(account, sandbox_at):
    sandbox = sandbox_at[0]
    number = paid_order(account, sandbox, amount_fen=800)
    refund_payment(account, out_trade_no=number, out_refund_no=number + "-all", refund_fen=800, total_fen=800,
                   notify_url=NOTIFY_URL)
    refund, _ = sandbox.complete_refund(sandbox.ledger.find_refund(account.keys.mchid, account.sub_mchid,
                                                                   number + "-all"), send=False)
    assert query_refund(account, number + "-all").status == "SUCCESS"
    envelope = parse_notification(account, *sandbox.refund_notification(refund))
    assert envelope["event_type"] == "REFUND.SUCCESS" and envelope["resource"]["amount"]["refund"] == 800


# -- notifications -----------------------------------------------------------------------------

def test_a_payment_notification_round_trip_is_accepted(account, sandbox_at):
    sandbox, inbox = sandbox_at[0], NotificationInbox()
    number = order_number()
    with serving(inbox) as notify_base:
        create_native_payment(account, out_trade_no=number, description="茶叶", amount_fen=600,
                              notify_url=f"{notify_base}/pay/notify", attach="order:42")
        sandbox.pay_transaction(number)
    envelope = parse_notification(account, *inbox.received[0])
    resource = envelope["resource"]
    assert envelope["event_type"] == "TRANSACTION.SUCCESS"
    assert (resource["out_trade_no"], resource["trade_state"], resource["attach"]) == (number, "SUCCESS", "order:42")
    assert resource["amount"]["total"] == 600
    if account.partner_mode:
        assert resource["sub_mchid"] == account.sub_mchid


@pytest.fixture
def notification(sandbox_at, direct_keys):
    """(account, headers, body) of a genuine payment notification."""
    account, sandbox = PayAccount.direct(direct_keys[0]), sandbox_at[0]
    number = paid_order(account, sandbox)
    trade = sandbox.ledger.find(account.keys.mchid, None, number)
    return account, trade, sandbox


def test_a_tampered_body_is_refused(notification):
    account, trade, sandbox = notification
    headers, body = sandbox.payment_notification(trade)
    with pytest.raises(InvalidNotification):
        parse_notification(account, headers, body.replace('"summary":"支付成功"', '"summary":"支付成功 "'))


def test_a_wrong_signature_is_refused(notification):
    account, trade, sandbox = notification
    headers, body = sandbox.payment_notification(trade)
    forged = dict(headers, **{"Wechatpay-Signature": base64.b64encode(b"x" * 256).decode()})
    with pytest.raises(InvalidNotification):
        parse_notification(account, forged, body)


def test_a_notification_signed_by_another_platform_key_is_refused(notification):
    account, trade, sandbox = notification
    impostor = Sandbox()  # its own platform key, claiming the real key's id
    impostor.platform_key.public_key_id = sandbox.platform_key.public_key_id
    impostor.merchants = sandbox.merchants
    with pytest.raises(InvalidNotification):
        parse_notification(account, *impostor.payment_notification(trade))


def test_a_notification_without_signature_type_is_refused(notification):
    account, trade, sandbox = notification
    headers, body = sandbox.payment_notification(trade)
    del headers["Wechatpay-Signature-Type"]
    with pytest.raises(InvalidNotification):
        parse_notification(account, headers, body)


def test_a_six_minute_old_notification_is_refused_as_a_replay(notification):
    account, trade, sandbox = notification
    headers, body = sandbox.payment_notification(trade, timestamp=time.time() - 360)
    with pytest.raises(InvalidNotification, match="five minutes"):
        parse_notification(account, headers, body)


def test_lowercase_header_names_are_accepted(notification):
    account, trade, sandbox = notification
    headers, body = sandbox.payment_notification(trade)
    lowered = {name.lower(): value for name, value in headers.items()}
    assert parse_notification(account, lowered, body.encode())["resource"]["out_trade_no"] == trade.out_trade_no


# -- failures ----------------------------------------------------------------------------------

def test_a_wrong_merchant_signature_gets_401_and_surfaces_as_payment_error(direct_keys):
    keys, pair = direct_keys
    impostor = MerchantKeyPair.generate()
    forged = PayAccount.direct(MerchantKeys(keys.mchid, keys.appid, impostor.private_pem, pair.serial_no,
                                            keys.apiv3_key, keys.public_key, keys.public_key_id))
    with pytest.raises(PaymentError) as refused:
        query_payment(forged, "anything")
    assert (refused.value.http_status, refused.value.code) == (401, "SIGN_ERROR")
    assert "Traceback" not in refused.value.message


def test_an_unreachable_wechat_is_a_clear_payment_error(app, direct_keys, monkeypatch):
    monkeypatch.setitem(app.config, "WECHATPAY_BASE_URL", "http://127.0.0.1:9")
    with pytest.raises(PaymentError, match="Could not reach WeChat Pay") as refused:
        query_payment(PayAccount.direct(direct_keys[0]), "anything")
    assert refused.value.code is None and "127.0.0.1" not in refused.value.message


def test_clients_are_cached_per_keys_and_mode_and_always_have_a_timeout(direct_keys, platform_keys):
    direct = PayAccount.direct(direct_keys[0])
    assert client_for(direct) is client_for(PayAccount.direct(direct_keys[0]))
    partner_a = PayAccount.service_provider(platform_keys[0], "1900000999")
    partner_b = PayAccount.service_provider(platform_keys[0], "1900000888")
    assert client_for(partner_a) is client_for(partner_b) is not client_for(direct)
    assert client_for(partner_a)._partner_mode and client_for(direct)._core._timeout


def test_sdk_still_keeps_its_base_url_where_point_sdk_at_changes_it(direct_keys):
    """If a wechatpayv3 upgrade moves ``_core._gate_way``, this fails before anything
    could talk to the real WeChat Pay from a development machine."""
    keys = direct_keys[0]
    client = WeChatPay(wechatpay_type=WeChatPayType.JSAPI, mchid=keys.mchid, private_key=keys.private_key,
                       cert_serial_no=keys.cert_serial_no, appid=keys.appid, apiv3_key=keys.apiv3_key,
                       public_key=keys.public_key, public_key_id=keys.public_key_id, timeout=(1, 1))
    assert client._core._gate_way == SDK_BASE_URL
    assert point_sdk_at(client, "http://127.0.0.1:1/x/")._core._gate_way == "http://127.0.0.1:1/x"
    del client._core._gate_way
    with pytest.raises(RuntimeError, match="_gate_way"):
        point_sdk_at(client, "http://127.0.0.1:1")


def test_request_bodies_carry_the_sdk_json_unchanged(direct_keys, sandbox_at):
    """The sandbox verifies the signature over the exact bytes: a non-ASCII description
    must survive the SDK's json.dumps and requests' encoding alike."""
    account = PayAccount.direct(direct_keys[0])
    number = order_number()
    create_native_payment(account, out_trade_no=number, description="龙井 · 明前", amount_fen=1,
                          notify_url=NOTIFY_URL)
    assert sandbox_at[0].ledger.find(account.keys.mchid, None, number).description == "龙井 · 明前"
