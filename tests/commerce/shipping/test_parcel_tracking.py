"""Parcel tracking: our 快递100 client against the local sandbox over real HTTP."""
import pytest

from commerce.shipping import tracking
from commerce.shipping.tracking import TrackingUnavailable, poll, sign
from sandbox.kuaidi100 import Kuaidi100Sandbox, create_sandbox_app
from sandbox.wechatpay.testing import serving


@pytest.fixture
def kuaidi100(app_ctx, monkeypatch):
    """A sandbox answering over HTTP on 127.0.0.1, and the app pointed at it."""
    sandbox = Kuaidi100Sandbox()
    with serving(create_sandbox_app(sandbox)) as base_url:
        monkeypatch.setitem(app_ctx.config, "KUAIDI100_URL", f"{base_url}/poll/query.do")
        monkeypatch.setitem(app_ctx.config, "KUAIDI100_KEY", sandbox.key)
        monkeypatch.setitem(app_ctx.config, "KUAIDI100_CUSTOMER", sandbox.customer)
        yield sandbox


def test_the_signature_is_upper_case_md5_of_param_key_and_customer():
    assert sign('{"com":"yuantong","num":"1"}', "key", "CUSTOMER") == "2D62431DCDDD981BE10585B0C780B5AA"


def test_each_poll_shows_the_parcel_one_step_further_until_it_is_signed_for(kuaidi100):
    first = poll("yuantong", "YT1234567890")
    assert first.state == tracking.COLLECTED and not first.is_final()
    assert [event["context"] for event in first.events] == ["【上海市】上海浦东新区营业部 快递员 已揽收"]
    for _ in range(3):
        later = poll("yuantong", "YT1234567890")
    assert later.state == tracking.OUT_FOR_DELIVERY and len(later.events) == 4
    assert later.events[0]["time"] > later.events[-1]["time"]  # newest first
    signed = poll("yuantong", "YT1234567890")
    assert signed.state == tracking.DELIVERED and signed.is_final()
    assert "已签收" in signed.events[0]["context"] and signed.events[0]["location"] == "北京市"


def test_a_wrong_key_is_refused_like_kuaidi100_does(kuaidi100, app_ctx, monkeypatch):
    monkeypatch.setitem(app_ctx.config, "KUAIDI100_KEY", "not-the-key")
    with pytest.raises(TrackingUnavailable, match="601"):
        poll("yuantong", "YT1")


def test_an_unknown_number_is_not_found_yet(kuaidi100):
    with pytest.raises(TrackingUnavailable, match="查询无结果"):
        poll("shunfeng", "NOTFOUND-1")


def test_without_an_account_nothing_is_asked(app_ctx, monkeypatch):
    monkeypatch.setitem(app_ctx.config, "KUAIDI100_KEY", None)
    with pytest.raises(TrackingUnavailable, match="not set"):
        poll("yuantong", "YT1")


def test_no_answer_is_reported_as_unavailable(app_ctx, monkeypatch):
    monkeypatch.setitem(app_ctx.config, "KUAIDI100_KEY", "k")
    monkeypatch.setitem(app_ctx.config, "KUAIDI100_CUSTOMER", "c")
    monkeypatch.setitem(app_ctx.config, "KUAIDI100_URL", "http://127.0.0.1:9/poll/query.do")
    with pytest.raises(TrackingUnavailable, match="did not answer"):
        poll("yuantong", "YT1")


def test_the_sandbox_is_mounted_on_the_platform_host_and_checks_signatures(app, platform_client):
    param = '{"com":"zhongtong","num":"ZT9000000001"}'
    key, customer = app.config["KUAIDI100_KEY"], app.config["KUAIDI100_CUSTOMER"]
    assert app.config["KUAIDI100_URL"].endswith("/sandbox/kuaidi100/poll/query.do")
    answer = platform_client.post("/sandbox/kuaidi100/poll/query.do",
                                  data={"customer": customer, "param": param, "sign": sign(param, key, customer)})
    assert answer.status_code == 200 and answer.get_json()["state"] == tracking.COLLECTED
    forged = platform_client.post("/sandbox/kuaidi100/poll/query.do",
                                  data={"customer": customer, "param": param, "sign": "0" * 32})
    assert forged.get_json()["returnCode"] == "601"


def test_production_refuses_the_sandbox(app_overrides):
    from core.config import ConfigError
    from duoshop.app import create_app

    settings = {"SECRET_KEY": "k" * 48, "SQLALCHEMY_DATABASE_URI": "postgresql://app@db/duoshop",
                "PII_ENCRYPTION_KEY": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=", "KUAIDI100_SANDBOX": True,
                **{key: app_overrides[key] for key in ("RATELIMIT_STORAGE_URI", "RATELIMIT_KEY_PREFIX")}}
    with pytest.raises(ConfigError, match="KUAIDI100_SANDBOX"):
        create_app("production", overrides=settings)
