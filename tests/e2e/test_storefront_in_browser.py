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
