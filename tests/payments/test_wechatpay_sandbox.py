"""The WeChat Pay sandbox speaks v3 well enough for the real ``wechatpayv3`` SDK: it checks
merchant signatures, signs its answers, and keeps orders and refunds by WeChat's rules.
Requests go over real HTTP on 127.0.0.1."""
import json

import pytest
from wechatpayv3 import WeChatPay, WeChatPayType
from wechatpayv3.utils import build_authorization, load_private_key

from core.config import ConfigError
from sandbox.wechatpay import Sandbox
from sandbox.wechatpay.testing import NotificationInbox, running_sandbox, serving

MCHID, APPID = "1900000101", "wx0000000000000101"


@pytest.fixture(scope="module")
def sandbox_at():
    with running_sandbox(Sandbox()) as (sandbox, base_url):
        yield sandbox, base_url


@pytest.fixture(scope="module")
def merchant(sandbox_at):
    sandbox, _ = sandbox_at
    keys, apiv3_key = sandbox.create_merchant(MCHID)
    return keys, apiv3_key


def sdk_client(sandbox_at, keys, apiv3_key, mchid=MCHID, partner_mode=False):
    sandbox, base_url = sandbox_at
    client = WeChatPay(wechatpay_type=WeChatPayType.NATIVE, mchid=mchid, private_key=keys.private_pem,
                       cert_serial_no=keys.serial_no, appid=APPID, apiv3_key=apiv3_key,
                       notify_url="http://127.0.0.1:9/notify", partner_mode=partner_mode, timeout=(3, 10),
                       public_key=sandbox.platform_key.public_pem,
                       public_key_id=sandbox.platform_key.public_key_id)
    client._core._gate_way = base_url  # the gateway does this in point_sdk_at; here the raw SDK is under test
    return client


@pytest.fixture
def client(sandbox_at, merchant):
    return sdk_client(sandbox_at, *merchant)


def test_the_sdk_accepts_the_sandboxs_signed_answer_to_a_native_prepay(client):
    code, text = client.pay(description="Tea", out_trade_no="N-1", amount={"total": 100})
    assert code == 200
    assert json.loads(text)["code_url"].startswith("weixin://wxpay/bizpayurl?pr=")


def test_paying_then_querying_shows_the_transaction(client, sandbox_at):
    sandbox, _ = sandbox_at
    client.pay(description="Tea", out_trade_no="N-2", amount={"total": 250})
    sandbox.pay_transaction("N-2", send=False)
    code, text = client.query(out_trade_no="N-2")
    answer = json.loads(text)
    assert code == 200 and answer["trade_state"] == "SUCCESS" and answer["transaction_id"]
    assert answer["amount"] == {"total": 250, "currency": "CNY", "payer_total": 250, "payer_currency": "CNY"}


def test_a_failed_payment_leaves_the_order_in_payerror(client, sandbox_at):
    sandbox, _ = sandbox_at
    client.pay(description="Tea", out_trade_no="N-3", amount={"total": 100})
    trade, delivered = sandbox.pay_transaction("N-3", outcome="FAIL")
    assert delivered is None  # WeChat sends no notification for a failed payment
    assert json.loads(client.query(out_trade_no="N-3")[1])["trade_state"] == "PAYERROR"


def test_a_request_signed_with_another_key_gets_401(sandbox_at, merchant):
    from sandbox.wechatpay.keys import MerchantKeyPair

    _, apiv3_key = merchant
    impostor = MerchantKeyPair.generate()
    forged = MerchantKeyPair(impostor.private_pem, impostor.public_pem, merchant[0].serial_no)
    code, text = sdk_client(sandbox_at, forged, apiv3_key).pay(description="x", out_trade_no="F-1",
                                                                amount={"total": 1})
    assert code == 401 and json.loads(text)["code"] == "SIGN_ERROR"


def test_a_request_without_authorization_gets_401(sandbox_at):
    import requests

    _, base_url = sandbox_at
    response = requests.get(f"{base_url}/v3/pay/transactions/out-trade-no/N-1?mchid={MCHID}", timeout=5)
    assert response.status_code == 401 and response.json()["code"] == "SIGN_ERROR"


def test_an_unknown_merchant_gets_401(sandbox_at, merchant):
    code, _ = sdk_client(sandbox_at, *merchant, mchid="1999999999").query(out_trade_no="N-1")
    assert code == 401


def test_closing_an_unpaid_order_answers_204_and_a_paid_one_orderpaid(client, sandbox_at):
    sandbox, _ = sandbox_at
    client.pay(description="Tea", out_trade_no="C-1", amount={"total": 100})
    assert client.close(out_trade_no="C-1")[0] == 204
    assert json.loads(client.query(out_trade_no="C-1")[1])["trade_state"] == "CLOSED"
    client.pay(description="Tea", out_trade_no="C-2", amount={"total": 100})
    sandbox.pay_transaction("C-2", send=False)
    code, text = client.close(out_trade_no="C-2")
    assert code == 400 and json.loads(text)["code"] == "ORDERPAID"


def test_refunds_add_up_to_the_paid_amount_and_no_further(client, sandbox_at):
    sandbox, _ = sandbox_at
    client.pay(description="Tea", out_trade_no="R-1", amount={"total": 1000})
    sandbox.pay_transaction("R-1", send=False)
    first = client.refund(out_refund_no="R-1-a", amount={"refund": 600, "total": 1000, "currency": "CNY"},
                          out_trade_no="R-1")
    second = client.refund(out_refund_no="R-1-b", amount={"refund": 400, "total": 1000, "currency": "CNY"},
                           out_trade_no="R-1")
    over = client.refund(out_refund_no="R-1-c", amount={"refund": 1, "total": 1000, "currency": "CNY"},
                         out_trade_no="R-1")
    assert first[0] == second[0] == 200 and json.loads(first[1])["status"] == "PROCESSING"
    assert over[0] == 400 and json.loads(over[1])["code"] == "INVALID_REQUEST"
    code, text = client.query_refund(out_refund_no="R-1-a")
    assert code == 200 and json.loads(text)["amount"]["refund"] == 600


def test_an_unknown_order_is_order_not_exist(client):
    code, text = client.query(out_trade_no="nothing-here")
    assert code == 404 and json.loads(text)["code"] == "ORDER_NOT_EXIST"


def test_the_payment_notification_reaches_notify_url_and_the_sdk_accepts_it(client, sandbox_at):
    sandbox, _ = sandbox_at
    inbox = NotificationInbox()
    with serving(inbox) as notify_base:
        client.pay(description="Tea", out_trade_no="P-1", amount={"total": 300}, notify_url=f"{notify_base}/notify")
        _, delivered = sandbox.pay_transaction("P-1")
    assert delivered == 204 and len(inbox.received) == 1
    headers, body = inbox.received[0]
    envelope = client.callback(headers, body)
    assert envelope["event_type"] == "TRANSACTION.SUCCESS"
    assert envelope["resource"]["out_trade_no"] == "P-1" and envelope["resource"]["trade_state"] == "SUCCESS"


def test_a_settled_refund_sends_refund_success(client, sandbox_at):
    sandbox, _ = sandbox_at
    client.pay(description="Tea", out_trade_no="RN-1", amount={"total": 500})
    sandbox.pay_transaction("RN-1", send=False)
    inbox = NotificationInbox()
    with serving(inbox) as notify_base:
        client.refund(out_refund_no="RN-1-a", amount={"refund": 500, "total": 500, "currency": "CNY"},
                      out_trade_no="RN-1", notify_url=f"{notify_base}/refund")
        refund = sandbox.ledger.find_refund(MCHID, None, "RN-1-a")
        sandbox.complete_refund(refund)
    envelope = client.callback(*inbox.received[0])
    assert envelope["event_type"] == "REFUND.SUCCESS" and envelope["resource"]["refund_status"] == "SUCCESS"
    assert json.loads(client.query_refund(out_refund_no="RN-1-a")[1])["status"] == "SUCCESS"


# -- mounted in Duoshop ------------------------------------------------------------------

SANDBOX = "/sandbox/wechatpay"


def test_duoshop_mounts_the_sandbox_on_the_platform_host_only(platform_client, store_client):
    page = platform_client.get(f"{SANDBOX}/")
    assert page.status_code == 200 and "WeChat Pay sandbox" in page.get_data(as_text=True)
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert store_client("demo").get(f"{SANDBOX}/").status_code == 404


def test_the_sandbox_answers_only_this_machine(platform_client):
    response = platform_client.get(f"{SANDBOX}/", environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert response.status_code == 404


def test_the_mounted_api_checks_signatures_under_its_prefix(app, platform_client):
    path = "/v3/pay/transactions/native"
    body = json.dumps({"mchid": app.config["WECHATPAY_SP_MCHID"], "appid": app.config["WECHATPAY_SP_APPID"],
                       "description": "Tea", "out_trade_no": "M-1", "notify_url": "http://127.0.0.1:9/n",
                       "amount": {"total": 100}})
    authorization = build_authorization(path, "POST", app.config["WECHATPAY_SP_MCHID"],
                                        app.config["WECHATPAY_SP_CERT_SERIAL_NO"],
                                        load_private_key(app.config["WECHATPAY_SP_PRIVATE_KEY"]), data=body)
    signed = platform_client.post(SANDBOX + path, data=body, content_type="application/json",
                                  headers={"Authorization": authorization})
    unsigned = platform_client.post(SANDBOX + path, data=body, content_type="application/json")
    assert signed.status_code == 200 and signed.json["code_url"]
    assert signed.headers["Wechatpay-Serial"] == app.config["WECHATPAY_PUBLIC_KEY_ID"]
    assert unsigned.status_code == 401


def test_the_developer_page_pays_a_pending_order(app, platform_client):
    sandbox = app.extensions["wechatpay_sandbox"]
    from sandbox.wechatpay.ledger import Transaction

    trade = sandbox.ledger.prepay(Transaction(app.config["WECHATPAY_SP_MCHID"], None, "wx1", None, "PG-1",
                                              "NATIVE", "Tea", 100, "http://127.0.0.1:9/notify"))
    assert "PG-1" in platform_client.get(f"{SANDBOX}/").get_data(as_text=True)
    response = platform_client.post(f"{SANDBOX}/checkout/{trade.prepay_id}", data={"outcome": "SUCCESS"})
    assert response.status_code == 302 and trade.trade_state == "SUCCESS"
    assert "PG-1" not in platform_client.get(f"{SANDBOX}/").get_data(as_text=True)


def test_production_refuses_the_sandbox(app_overrides):
    from duoshop.app import create_app

    settings = {"SECRET_KEY": "k" * 48, "SQLALCHEMY_DATABASE_URI": "postgresql://app@db/duoshop",
                "PII_ENCRYPTION_KEY": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=", "WECHATPAY_SANDBOX": True,
                **{key: app_overrides[key] for key in ("RATELIMIT_STORAGE_URI", "RATELIMIT_KEY_PREFIX")}}
    with pytest.raises(ConfigError, match="WECHATPAY_SANDBOX"):
        create_app("production", overrides=settings)
