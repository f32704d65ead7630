"""WeChat share cards: inside WeChat a store page loads the JS-SDK and share.js; the page's
``wx.config`` is signed with the store's own account's ticket (cached per store), or with the
platform's official account when the store has none."""
import hashlib

import pytest

from tests.channels.wechat_mp.conftest import DEMO_APPID, bind
from tests.commerce.members.test_wechat_login import wechat_login  # noqa: F401  (the fixture)
from tests.factories import create_store

IN_WECHAT = {"User-Agent": "Mozilla/5.0 (iPhone) AppleWebKit/605.1.15 MicroMessenger/8.0.49"}
DESKTOP = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/126.0"}
PAGE = "http://demo.duoshop.test/products"


@pytest.fixture
def demo(app_ctx):
    store = create_store("demo")
    bind(store)
    return store


def signed(config, ticket, url):
    text = f"jsapi_ticket={ticket}&noncestr={config['nonceStr']}&timestamp={config['timestamp']}&url={url}"
    return hashlib.sha1(text.encode()).hexdigest()


@pytest.mark.parametrize("path", ["/", "/products"])
def test_every_page_carries_the_share_script_and_only_wechat_may_load_the_sdk(demo, store_client, path):
    outside = store_client("demo").get(path, headers=DESKTOP)
    inside = store_client("demo").get(path, headers=IN_WECHAT)  # the same HTML (pages are cached for all)
    for page in (outside, inside):
        body = page.get_data(as_text=True)
        assert "share.js" in body and 'data-config-url="/wechat/share-config"' in body
        assert "jweixin" not in body  # the SDK's address comes with the signed config
    assert "https://res.wx.qq.com" in inside.headers["Content-Security-Policy"]
    assert "https://res.wx.qq.com" not in outside.headers["Content-Security-Policy"]


def test_the_config_is_signed_with_the_stores_own_ticket_fetched_once(demo, store_client, mp):
    client = store_client("demo")
    first = client.get("/wechat/share-config", query_string={"url": PAGE + "#top"})
    second = client.get("/wechat/share-config", query_string={"url": PAGE})
    assert first.status_code == 200 and first.headers["Cache-Control"] == "private, no-store"
    config = first.get_json()
    assert config["appId"] == DEMO_APPID
    assert config["sdk"] == {"src": "https://res.wx.qq.com/open/js/jweixin-1.6.0.js", "integrity": "sha384-" + "T" * 64}
    [ticket] = mp.tickets[DEMO_APPID]  # the second page asked WeChat for nothing
    assert config["signature"] == signed(config, ticket, PAGE)  # the fragment is not signed
    assert second.get_json()["signature"] == signed(second.get_json(), ticket, PAGE)


def test_a_store_without_an_account_is_signed_with_the_platforms_account(demo, store_client, app, mp,
                                                                          wechat_login):  # noqa: F811
    create_store("tea")
    config = store_client("tea").get("/wechat/share-config",
                                     query_string={"url": "http://tea.duoshop.test/"}).get_json()
    assert config["appId"] == app.config["WECHAT_OA_APPID"] != DEMO_APPID
    assert mp.tickets == {}  # demo's account was not used for tea's page


@pytest.mark.parametrize("url", ["http://tea.duoshop.test/", "javascript:alert(1)", ""])
def test_a_config_for_another_stores_or_no_page_is_refused(demo, store_client, url):
    assert store_client("demo").get("/wechat/share-config", query_string={"url": url}).status_code == 400
