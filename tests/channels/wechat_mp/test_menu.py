"""The custom menu: the default 首页 / 分类 / 个人中心, WeChat's limits checked before
sending, and publishing through menu/create with the store's own (refreshed) token."""
import pytest

from channels.wechat_mp.accounts import account_of
from channels.wechat_mp.errors import OfficialAccountRefused
from channels.wechat_mp.menus import clean_menu, publish_menu, save_menu
from core.extensions import db
from core.tenancy import tenant_context
from tenants.models import MiniProgram
from tests.channels.wechat_mp.conftest import DEMO_APPID, TEA_APPID, bind
from tests.factories import create_store


@pytest.fixture
def demo(app_ctx):
    store = create_store("demo")
    bind(store)
    return store


def publish(store, buttons=None):
    with tenant_context(store.id):
        account = account_of()
        if buttons is not None:
            save_menu(account, buttons, actor=None)
        publish_menu(account, actor=None)
        db.session.commit()


def test_publishing_a_new_account_sends_the_default_menu_to_its_own_appid(demo, mp):
    publish(demo)
    buttons = mp.menus[DEMO_APPID]["button"]
    assert [(b["type"], b["name"]) for b in buttons] == [("view", "首页"), ("view", "分类"), ("view", "个人中心")]
    assert [b["url"] for b in buttons] == ["http://demo.duoshop.test/", "http://demo.duoshop.test/products",
                                           "http://demo.duoshop.test/me"]


def test_an_edited_menu_with_sub_buttons_and_a_keyword_is_published(demo, mp):
    publish(demo, [
        {"name": "逛逛", "sub": [{"name": "本周上新", "type": "page", "value": "new-arrivals"},
                                 {"name": "明前龙井", "type": "product", "value": "7"},
                                 {"name": "", "type": "home"}]},  # an unused row
        {"name": "联系客服", "type": "keyword", "value": "客服"},
        {"name": "", "type": "home"},
    ])
    first, second = mp.menus[DEMO_APPID]["button"]
    assert [sub["url"] for sub in first["sub_button"]] == ["http://demo.duoshop.test/p/new-arrivals",
                                                          "http://demo.duoshop.test/products/7"]
    assert second == {"type": "click", "name": "联系客服", "key": "客服"}


def test_an_invalid_token_is_refreshed_once_and_the_menu_still_published(demo, mp):
    publish(demo)
    mp.fail_next("/cgi-bin/menu/create", 40001)
    publish(demo, [{"name": "首页", "type": "home"}])
    assert len(mp.menus[DEMO_APPID]["button"]) == 1 and mp.tokens_issued == 2


def test_each_store_publishes_to_its_own_account(demo, mp, app_ctx):
    tea = create_store("tea")
    bind(tea, TEA_APPID)
    publish(tea, [{"name": "茶", "type": "home"}])
    publish(demo)
    assert mp.menus[TEA_APPID]["button"][0]["url"] == "http://tea.duoshop.test/"
    assert len(mp.menus[DEMO_APPID]["button"]) == 3


@pytest.mark.parametrize(("buttons", "says"), [
    ([], "at least one button"),
    ([{"name": n, "type": "home"} for n in "一二三四"], "At most 3 buttons"),
    ([{"name": "六个汉字的名", "type": "home"}], "Button 1: the name is at most 16 bytes"),
    ([{"name": "逛逛", "sub": [{"name": str(i), "type": "home"} for i in range(6)]}], "Button 1: at most 5"),
    ([{"name": "a", "type": "home"}, {"name": "逛逛", "sub": [{"name": "长" * 21, "type": "home"}]}],
     "Button 2-1: the name is at most 60 bytes"),
    ([{"name": "客服", "type": "keyword", "value": ""}], "Button 1: enter the keyword"),
    ([{"name": "官网", "type": "url", "value": "http://example.com"}], "Button 1: Enter a web address"),
    ([{"name": "小程序", "type": "miniprogram", "value": "pages/index/index"}], "bind your mini-program"),
    ([{"name": "乱", "type": "nothing"}], "Button 1: Choose where it leads"),
])
def test_a_menu_wechat_would_refuse_is_refused_here_naming_the_button(app_ctx, demo, buttons, says):
    with tenant_context(demo.id), pytest.raises(OfficialAccountRefused) as refusal:
        clean_menu(buttons)
    assert says in str(refusal.value.message)


def test_a_mini_program_button_opens_the_stores_own_mini_program_with_the_store_as_fallback(demo, mp):
    with tenant_context(demo.id):
        db.session.add(MiniProgram(appid="wx9999999999999999", name="演示店小程序"))
        db.session.commit()
    publish(demo, [{"name": "小程序", "type": "miniprogram", "value": "/pages/goods/index"}])
    assert mp.menus[DEMO_APPID]["button"] == [{
        "type": "miniprogram", "name": "小程序", "appid": "wx9999999999999999", "pagepath": "pages/goods/index",
        "url": "http://demo.duoshop.test/"}]  # where WeChat versions without mini-programs go
