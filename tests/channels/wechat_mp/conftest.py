"""A fresh official-account sandbox per test: it answers our client over HTTP on 127.0.0.1
and sends its signed (optionally encrypted) messages to a store's endpoint through a test
client on the platform host."""
from urllib.parse import urlparse

import pytest

from channels.wechat_mp.accounts import bind_account
from core.extensions import db
from core.tenancy import tenant_context
from sandbox.wechat_mp import OfficialAccountSandbox, create_sandbox_app
from sandbox.wechatpay.testing import serving
from tests.conftest import PLATFORM_HOST

AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"  # 43 characters, as WeChat's console makes one
DEMO_APPID, TEA_APPID = "wx1111111111111111", "wx2222222222222222"
SECRET = "s" * 32


def deliver_through(app):
    client = app.test_client()

    def deliver(url, params, body):
        response = client.post(urlparse(url).path, query_string=params, data=body.encode("utf-8"),
                               content_type="text/xml", base_url=f"http://{PLATFORM_HOST}")
        return response.status_code, response.get_data(as_text=True)

    return deliver


@pytest.fixture
def mp(app, app_ctx):
    sandbox = OfficialAccountSandbox(deliver=deliver_through(app))
    previous = app.config["WECHAT_MP_API_BASE_URL"]
    with serving(create_sandbox_app(sandbox)) as base_url:
        app.config["WECHAT_MP_API_BASE_URL"] = base_url
        yield sandbox
        app.config["WECHAT_MP_API_BASE_URL"] = previous


def bind(store, appid=DEMO_APPID, *, token=None, aes_key=AES_KEY, **replies):
    """Bind ``store``'s official account (token: ``tok<slug>``); ``replies`` set on the account."""
    with tenant_context(store.id):
        account = bind_account(actor=None, appid=appid, app_secret=SECRET, token=token or f"tok{store.slug}",
                               encoding_aes_key=aes_key)
        for name, value in replies.items():
            setattr(account, name, value)
        db.session.commit()
        return account.id


def url_of(store):
    return f"http://{PLATFORM_HOST}/wechat/mp/{store.id}"


def send(mp, store, kind="text", *, token=None, encrypted=False, appid=DEMO_APPID, **fields):
    """A user's message or event to ``store``'s endpoint, as WeChat sends it."""
    db.session.rollback()  # no read lock of this thread's may hold up the app's writes (SQLite)
    return mp.send_to_store(url_of(store), token=token or f"tok{store.slug}", appid=appid,
                            openid=fields.pop("openid", "o-user-1"), kind=kind,
                            aes_key=AES_KEY if encrypted else None, **fields)
