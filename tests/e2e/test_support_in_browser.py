"""客服 end to end: a shopper on a phone writes from a product page; the merchant's inbox,
open all along, shows the message without a reload; the merchant answers in place and the
shopper's chat shows the answer without a reload. Screenshots of both, phone and desktop,
in Chinese, go to $SUPPORT_SHOTS (when set)."""
import os
from pathlib import Path

from tests.e2e.screenshots import sign_in_console

try:
    from playwright.sync_api import expect
except ImportError:  # the ``browser`` fixture fails every test with what to install
    expect = None

PHONE = {"viewport": {"width": 375, "height": 812}, "is_mobile": True, "has_touch": True,
         "user_agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) Mobile/15E148"}
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
ZH = {"locale": "zh-CN", "extra_http_headers": {"Accept-Language": "zh-CN,zh;q=0.9"}}


def test_a_shoppers_question_reaches_the_open_inbox_and_the_answer_reaches_the_shopper(live_server, new_context):
    merchant = new_context(**DESKTOP).new_page()
    sign_in_console(merchant, live_server)
    merchant.goto(live_server.url("/console/support"))
    expect(merchant.get_by_role("heading", name="Customer service")).to_be_visible()

    shopper = new_context(**PHONE).new_page()
    shopper.goto(live_server.url("/search?q=T恤", store="demo"))
    shopper.locator(".product-card").first.click()
    shopper.get_by_role("link", name="Customer service").click()
    shopper.locator("#body").fill("这件T恤有XL码吗？")
    shopper.get_by_role("button", name="Send message").click()
    shopper.wait_for_url("**/support/*")
    expect(shopper.locator("[data-chat]")).to_contain_text("这件T恤有XL码吗？")
    chat_url = shopper.url

    # The inbox was not reloaded: its poll brings the conversation in.
    conversation = merchant.locator("[data-conversations] a", has_text="这件T恤有XL码吗？")
    expect(conversation).to_be_visible()
    expect(conversation.locator(".support-unread")).to_have_text("1")
    conversation.click()
    expect(merchant.locator("[data-messages]")).to_contain_text("这件T恤有XL码吗？")

    # A second question while the thread is open appears in it without a reload.
    shopper.locator("#body").fill("今天能发货吗，急用")
    shopper.get_by_role("button", name="Send message").click()
    expect(merchant.locator("[data-messages]")).to_contain_text("今天能发货吗，急用")

    merchant.locator("#body").fill("亲，XL 有货，今天下午 4 点前拍下当天发～")
    merchant.get_by_role("button", name="Send message").click()
    expect(merchant.locator("[data-messages] .from-staff")).to_contain_text("XL 有货")
    expect(merchant.locator("#body")).to_have_value("")

    # The shopper's chat, never reloaded, shows the answer.
    expect(shopper.locator("[data-chat] .from-staff")).to_contain_text("亲，XL 有货，今天下午 4 点前拍下当天发～")

    shots = os.environ.get("SUPPORT_SHOTS")
    if shots:
        _screenshots(Path(shots), live_server, new_context, chat_url, merchant.url)


def _screenshots(out, live_server, new_context, chat_url, inbox_url):
    """The chat (with the shopper's session) and the inbox, at 375 and 1280 px, in Chinese."""
    out.mkdir(parents=True, exist_ok=True)
    for name, options in (("375", PHONE), ("1280", DESKTOP)):
        merchant = new_context(**{**options, **ZH}).new_page()
        sign_in_console(merchant, live_server)
        merchant.goto(inbox_url)
        merchant.wait_for_load_state("load")
        merchant.screenshot(path=out / f"console_inbox_{name}.png", full_page=True)
        merchant.goto(live_server.url("/console/support/settings"))
        merchant.screenshot(path=out / f"console_support_settings_{name}.png", full_page=True)
        shopper = new_context(**{**options, **ZH}).new_page()
        shopper.goto(live_server.url("/search?q=T恤", store="demo"))
        shopper.locator(".product-card").first.click()
        shopper.screenshot(path=out / f"shop_product_{name}.png")
        shopper.get_by_role("link", name="客服").click()
        shopper.locator("#body").fill("订单到哪了")
        shopper.get_by_role("button", name="发送").click()
        shopper.wait_for_url("**/support/*")
        shopper.locator("#body").fill("转人工")
        shopper.get_by_role("button", name="发送").click()
        expect(shopper.locator("[data-chat] .from-bot").last).to_contain_text("人工")
        shopper.screenshot(path=out / f"shop_chat_{name}.png")
