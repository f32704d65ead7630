"""A fresh open-platform sandbox per test, answering our client over HTTP on 127.0.0.1 and
pushing its signed, encrypted events to the app's message endpoints through a test client."""
from urllib.parse import urlparse

import pytest
import requests

from core.extensions import db
from sandbox.wechat_open import OpenPlatformSandbox, create_sandbox_app
from sandbox.wechatpay.testing import serving
from tests.conftest import PLATFORM_HOST, csrf_from

PUBLISHING = "/console/mini-program/publish"


def deliver_through(app):
    client = app.test_client()

    def deliver(url, params, body):
        response = client.post(urlparse(url).path, query_string=params, data=body.encode("utf-8"),
                               content_type="text/xml")
        return response.status_code, response.get_data(as_text=True)

    return deliver


@pytest.fixture
def open_platform(app, app_ctx):
    cfg = app.config
    sandbox = OpenPlatformSandbox(
        cfg["WECHAT_COMPONENT_APPID"], cfg["WECHAT_COMPONENT_SECRET"], cfg["WECHAT_COMPONENT_TOKEN"],
        cfg["WECHAT_COMPONENT_AES_KEY"], event_url=f"http://{PLATFORM_HOST}/wechat/open/events",
        message_url=f"http://{PLATFORM_HOST}/wechat/open/$APPID$/events", deliver=deliver_through(app))
    previous = cfg["WECHAT_OPEN_API_BASE_URL"], cfg["WECHAT_OPEN_PAGE_BASE_URL"]
    with serving(create_sandbox_app(sandbox)) as base_url:
        cfg["WECHAT_OPEN_API_BASE_URL"] = cfg["WECHAT_OPEN_PAGE_BASE_URL"] = base_url
        assert sandbox.push_verify_ticket() == 200
        yield sandbox
        cfg["WECHAT_OPEN_API_BASE_URL"], cfg["WECHAT_OPEN_PAGE_BASE_URL"] = previous


def authorise(client, sandbox, appid):
    """The owner presses 授权小程序, approves ``appid`` on WeChat's page, and comes back."""
    db.session.rollback()  # no read lock of this thread's may hold up the app's writes (SQLite)
    started = client.post(f"{PUBLISHING}/authorize", data={"csrf_token": csrf_from(client, PUBLISHING)})
    assert started.status_code == 302, started.get_data(as_text=True)
    approved = requests.post(started.headers["Location"], data={"appid": appid}, allow_redirects=False, timeout=10)
    assert approved.status_code == 302, approved.text
    callback = urlparse(approved.headers["Location"])
    assert callback.netloc == PLATFORM_HOST
    return client.get(f"{callback.path}?{callback.query}")


def press(client, action):
    """A button of the publishing page (upload, submit, release)."""
    db.session.rollback()
    return client.post(f"{PUBLISHING}/{action}", data={"csrf_token": csrf_from(client, PUBLISHING)})
