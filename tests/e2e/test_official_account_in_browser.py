"""The store's 公众号 in a real browser against the official-account sandbox: the owner binds
the account, reorders and edits the custom menu with the up/down buttons, publishes it (the
sandbox holds the buttons in the new order), and WeChat's side sends a signed, encrypted
event to the store's URL from the sandbox's control page. Screenshots of every screen at
375 px and 1280 px, in Chinese, go to ``SHOTS`` (``DUOSHOP_SHOTS`` overrides it)."""
import os
from pathlib import Path

from tests.e2e.screenshots import DEMO_OWNER, sign_in_console
from tests.e2e.server import JSSDK_STUB
from tests.e2e.test_addresses_in_browser import IN_WECHAT

try:
    from playwright.sync_api import expect
except ImportError:  # the ``browser`` fixture fails every test with what to install
    expect = None

HOME = "/console/official-account"
CONTROL = "/sandbox/wechat_mp/control"
APPID, SECRET, TOKEN = "wx5555555555555555", "S" * 32, "browsertoken"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
SHOTS = Path(os.environ.get("DUOSHOP_SHOTS") or Path(__file__).resolve().parent / "artifacts" / "official_account")


def bind(page, server):
    page.goto(server.url(HOME))
    page.locator("#appid").fill(APPID)
    page.locator("#app_secret").fill(SECRET)
    page.locator("#token").fill(TOKEN)
    page.locator("#encoding_aes_key").fill(AES_KEY)
    page.locator("#binding button[type=submit]").click()
    expect(page.locator(".flash-success")).to_be_visible()


def top_names(page):
    return page.locator("[data-top] > [data-row] [data-field=name]").evaluate_all("els => els.map(e => e.value)")


def top_row(page, number):
    return page.locator("[data-top]").nth(number).locator("[data-row]").first


def test_the_owner_edits_reorders_and_publishes_the_menu(new_context, live_server):
    page = new_context().new_page()
    sign_in_console(page, live_server, DEMO_OWNER)
    page.locator(".topnav").get_by_role("link", name="Sales channels").click()  # 渠道, then its 公众号 section
    page.locator(".subnav").get_by_role("link", name="Official account", exact=True).click()
    expect(page.locator("[data-message-url]")).to_contain_text("/wechat/mp/")
    bind(page, live_server)
    message_url = page.locator("[data-message-url]").inner_text()

    page.get_by_role("link", name="Custom menu").click()
    assert top_names(page) == ["首页", "分类", "个人中心"]  # the seed's 功能前置 default
    expect(page.locator("[data-preview] span")).to_have_text(["首页", "分类", "个人中心"])

    top_row(page, 0).locator("[data-field=name]").fill("上新")
    top_row(page, 0).locator("[data-field=type]").select_option("page")
    top_row(page, 0).locator("[data-field=value]").fill("new-arrivals")
    top_row(page, 2).get_by_role("button", name="Move up").click()  # 个人中心 before 分类
    expect(page.locator("[data-preview] span")).to_have_text(["上新", "个人中心", "分类"])
    expect(page.locator("[data-top] legend").first).to_have_text("Button 1")
    third = page.locator("[data-top]").nth(2)
    third.locator("summary").click()  # its sub-buttons, folded while it has none
    sub = third.locator("[data-subs] [data-row]").first
    sub.locator("[data-field=name]").fill("联系客服")
    sub.locator("[data-field=type]").select_option("keyword")
    sub.locator("[data-field=value]").fill("客服")
    third.locator("[data-subs] [data-row]").nth(1).locator("[data-field=name]").fill("全部商品")
    third.locator("[data-subs] [data-row]").nth(1).locator("[data-field=type]").select_option("catalog")
    third.locator("[data-subs] [data-row]").nth(1).get_by_role("button", name="Move up").click()

    page.get_by_role("button", name="Save and publish to WeChat").click()
    expect(page.locator(".flash-success")).to_have_text("Menu published to WeChat.")
    assert top_names(page) == ["上新", "个人中心", "分类"]  # kept in the order published
    expect(page.locator("[data-top]").nth(2).locator("[data-subs] [data-field=name]").first).to_have_value("全部商品")

    control = page.context.new_page()  # WeChat's side
    control.goto(live_server.url(CONTROL))
    menu = control.locator("table").first
    expect(menu).to_contain_text(APPID)
    text = menu.inner_text()
    assert text.index("上新") < text.index("个人中心") < text.index("全部商品") < text.index("联系客服")
    assert '"key": "客服"' in text and "/p/new-arrivals" in text

    control.locator("input[name=url]").fill(message_url)
    control.locator("input[name=token]").fill(TOKEN)
    control.locator("input[name=appid]").fill(APPID)
    control.locator("select[name=kind]").select_option("subscribe")
    control.locator("input[name=encrypted]").check()
    control.locator("input[name=aes_key]").fill(AES_KEY)
    control.get_by_role("button", name="Send").click()
    expect(control.get_by_text("The store answered 200")).to_be_visible()


def test_every_official_account_screen_in_chinese_at_phone_and_desktop_width(new_context, live_server):
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width, height in ((375, 812), (1280, 800)):
        page = new_context(locale="zh-CN", extra_http_headers={"Accept-Language": "zh-CN,zh;q=0.9"},
                           viewport={"width": width, "height": height}).new_page()
        sign_in_console(page, live_server, DEMO_OWNER)
        for name, path in (("overview", HOME), ("menu", f"{HOME}/menu"), ("replies", f"{HOME}/replies"),
                           ("pushes", f"{HOME}/pushes")):
            page.goto(live_server.url(path))
            expect(page.locator("h1")).to_contain_text("公众号")
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{name} is {overflow}px wider than {width}px"
            page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
        page.goto(live_server.url(CONTROL))  # the developer's stand-in for WeChat
        page.screenshot(path=str(SHOTS / f"sandbox-control-{width}.png"), full_page=True)


RECORD_SHARES = """Object.defineProperty(window, "wx", {configurable: true,
  get() { return this.__wx; },
  set(sdk) {
    sdk.updateAppMessageShareData = (card) => { window.sharedToChat = card; };
    sdk.updateTimelineShareData = (card) => { window.sharedToMoments = card; };
    this.__wx = sdk;
  }});"""


def test_inside_wechat_a_product_page_sets_its_share_card(new_context, live_server):
    context = new_context(**IN_WECHAT)
    context.add_init_script(RECORD_SHARES)  # the stand-in SDK gets the two share calls, recorded
    context.route("https://res.wx.qq.com/**", lambda route: route.fulfill(
        status=200, content_type="application/javascript", body=JSSDK_STUB,
        headers={"Access-Control-Allow-Origin": "*"}))
    shopper = context.new_page()
    shopper.goto(live_server.url("/search?q=龙井", store="tea"))
    shopper.locator(".product-card").first.click()
    shopper.wait_for_function("() => Boolean(window.sharedToChat && window.sharedToMoments)")
    card = shopper.evaluate("window.sharedToChat")
    title = shopper.locator('meta[property="og:title"]').get_attribute("content")
    assert card["title"] == title and "龙井" in card["title"]
    assert card["link"] == shopper.url.split("#")[0]
    config = shopper.evaluate("window.wxConfig")
    assert config["jsApiList"] == ["updateAppMessageShareData", "updateTimelineShareData"]
    assert len(config["signature"]) == 40 and config["appId"]
    assert shopper.evaluate("window.sharedToMoments")["title"] == title
