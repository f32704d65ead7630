"""Screenshots of every screen, phone and desktop, in Chinese: what merchants and shoppers see.

    .venv/bin/python -m tests.e2e.screenshots [--out DIR] [--only REGEX] [--locale en-US]

Starts the app like the browser tests do (fresh SQLite database, demo stores, a platform
admin), fills in a little data so lists are not empty, then writes PNGs at 375x812 and
1280x800 to tests/e2e/screenshots/ (git-ignored). Needs Debian's ``chromium`` and a
Chinese font (``apt-get install fonts-noto-cjk``). Prints a warning for any page wider
than its viewport and for any script error or failed sub-resource (a CSP refusal, a
missing file).
"""
import argparse
import re
import shutil
import subprocess
import sys
from pathlib import Path

from tests.e2e.chromium import chromium_missing_message
from tests.e2e.server import PROJECT_ROOT, AppServer, launch_chromium

OUT_DIR = Path(__file__).resolve().parent / "screenshots"
VIEWPORTS = {"375": {"width": 375, "height": 812}, "1280": {"width": 1280, "height": 800}}
ADMIN = {"email": "admin@duoshop.test", "password": "platform-admin-2026!"}
DEMO_OWNER = {"slug": "demo", "email": "owner@demo.test", "password": "demo-owner-2026"}
TEA_OWNER = {"slug": "tea", "email": "owner@tea.test", "password": "tea-owner-2026"}
SUSPENSION_REASON = "营业执照已过期，请补交新的营业执照"
LOCALE = "zh-CN"  # the product's default language: what merchants see


def _context(browser, viewport, locale=LOCALE):
    options = {"viewport": VIEWPORTS[viewport], "locale": locale,
               "extra_http_headers": {"Accept-Language": f"{locale},{locale.split('-')[0]};q=0.9"}}
    if viewport == "375":
        options.update(is_mobile=True, has_touch=True, device_scale_factor=2)
    context = browser.new_context(**options)
    context.set_default_timeout(15_000)
    return context


def _submit(page):
    form = page.locator("main form").first
    form.locator("button[type=submit]").first.click()
    page.wait_for_load_state("load")


def sign_in_console(page, server, owner=DEMO_OWNER):
    page.goto(server.url("/console/login"))
    page.locator("#slug").fill(owner["slug"])
    page.locator("#email").fill(owner["email"])
    page.locator("#password").fill(owner["password"])
    _submit(page)


def switch_tea_suspension(browser, server, *, suspend):
    """A platform admin suspends the tea store (with a reason) or resumes it."""
    context = browser.new_context()
    admin = context.new_page()
    sign_in_platform(admin, server)
    admin.goto(server.url("/platform/"))
    admin.get_by_role("link", name="一叶茶舍").click()
    admin.wait_for_load_state("load")
    form = admin.locator("form[action$='/suspend']" if suspend else "form[action$='/resume']")
    if form.count():
        form.locator("#reason").fill(SUSPENSION_REASON if suspend else "已补交营业执照")  # both ask why
        form.locator("button[type=submit]").click()
        admin.wait_for_load_state("load")
    context.close()


def sign_in_suspended_console(page, server):
    """The tea store's owner, after a platform admin suspended the store with a reason (``take``
    resumes it once a viewport's screens are taken, so the tea storefront's screens stay open)."""
    switch_tea_suspension(page.context.browser, server, suspend=True)
    sign_in_console(page, server, TEA_OWNER)


def sign_in_platform(page, server):
    page.goto(server.url("/platform/login"))
    page.locator("#email").fill(ADMIN["email"])
    page.locator("#password").fill(ADMIN["password"])
    _submit(page)


def use_theme(page, server, theme):
    """Switch the signed-in merchant's store to ``theme`` on the design screen."""
    page.goto(server.url("/console/design"))
    page.locator(f"form[action$='/console/design/theme']:has(input[name=theme][value={theme}]) "
                 "button[type=submit]").first.click()
    page.wait_for_load_state("load")


def sign_in_shopper(page, server):
    """A shopper of the demo store signed in with WeChat (our privacy policy ticked, then the
    sandbox's consent page)."""
    page.goto(server.url("/login?next=/me", store="demo"))
    page.locator("input[name=agree]").check()
    page.locator("input[name=profiling]").check()
    page.locator("form.sign-in-consent button[type=submit]").click()
    page.locator("input[name=nickname]").fill("小林")
    page.get_by_role("button", name="Create and allow").click()
    page.wait_for_load_state("load")


def add_sample_data(browser, server):
    """A second team member, a custom domain and a mini-program, so those lists show rows."""
    context = _context(browser, "1280")
    page = context.new_page()
    sign_in_console(page, server)
    page.goto(server.url("/console/staff"))
    invite = page.locator("form[action$='/console/staff/invite']")
    invite.locator("#email").fill("operator@example.com")
    invite.locator("#role").select_option("operator")
    invite.locator("button[type=submit]").click()
    page.wait_for_load_state("load")
    page.goto(server.url("/console/settings"))
    domain = page.locator("form[action$='/console/settings/domains']")
    domain.locator("#hostname").fill("shop.example.com")
    domain.locator("button[type=submit]").click()
    page.wait_for_load_state("load")
    appid = page.locator("form[action$='/console/settings/mini-programs']")
    appid.locator("#appid").fill("wx0123456789abcdef")
    appid.locator("#name").fill("演示小程序")
    appid.locator("button[type=submit]").click()
    page.wait_for_load_state("load")
    context.close()


def shots(server):
    """(name, who, action): ``who`` is "visitor", "merchant" (the demo owner, signed in),
    "shopper" (a demo-store member signed in with WeChat) or "admin" (the platform admin,
    signed in); ``action`` brings the page to the screen."""

    def go(path, store=None):
        return lambda page: page.goto(server.url(path, store=store))

    def signup_errors(page):
        page.goto(server.url("/signup"))
        page.locator("#slug").fill("ab")
        page.locator("#email").fill("not-an-email")
        page.locator("#password").fill("short")
        _submit(page)

    def signup_progress(page):
        """Right after sign-up: what the new merchant sees while the store is set up."""
        page.goto(server.url("/signup"))
        page.locator("#store_name").fill("绿叶茶铺")
        page.locator("#slug").fill(f"green-{page.viewport_size['width']}")
        page.locator("#email").fill(f"owner{page.viewport_size['width']}@green-leaf.example.com")
        page.locator("#password").fill("tea-leaves-2026")
        _submit(page)

    def store_detail(page):
        page.goto(server.url("/platform/"))
        page.get_by_role("link", name="Duoshop 演示店").click()
        page.wait_for_load_state("load")

    def product(page):
        page.goto(server.url("/", store="demo"))
        page.locator(".product-card, .blk-product").first.click()
        page.wait_for_load_state("load")

    def product_with_skus(page):
        page.goto(server.url("/search?q=T恤", store="demo"))
        page.locator(".product-card, .blk-product").first.click()
        page.wait_for_load_state("load")
        page.locator(".spec-value", has_text="黑").click()
        page.locator(".spec-value", has_text="M").click()
        page.evaluate("window.scrollTo(0, 0)")

    def cart(page):
        product_with_skus(page)
        page.get_by_role("button", name="加入购物车").click()
        page.locator("[data-toast]").wait_for()  # added in place; then to the cart
        page.goto(server.url("/cart", store="demo"))

    def checkout(page):
        cart(page)
        page.goto(server.url("/checkout", store="demo"))

    def pay(page):
        checkout(page)
        if page.locator("#name").is_visible():  # a returning shopper picks a saved address instead
            page.locator("#name").fill("张三")
            page.locator("#phone").fill("13812345678")
            page.locator("#province_code").select_option("330000")
            page.locator("#city").select_option("杭州市")
            page.locator("#district").select_option("西湖区")
            page.locator("#detail").fill("文三路 100 号")
        page.get_by_role("button", name="提交订单").click()
        page.wait_for_load_state("load")
        page.get_by_role("button", name="微信支付").click()
        page.wait_for_load_state("load")

    def address_form(page):
        page.goto(server.url("/me/addresses/new", store="demo"))
        page.locator("#province_code").select_option(label="浙江省")
        page.locator("#city").select_option("杭州市")
        page.locator("#district").select_option("西湖区")

    def address_book(page):
        page.goto(server.url("/me/addresses", store="demo"))
        for name, city, district, detail in (("林小姐", "杭州市", "西湖区", "文三路 100 号 2 单元 301"),
                                             ("林先生", "宁波市", "鄞州区", "中山东路 1 号")):
            if page.locator(".address-card", has_text=detail).count():
                continue
            address_form(page)
            page.locator("#name").fill(name)
            page.locator("#phone").fill("13812345678")
            page.locator("#city").select_option(city)
            page.locator("#district").select_option(district)
            page.locator("#detail").fill(detail)
            _submit(page)

    def checkout_saved_addresses(page):
        address_book(page)
        checkout(page)

    def wechat_address_sandbox(page):
        checkout(page)
        page.get_by_role("button", name="使用微信地址").click()

    def bargain(page):
        page.goto(server.url("/search?q=耳机", store="demo"))
        page.locator(".product-card, .blk-product").first.click()
        page.wait_for_load_state("load")
        page.locator(".bargain-start button").first.click()
        page.wait_for_load_state("load")

    def my_orders(page):
        pay(page)
        page.goto(server.url("/orders", store="demo"))

    def category(page):
        page.goto(server.url("/", store="tea"))
        page.goto(server.url("/products", store="tea"))
        page.locator(".sort-tabs a").nth(2).click()
        page.wait_for_load_state("load")

    def shipping_form(page):
        """A new template refused for its name, with 北京 and 上海 ticked in rule 1."""
        page.goto(server.url("/console/shipping/new"))
        page.locator("details.region-area").nth(0).locator("summary").click()
        page.locator("input[name=rule_0_regions][value='110000']").check()
        page.locator("details.region-area").nth(2).locator("summary").click()
        page.locator("input[name=rule_0_regions][value='310000']").check()
        page.locator("#rule_0_first_fee").fill("8")
        page.locator("button[value=save]").click()
        page.wait_for_load_state("load")

    def product_form(page):
        """The T-shirt's console form (nine SKUs), scrolled to its SKU table."""
        page.goto(server.url("/console/products?q=T恤"))
        page.get_by_role("link", name="纯棉短袖T恤").click()
        page.wait_for_load_state("load")

    def coupon_picker(page):
        """The coupon form applying to chosen products: one added, the search still open."""
        page.goto(server.url("/console/coupons/new"))
        page.locator("#scope").select_option("products")
        page.locator("#product-search").fill("杯")
        page.locator(".picker-result").first.click()
        page.locator("#product-search").fill("T恤")
        page.locator(".picker-result").first.wait_for()

    def default_theme_home(page):
        """The demo store's home page in the default theme (the one every new store starts
        with); the returned clean-up puts the demo store back on its own theme."""
        use_theme(page, server, "default")
        page.goto(server.url("/", store="demo"))
        return lambda: use_theme(page, server, "promo")

    def my_coupons(page):
        page.goto(server.url("/", store="demo"))
        page.locator(".blk-coupon__claim").first.click()  # answered in place (a toast)
        page.locator("[data-toast]").wait_for()
        page.goto(server.url("/me/coupons", store="demo"))

    def added_to_cart_toast(page):
        page.goto(server.url("/search?q=马克杯", store="demo"))
        page.locator(".product-card").first.click()
        page.get_by_role("button", name="加入购物车").click()
        page.locator("[data-toast]").wait_for()

    def order_detail(page):
        """The demo's paid order: timeline, masked phone, ship and refund forms."""
        page.goto(server.url("/console/orders?status=paid"))
        page.locator("main table a").first.click()
        page.wait_for_load_state("load")

    def upload_too_large(page):
        """A 20 MB file sent from the product form's image upload."""
        product_form(page)
        page.locator("input[type=file][name=file]").first.set_input_files(
            files=[{"name": "huge.jpg", "mimeType": "image/jpeg", "buffer": b"\xff" * (20 * 1024 * 1024)}], timeout=60_000)
        with page.expect_navigation():
            page.locator("input[type=file][name=file]").first.evaluate("input => input.form.submit()")

    def upload_check(page):
        """The browser's own check: a 20 MB file refused next to the field, nothing sent."""
        product_form(page)
        page.locator("#image-file").set_input_files(
            files=[{"name": "huge.jpg", "mimeType": "image/jpeg", "buffer": b"\xff" * (20 * 1024 * 1024)}], timeout=60_000)
        page.locator("#image-file").scroll_into_view_if_needed()

    def image_picker(page):
        """The image library's picker, opened from the details editor's picture button."""
        product_form(page)
        page.locator(".ql-toolbar button.ql-image").click()
        page.locator(".image-picker-item").first.wait_for()

    def storefront_sku_image(page):
        """A SKU picture picked in the console, shown on the storefront once that SKU is chosen."""
        product_form(page)
        row = page.locator("main table tbody tr").nth(4)  # 黑 / M
        row.locator("[data-pick-image]").click()
        page.locator(".image-picker-item").nth(3).click()
        page.locator("button[value=save]").click()
        page.wait_for_load_state("load")
        product_id = page.url.rsplit("/", 1)[1]
        page.goto(server.url(f"/products/{product_id}", store="demo"))
        page.locator(".spec-value", has_text="黑").click()
        page.locator(".spec-value", has_text="M").click()
        page.evaluate("window.scrollTo(0, 0)")

    def sign_in_refused(page):
        """The sign-in page posted without ticking the privacy policy: refused, with the reason."""
        page.goto(server.url("/login?next=/me", store="demo"))
        page.locator("form.sign-in-consent button[type=submit]").click()
        page.wait_for_load_state("load")

    def mini_program_publishing(page):
        """The demo store's mini-program authorised, uploaded and in WeChat's review, with the
        体验版 QR code (each press below is the one the page offers next, so a second
        viewport finds it already there)."""
        for action in ("authorize", "upload", "submit"):
            page.goto(server.url("/console/mini-program/publish"))
            button = page.locator(f"form[action$='/mini-program/publish/{action}'] button")
            if not button.count():
                continue
            button.click()
            page.wait_for_load_state("load")
            if action == "authorize":
                page.locator("input[name=name]").fill("Duoshop 演示店")
                page.locator("input[name=new_appid]").fill("wx0123456789abcdef")  # the AppID bound above
                page.locator("button[name=appid][value=new]").click()
                page.wait_for_load_state("load")
        page.goto(server.url("/console/mini-program/publish"))

    def my_data_export(page):
        """我的数据 after asking for an export: ready, with its one-time download link."""
        page.goto(server.url("/me/data", store="demo"))
        request = page.locator("form[action$='/me/data-export'] button[type=submit]")
        if request.count():
            request.click()
            page.wait_for_load_state("load")
            page.wait_for_timeout(1500)  # the relay builds it right after the commit
            page.goto(server.url("/me/data", store="demo"))

    def console_member(page):
        page.goto(server.url("/console/members"))
        page.locator("main table a[href*='/console/members/']").first.click()
        page.wait_for_load_state("load")

    def platform_store_retention(page):
        page.goto(server.url("/platform/"))
        page.get_by_role("link", name="一叶茶舍").click()
        page.wait_for_load_state("load")
        page.locator("main a[href*='/tenants/'][href$='/retention']").first.click()
        page.wait_for_load_state("load")

    def platform_rollout(page):
        """A rollout of the newest template under way (started once; the second viewport sees it)."""
        page.goto(server.url("/platform/mini-programs"))
        started = page.locator("[data-rollout] h3 a")
        if not started.count():
            page.locator("form[action$='/mini-programs/rollouts'] button").click()
            page.wait_for_load_state("load")
        else:
            started.first.click()
            page.wait_for_load_state("load")

    return [
        ("01-platform-landing", "visitor", go("/")),
        ("02-signup-errors", "visitor", signup_errors),
        ("03-console-login", "visitor", go("/console/login")),
        ("03-console-forgot-password", "visitor", go("/console/password/forgot")),
        ("04-console-dashboard", "merchant", go("/console/")),
        ("05-console-team", "merchant", go("/console/staff")),
        ("06-console-settings", "merchant", go("/console/settings")),
        ("07-platform-login", "visitor", go("/platform/login")),
        ("08-platform-stores", "admin", go("/platform/")),
        ("09-platform-store-detail", "admin", store_detail),
        ("10-storefront-demo", "visitor", go("/", store="demo")),
        ("11-storefront-tea", "visitor", go("/", store="tea")),
        ("12-product", "visitor", product),
        ("13-store-not-found", "visitor", go("/", store="no-such-store")),
        ("14-product-list", "visitor", go("/products?sort=price_asc", store="demo")),
        ("15-product-skus", "visitor", product_with_skus),
        ("16-search-chinese", "visitor", go("/search?q=绿茶", store="tea")),
        ("16-search-words-any-order", "visitor", go("/search?q=陶瓷杯", store="demo")),
        ("16-search-no-result", "visitor", go("/search?q=陶磁杯子", store="demo")),
        ("17-category", "visitor", category),
        ("18-console-shipping", "merchant", go("/console/shipping")),
        ("19-console-shipping-form", "merchant", shipping_form),
        ("20-cart", "visitor", cart),
        ("21-checkout", "visitor", checkout),
        ("21a-checkout-wechat-address", "visitor", wechat_address_sandbox),
        ("21b-checkout-saved-addresses", "shopper", checkout_saved_addresses),
        ("21c-address-book", "shopper", address_book),
        ("21d-address-form", "shopper", address_form),
        ("24-pay", "visitor", pay),
        ("25-my-orders", "visitor", my_orders),
        ("26-console-packing", "merchant", go("/console/packing")),
        ("27-console-after-sales", "merchant", go("/console/after-sales")),
        ("22-console-orders", "merchant", go("/console/orders")),
        ("23-console-order-detail", "merchant", order_detail),
        ("30-console-marketing", "merchant", go("/console/marketing")),
        ("31-console-group-buys", "merchant", go("/console/group-buys")),
        ("32-console-flash-sales", "merchant", go("/console/flash-sales")),
        ("33-console-bargains", "merchant", go("/console/bargains")),
        ("33a-console-coupons", "merchant", go("/console/coupons")),
        ("33b-console-coupon-form", "merchant", go("/console/coupons/new")),
        ("33c-console-coupon-products", "merchant", coupon_picker),
        ("50-console-products", "merchant", go("/console/products")),
        ("51-console-product-form", "merchant", product_form),
        ("34-console-distribution", "merchant", go("/console/distribution")),
        ("35-console-invites", "merchant", go("/console/invites")),
        ("36-console-member-rules", "merchant", go("/console/members/rules")),
        ("37-console-billing", "merchant", go("/console/billing")),
        ("38a-console-upload-too-large", "merchant", upload_too_large),
        ("38b-console-media-library", "merchant", go("/console/media")),
        ("38c-console-design", "merchant", go("/console/design")),
        ("38d-console-image-picker", "merchant", image_picker),
        ("38e-console-upload-check", "merchant", upload_check),
        ("38f-storefront-sku-image", "merchant", storefront_sku_image),
        ("40-me", "shopper", go("/me", store="demo")),
        ("41-top-up", "shopper", go("/me/top-up", store="demo")),
        ("42-distributor-center", "shopper", go("/me/distribution", store="demo")),
        ("43-invite", "shopper", go("/me/invite", store="demo")),
        ("44-bargain", "shopper", bargain),
        ("45-storefront-demo-signed-in", "shopper", go("/", store="demo")),
        ("46-platform-billing", "admin", go("/platform/billing")),
        ("47-storefront-default-theme", "merchant", default_theme_home),
        ("48-my-coupons", "shopper", my_coupons),
        ("49-add-to-cart-toast", "visitor", added_to_cart_toast),
        ("52-console-design", "merchant", go("/console/design")),
        ("53-console-suspended-dashboard", "suspended", go("/console/")),
        ("54-console-suspended-billing", "suspended", go("/console/billing")),
        ("55-console-suspended-orders", "suspended", go("/console/orders")),
        ("56-signup-progress", "visitor", signup_progress),
        ("57-console-mini-program-publishing", "merchant", mini_program_publishing),
        ("58-platform-mini-program-rollout", "admin", platform_rollout),
        ("58a-platform-mini-programs", "admin", go("/platform/mini-programs")),
        ("60-console-data-funnel", "merchant", go("/console/data/?range=30d")),
        ("61-console-data-channels", "merchant", go("/console/data/channels?range=30d")),
        ("62-console-data-buyers", "merchant", go("/console/data/buyers?range=30d")),
        ("63-console-data-products", "merchant", go("/console/data/products?range=30d")),
        ("64-console-data-searches", "merchant", go("/console/data/searches?range=30d")),
        ("65-console-data-share-link", "merchant", go("/console/data/links?target=home&channel=moments")),
        ("66-console-data-bad-range", "merchant", go("/console/data/?range=custom&from=2026-03-10&to=2026-03-01")),
        ("67-sign-in-consent", "visitor", sign_in_refused),
        ("68-privacy-policy", "visitor", go("/privacy", store="demo")),
        ("69-me-privacy", "shopper", go("/me/privacy", store="demo")),
        ("70-console-privacy-policy", "merchant", go("/console/settings/privacy")),
        ("71-my-data-export", "shopper", my_data_export),
        ("72-close-account", "shopper", go("/me/close-account", store="demo")),
        ("73-console-member-data-rights", "merchant", console_member),
        ("74-platform-retention", "admin", go("/platform/retention")),
        ("75-platform-store-retention", "admin", platform_store_retention),
        ("76-console-data-rfm", "merchant", go("/console/data/rfm")),
        ("77-console-data-portrait", "merchant", go("/console/data/portrait")),
    ]


def _watch(page):
    """Collect what went wrong while the page loads: script errors, failed sub-resources."""
    problems = []

    def on_console(message):
        # A failed load is also logged as a console error; responses below say which URL.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            problems.append(f"console: {message.text}")

    def on_response(response):
        if response.status >= 400 and response.request.resource_type != "document":
            problems.append(f"{response.status} for {response.url}")

    page.on("console", on_console)
    page.on("pageerror", lambda exc: problems.append(f"script error: {exc}"))
    page.on("response", on_response)
    return problems


def take(browser, server, out_dir, only=None, locale=LOCALE):
    written, warnings = [], []
    sign_in = {"merchant": sign_in_console, "admin": sign_in_platform, "shopper": sign_in_shopper,
               "suspended": sign_in_suspended_console}
    for viewport in VIEWPORTS:
        contexts = {}
        for name, who, action in shots(server):
            if only and not re.search(only, name):
                continue
            if who not in contexts:
                contexts[who] = _context(browser, viewport, locale)
                if who in sign_in:
                    sign_in[who](contexts[who].new_page(), server)
            page = contexts[who].new_page()
            problems = _watch(page)
            clean_up = action(page)
            page.wait_for_load_state("networkidle")
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            if overflow > 0:
                warnings.append(f"{name} @{viewport}: page is {overflow}px wider than the viewport")
            warnings.extend(f"{name} @{viewport}: {problem}" for problem in problems)
            path = out_dir / f"{name}-{viewport}.png"
            page.screenshot(path=str(path), full_page=True)
            written.append(path)
            if callable(clean_up):
                clean_up()
            page.close()
        for context in contexts.values():
            context.close()
        if "suspended" in contexts:
            switch_tea_suspension(browser, server, suspend=False)
    return written, warnings


def cjk_font_missing():
    """Chinese renders as empty boxes without a CJK font; the screenshots would be useless."""
    if shutil.which("fc-list") is None:
        return False
    listing = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True, check=False)
    return not listing.stdout.strip()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="directory for the PNGs")
    parser.add_argument("--only", help="regular expression: take only the matching screens")
    parser.add_argument("--locale", default=LOCALE, help=f"browser language (default {LOCALE})")
    args = parser.parse_args(argv)
    missing = chromium_missing_message()
    if missing:
        sys.exit(missing)
    if cjk_font_missing():
        sys.exit("No Chinese font is installed, so every screenshot would show boxes instead of text: "
                 "run `apt-get install -y fonts-noto-cjk`.")
    from playwright.sync_api import sync_playwright

    args.out.mkdir(parents=True, exist_ok=True)
    with AppServer() as server, sync_playwright() as playwright:
        server.flask("create-admin", "--email", ADMIN["email"], "--password", ADMIN["password"])
        browser = launch_chromium(playwright)
        try:
            add_sample_data(browser, server)
            # 30 days of made-up behaviour in the demo store, rolled up, for 概况 and the data screens
            subprocess.run([sys.executable, "-m", "tests.e2e.analytics_sample", "demo"], cwd=PROJECT_ROOT,
                           env=server.env, check=True, timeout=300)
            written, warnings = take(browser, server, args.out, args.only, args.locale)
        finally:
            browser.close()
    for path in written:
        print(path)
    for warning in warnings:
        print("WARNING:", warning, file=sys.stderr)


if __name__ == "__main__":
    main()
