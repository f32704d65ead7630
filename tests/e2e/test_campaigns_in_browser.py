"""Two shoppers on their phones use a campaign end to end in the demo store, as `make run`
offers it: each signs in with WeChat (our privacy policy ticked, then the sandbox's consent page), one starts a bargain on
the earphones and shares the link, the other helps cut the price, and the first buys at
the price reached and pays in the WeChat Pay sandbox."""
import re

try:
    from playwright.sync_api import expect
except ImportError:  # the ``browser`` fixture fails every test with what to install
    expect = None

from tests.e2e.test_shopping_in_browser import PHONE


def sign_in_with_wechat(page, live_server, nickname):
    page.goto(live_server.url("/login?next=/me", store="demo"))
    page.get_by_label("I have read and agree to the").check()  # our privacy policy, required
    page.get_by_role("button", name="Sign in with WeChat (sandbox)").click()
    page.locator("input[name=nickname]").fill(nickname)
    page.get_by_role("button", name="Create and allow").click()  # WeChat's consent, then back to the store
    expect(page.get_by_role("heading", name="Member center")).to_be_visible()
    expect(page.locator("main")).to_contain_text(nickname)


def price_of(page):
    return int(re.sub(r"[^\d]", "", page.locator("[data-current-price]").inner_text()))  # fen


def test_two_shoppers_bargain_and_the_starter_pays_the_price_reached(live_server, new_context):
    starter, friend = new_context(**PHONE).new_page(), new_context(**PHONE).new_page()
    sign_in_with_wechat(starter, live_server, "小林")
    sign_in_with_wechat(friend, live_server, "阿强")

    starter.goto(live_server.url("/search?q=耳机", store="demo"))
    starter.locator(".product-card").first.click()
    starter.locator(".bargain-start").get_by_role("button").click()
    expect(starter.get_by_role("heading", name="耳机砍到99元")).to_be_visible()
    assert price_of(starter) == 19900
    share_link = starter.locator(".share-link").input_value()

    friend.goto(share_link)
    friend.get_by_role("button", name="Help cut the price").click()
    expect(friend.locator("main")).to_contain_text("You have helped")
    friend.reload()
    expect(friend.get_by_role("button", name="Help cut the price")).to_have_count(0)  # one cut per friend

    starter.reload()
    reached = price_of(starter)
    assert 9900 <= reached < 19900
    buy = starter.get_by_role("link", name=re.compile(r"Buy at ¥[\d,.]+ now"))
    buy.click()
    expect(starter.get_by_role("heading", name="Check out")).to_be_visible()
    starter.locator("#name").fill("林小姐")
    starter.locator("#phone").fill("13812345678")
    starter.locator("#province_code").select_option("330000")
    starter.locator("#city").select_option("杭州市")
    starter.locator("#district").select_option("西湖区")
    starter.locator("#detail").fill("文三路 100 号")
    starter.get_by_role("button", name="Place order").click()

    expect(starter.get_by_role("heading", name="Pay for your order")).to_be_visible()
    total = int(re.sub(r"[^\d]", "", starter.locator(".pay .price").inner_text()))
    assert total >= reached  # the price reached, plus any shipping
    starter.get_by_role("button", name="Pay with WeChat Pay").click()
    starter.wait_for_url("**/sandbox/wechatpay/**")
    starter.get_by_role("button", name=re.compile(r"Pay ¥")).click()
    starter.goto(live_server.url("/orders", store="demo"))
    expect(starter.locator("main")).to_contain_text("无线蓝牙耳机")
    expect(starter.locator("main")).to_contain_text("Paid")
