"""A shopper books the demo store's pre-sale (秋冬新款预售: 定金 ¥20 抵 ¥50) on a phone, pays the
deposit and then the balance in the WeChat Pay sandbox; screenshots of each step at 375 and
1280 wide in Chinese, and of the console's pre-sale screen.

    .venv/bin/python -m tests.e2e.presale_screens [--out DIR]

``book_and_pay`` is the flow the browser test drives too. A look for reviewers, not a test.
"""
import argparse
import re
import sys
from pathlib import Path

from tests.e2e.chromium import chromium_missing_message
from tests.e2e.screenshots import OUT_DIR, _context, _watch, sign_in_console
from tests.e2e.server import AppServer, launch_chromium

ADDRESS = {"#name": "林小姐", "#phone": "13812345678", "#detail": "文三路 100 号"}


def sign_in_with_wechat(page, server, nickname="小林"):
    page.goto(server.url("/login?next=/me", store="demo"))
    page.locator("input[name=agree]").check()
    page.locator("form.sign-in-consent button[type=submit]").click()
    page.locator("input[name=nickname]").fill(nickname)
    page.locator("button[type=submit]").last.click()  # the sandbox's consent page: create and allow
    page.wait_for_load_state("load")


def pay_in_sandbox(page):
    """From the pay page: WeChat Pay's H5 page in the sandbox, paid, back at the store."""
    page.locator(".pay-button").click()
    page.wait_for_load_state("load")
    if "/sandbox/wechatpay/" not in page.url:  # a desktop browser: the QR code, and the sandbox's link
        page.locator(".notice-line a").click()
    page.wait_for_url("**/sandbox/wechatpay/**")
    page.get_by_role("button", name=re.compile(r"(Pay|支付) ¥")).click(force=True)  # the sandbox page is not laid out for phones
    page.wait_for_load_state("load")


def book_and_pay(page, server, shoot=lambda name, page: None):
    """Product page → book with deposit → checkout → pay deposit → order page (balance due) →
    pay balance → the order paid with its ship date. Returns the order page's URL."""
    page.goto(server.url("/search?q=牛仔", store="demo"))
    page.locator(".product-card").first.click()
    page.wait_for_load_state("load")
    shoot("presale-product", page)
    page.locator(".presale-box button[type=submit]").click()
    page.wait_for_load_state("load")
    if page.locator("[data-new-address-choice]").count():
        page.locator("[data-new-address-choice]").check()
    for selector, value in ADDRESS.items():
        page.locator(selector).fill(value)
    page.locator("#province_code").select_option("330000")
    page.locator("#city").select_option("杭州市")
    page.locator("#district").select_option("西湖区")
    shoot("presale-checkout", page)
    page.locator("form.checkout .buy-now").click()
    page.wait_for_load_state("load")
    shoot("presale-pay-deposit", page)
    order_url = page.url.rsplit("/pay", 1)[0]
    pay_in_sandbox(page)
    page.goto(order_url)
    shoot("presale-order-balance-due", page)
    page.locator(".order-actions a.primary").click()
    page.wait_for_load_state("load")
    shoot("presale-pay-balance", page)
    pay_in_sandbox(page)
    page.goto(order_url)
    shoot("presale-order-paid", page)
    return order_url


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="directory for the PNGs")
    args = parser.parse_args(argv)
    missing = chromium_missing_message()
    if missing:
        sys.exit(missing)
    from playwright.sync_api import sync_playwright

    args.out.mkdir(parents=True, exist_ok=True)
    warnings = []
    with AppServer() as server, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            phone = _context(browser, "375")
            desktop = _context(browser, "1280")
            shopper = phone.new_page()
            problems = _watch(shopper)
            sign_in_with_wechat(shopper, server)
            twin = {}

            def shoot(name, page):
                page.screenshot(path=args.out / f"{name}-375.png", full_page=True)
                state = phone.storage_state()
                if "desk" not in twin:
                    twin["desk"] = browser.new_context(**{**_desktop_options(), "storage_state": state})
                else:
                    twin["desk"].add_cookies(state["cookies"])
                view = twin["desk"].new_page()
                view.goto(page.url)
                view.screenshot(path=args.out / f"{name}-1280.png", full_page=True)
                view.close()
                width = page.evaluate("document.documentElement.scrollWidth")
                if width > 375:
                    warnings.append(f"{name}: {width}px wide at 375")

            book_and_pay(shopper, server, shoot)
            warnings += problems
            for viewport, context in (("375", phone), ("1280", desktop)):
                console = context.new_page() if viewport == "1280" else _context(browser, "375").new_page()
                sign_in_console(console, server)
                console.goto(server.url("/console/presales"))
                console.screenshot(path=args.out / f"presale-console-{viewport}.png", full_page=True)
        finally:
            browser.close()
    for warning in warnings:
        print("warning:", warning)


def _desktop_options():
    return {"viewport": {"width": 1280, "height": 800}, "locale": "zh-CN",
            "extra_http_headers": {"Accept-Language": "zh-CN,zh;q=0.9"}}


if __name__ == "__main__":
    main()
