"""The shared WeChat Pay sandbox: one server (``python -m sandbox.wechatpay``) that every
app process pays against, with the platform key pinned from configuration, merchant
registration over its control API, and fault switches for the fault harness.

The server runs for real in a subprocess; the "processes" are separate Flask apps built by
``create_app`` the way gunicorn workers and ``flask worker`` build theirs."""
import json
import os
import subprocess
import sys

import pytest
import requests

from core.config import ConfigError
from core.tenancy import tenant_context
from duoshop.app import create_app
from payments import PaymentError, create_native_payment, query_payment, query_refund, refund_payment
from payments.accounts import MerchantKeys, PayAccount, platform_keys
from payments.pay_page import wechat_pay_view
from payments.settings import save_direct_account
from sandbox.wechatpay.blueprint import EXTENSION
from sandbox.wechatpay.keys import MerchantKeyPair
from sandbox.wechatpay.remote import RemoteSandbox
from sandbox.wechatpay.testing import NotificationInbox, serving
from tests.factories import create_store

SEED = "shared-sandbox-test"


@pytest.fixture(scope="module")
def shared_sandbox():
    """The server in its own process on a free port: ``RemoteSandbox`` of it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WECHATPAY_")}
    env.update(WECHATPAY_SANDBOX_SEED=SEED, PYTHONUNBUFFERED="1")
    process = subprocess.Popen([sys.executable, "-m", "sandbox.wechatpay", "--port", "0"], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        url = process.stdout.readline().split()[-1].rstrip("/")
        yield RemoteSandbox(url)
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(autouse=True)
def _faults_off(shared_sandbox):
    yield
    shared_sandbox.reset_faults()


def app_process(app_overrides, sandbox, **config):
    """Another app process's app, configured like every process of a multi-process run."""
    return create_app("test", overrides={**app_overrides, "WECHATPAY_SANDBOX_URL": sandbox.base_url,
                                         "WECHATPAY_SANDBOX_SEED": SEED, **config})


def platform_account(app, sub_mchid="1900000109"):
    return PayAccount.service_provider(platform_keys(app.config), sub_mchid)


def test_an_order_prepaid_by_one_process_is_verified_by_another(app_overrides, shared_sandbox):
    web, worker = app_process(app_overrides, shared_sandbox), app_process(app_overrides, shared_sandbox)
    with web.app_context():
        create_native_payment(platform_account(web), out_trade_no="SHARED-1", description="Tea", amount_fen=1234,
                              notify_url="http://127.0.0.1:9/notify")
    shared_sandbox.pay("SHARED-1", send=False)
    with worker.app_context():  # the SDK checks the answer's signature with the pinned public key
        status = query_payment(platform_account(worker), "SHARED-1")
    assert (status.trade_state, status.amount_fen) == ("SUCCESS", 1234)
    ledger = shared_sandbox.ledger()["transactions"]
    assert [(t["out_trade_no"], t["trade_state"], t["total"]) for t in ledger if t["out_trade_no"] == "SHARED-1"] \
        == [("SHARED-1", "SUCCESS", 1234)]
    assert EXTENSION in web.extensions and "wechatpay_sandbox_pages.index" not in web.view_functions


def test_a_process_with_another_seed_cannot_trust_the_shared_sandboxs_answers(app_overrides, shared_sandbox):
    stranger = app_process(app_overrides, shared_sandbox, WECHATPAY_SANDBOX_SEED="another-seed")
    with stranger.app_context(), pytest.raises(PaymentError):
        query_payment(platform_account(stranger), "SHARED-1")


def test_a_direct_merchant_saved_in_the_console_is_registered_with_the_shared_sandbox(
        app, app_ctx, app_overrides, shared_sandbox):
    keys = MerchantKeyPair.generate()
    platform = app_process(app_overrides, shared_sandbox).config
    previous = app.extensions[EXTENSION]
    app.extensions[EXTENSION] = RemoteSandbox(shared_sandbox.base_url)  # as in a process of a multi-process run
    try:
        with tenant_context(create_store("direct")):
            save_direct_account(actor=None, mchid="1230000109", appid="wx1234567890abcdef", private_key=keys.private_pem,
                                cert_serial_no=keys.serial_no, apiv3_key="a" * 32,
                                public_key=platform["WECHATPAY_PUBLIC_KEY"],
                                public_key_id=platform["WECHATPAY_PUBLIC_KEY_ID"])
    finally:
        app.extensions[EXTENSION] = previous
    direct = MerchantKeys(
        mchid="1230000109", appid="wx1234567890abcdef", private_key=keys.private_pem, cert_serial_no=keys.serial_no,
        apiv3_key="a" * 32, public_key=platform["WECHATPAY_PUBLIC_KEY"],
        public_key_id=platform["WECHATPAY_PUBLIC_KEY_ID"])
    other = app_process(app_overrides, shared_sandbox)
    with other.app_context():  # the shared sandbox now accepts the merchant's signature
        payment = create_native_payment(PayAccount.direct(direct), out_trade_no="DIRECT-1", description="Tea",
                                        amount_fen=500, notify_url="http://127.0.0.1:9/notify")
    assert payment.startswith("weixin://")  # the code_url of a Native QR


def _paid_order(app, sandbox, number, fen=2000):
    with app.app_context():
        create_native_payment(platform_account(app), out_trade_no=number, description="Tea", amount_fen=fen,
                              notify_url="http://127.0.0.1:9/notify")
    sandbox.pay(number, send=False)


def test_fail_next_answers_system_error_without_doing_the_work_then_works(app_overrides, shared_sandbox):
    web = app_process(app_overrides, shared_sandbox)
    _paid_order(web, shared_sandbox, "FAIL-1")
    shared_sandbox.set_faults(fail_next={"refund": 1})
    with web.app_context():
        with pytest.raises(PaymentError) as refused:
            refund_payment(platform_account(web), out_refund_no="RF-1", refund_fen=2000, total_fen=2000,
                           out_trade_no="FAIL-1")
        assert (refused.value.http_status, refused.value.code) == (500, "SYSTEM_ERROR")
        assert not [r for r in shared_sandbox.ledger()["refunds"] if r["out_refund_no"] == "RF-1"]
        refund = refund_payment(platform_account(web), out_refund_no="RF-1", refund_fen=2000, total_fen=2000,
                                out_trade_no="FAIL-1")
    assert refund.status == "PROCESSING" and shared_sandbox.faults()["fail_next"] == {"refund": 0}


def test_a_refund_answered_after_the_timeout_is_recorded_and_found_by_its_number(app_overrides, shared_sandbox):
    web = app_process(app_overrides, shared_sandbox, WECHATPAY_TIMEOUT=0.5)
    _paid_order(web, shared_sandbox, "LATE-1")
    shared_sandbox.set_faults(refund_answer_delay=1.5)
    with web.app_context():
        with pytest.raises(PaymentError):  # the client gave up...
            refund_payment(platform_account(web), out_refund_no="RL-1", refund_fen=700, total_fen=2000,
                           out_trade_no="LATE-1")
        shared_sandbox.reset_faults()
        found = query_refund(platform_account(web), "RL-1")  # ...but WeChat has it
    assert (found.out_refund_no, found.refund_fen) == ("RL-1", 700)
    trade = [t for t in shared_sandbox.ledger()["transactions"] if t["out_trade_no"] == "LATE-1"][0]
    assert (trade["trade_state"], trade["refunded"]) == ("REFUND", 700)


def test_fault_switches_are_refused_unless_named_exactly(shared_sandbox):
    answer = requests.post(f"{shared_sandbox.base_url}/control/faults", json={"fail_next": {"pay": 1}}, timeout=5)
    assert answer.status_code == 400 and "fail_next" in answer.json()["message"]
    assert shared_sandbox.faults() == {"refund_answer_delay": 0.0, "fail_next": {}, "notify_delay": 0.0}


def test_the_pay_page_sends_the_developer_to_the_shared_sandbox(app_overrides, shared_sandbox):
    web = app_process(app_overrides, shared_sandbox)
    with web.test_request_context("/"):
        view = wechat_pay_view(type("Prepay", (), {"code_url": None})())
    assert view["sandbox_url"] == shared_sandbox.base_url + "/"


def test_production_refuses_a_shared_sandbox(app_overrides):
    settings = {"SECRET_KEY": "k" * 48, "SQLALCHEMY_DATABASE_URI": "postgresql://app@db/duoshop",
                "PII_ENCRYPTION_KEY": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
                "WECHATPAY_SANDBOX_URL": "http://127.0.0.1:9",
                **{key: app_overrides[key] for key in ("RATELIMIT_STORAGE_URI", "RATELIMIT_KEY_PREFIX")}}
    with pytest.raises(ConfigError, match="WECHATPAY_SANDBOX"):
        create_app("production", overrides=settings)
    refused = subprocess.run([sys.executable, "-m", "sandbox.wechatpay", "--port", "0"],
                             env={**os.environ, "DUOSHOP_ENV": "production"}, capture_output=True, text=True, timeout=30)
    assert refused.returncode != 0 and "never runs in production" in refused.stderr


def test_wechat_retries_a_notification_the_merchant_did_not_accept(app_overrides, shared_sandbox):
    inbox = NotificationInbox()
    web = app_process(app_overrides, shared_sandbox)
    with serving(inbox) as notify_base, web.app_context():
        create_native_payment(platform_account(web), out_trade_no="RETRY-1", description="Tea", amount_fen=300,
                              notify_url=f"{notify_base}/notify")
        assert shared_sandbox.pay("RETRY-1")["notify_status"] == 204
        assert shared_sandbox.notify_again("RETRY-1") == 204
        refund_payment(platform_account(web), out_refund_no="RR-1", refund_fen=300, total_fen=300,
                       out_trade_no="RETRY-1", notify_url=f"{notify_base}/notify")
        assert shared_sandbox.complete_refund("RR-1")["notify_status"] == 204
        assert shared_sandbox.notify_refund_again("RR-1") == 204
    kinds = [json.loads(body)["event_type"] for _, body in inbox.received]
    assert kinds == ["TRANSACTION.SUCCESS", "TRANSACTION.SUCCESS", "REFUND.SUCCESS", "REFUND.SUCCESS"]
    ids = [json.loads(body)["id"] for _, body in inbox.received]
    assert ids[0] == ids[1] and ids[2] == ids[3] and ids[0] != ids[2]  # a retry is the same notification
