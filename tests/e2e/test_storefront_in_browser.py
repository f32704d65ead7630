"""The storefront in a real browser: pictures in the default theme's product list, the
bottom tab bar on a phone, and add-to-cart that stays on the page with a toast."""
try:
    from playwright.sync_api import expect
except ImportError:  # the ``browser`` fixture fails every test with what to install
    expect = None

from tests.e2e.screenshots import sign_in_console, use_theme

PHONE = {"viewport": {"width": 375, "height": 812}, "is_mobile": True, "has_touch": True}

LOADED_PICTURES = """section => [...section.querySelectorAll('.blk-product img')]
    .filter(img => img.complete && img.naturalWidth > 0).length"""


def test_the_default_themes_home_product_list_shows_pictures_that_load(live_server, new_context):
    merchant = new_context().new_page()
    sign_in_console(merchant, live_server)
    use_theme(merchant, live_server, "default")  # the theme every new store starts with
    try:
        shopper = new_context(**PHONE).new_page()
        shopper.goto(live_server.url("/", store="demo"))
        expect(shopper.locator("body.theme-default")).to_have_count(1)
        grid = shopper.locator(".blk-products").first
        cards = grid.locator(".blk-product")
        expect(cards.first).to_be_visible()
        count = cards.count()
        assert count >= 5
        grid.scroll_into_view_if_needed()
        for index in range(count):  # lazy pictures load once scrolled to
            cards.nth(index).scroll_into_view_if_needed()
        shopper.wait_for_function(f"({LOADED_PICTURES})(document.querySelector('.blk-products')) === {count}")
        box = cards.first.locator("img").bounding_box()
        assert box["width"] > 100 and box["height"] > 100  # a real picture, not a dot
    finally:
        use_theme(merchant, live_server, "promo")


def test_the_tab_bar_shows_on_a_phone_with_the_page_highlighted_and_not_on_a_desktop(live_server, new_context):
    phone = new_context(**PHONE).new_page()
    phone.goto(live_server.url("/", store="demo"))
    bar = phone.get_by_role("navigation", name="Store sections")
    expect(bar).to_be_visible()
    expect(bar.locator(".tab-bar__label")).to_have_text(["Home", "Categories", "Cart", "Me"])
    expect(bar.locator("[aria-current=page] .tab-bar__label")).to_have_text("Home")
    box = bar.bounding_box()
    assert box["y"] + box["height"] == 812  # fixed to the bottom of the screen
    bar.get_by_role("link", name="Me", exact=True).click()
    phone.wait_for_url("**/me")
    expect(phone.locator(".tab-bar [aria-current=page] .tab-bar__label")).to_have_text("Me")

    desktop = new_context(viewport={"width": 1280, "height": 800}).new_page()
    desktop.goto(live_server.url("/", store="demo"))
    expect(desktop.get_by_role("navigation", name="Store sections")).to_be_hidden()


def test_add_to_cart_stays_on_the_page_with_a_toast_and_the_badge_counts(live_server, new_context):
    shopper = new_context(**PHONE).new_page()
    shopper.goto(live_server.url("/search?q=马克杯", store="demo"))
    shopper.locator(".product-card").first.click()
    product_url = shopper.url
    shopper.get_by_role("button", name="Add to cart").click()
    expect(shopper.locator("[data-toast]")).to_have_text("Added to your cart.")
    assert shopper.url == product_url  # still on the product page
    shopper.get_by_role("button", name="Add to cart").click()
    shopper.goto(live_server.url("/", store="demo"))
    expect(shopper.locator("[data-cart-badge]")).to_have_text("2")  # asked after load, the page being cached


def test_claiming_a_coupon_answers_in_place_for_success_and_refusal(live_server, new_context):
    shopper = new_context(**PHONE).new_page()
    shopper.goto(live_server.url("/", store="demo"))
    claim = shopper.locator(".blk-coupon__claim").first
    claim.click()
    expect(shopper.locator("[data-toast]")).to_have_text("The coupon is yours: it is taken off at checkout.")
    claim.click()
    expect(shopper.locator("[data-toast]")).to_have_text("You already have this coupon.")
    expect(shopper.locator("[data-toast]")).to_have_class("toast toast--error")
