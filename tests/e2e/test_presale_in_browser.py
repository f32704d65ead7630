"""A shopper on a phone books the demo store's pre-sale (定金 ¥20 抵 ¥50, the balance payable at
once): the product page shows the terms and the ship date, the checkout the deposit due now
and the rule for an unpaid balance, the deposit and then the balance are each paid in the
WeChat Pay sandbox, and the order ends paid with its ship date."""
try:
    from playwright.sync_api import expect
except ImportError:  # the ``browser`` fixture fails every test with what to install
    expect = None

from tests.e2e.presale_screens import book_and_pay, sign_in_with_wechat
from tests.e2e.test_shopping_in_browser import PHONE


def test_a_shopper_pays_the_deposit_then_the_balance_of_a_presale(live_server, new_context):
    page = new_context(**PHONE).new_page()
    sign_in_with_wechat(page, live_server, "预订小王")
    seen = {}

    def look(name, shown):
        seen[name] = shown.locator("main").inner_text()

    book_and_pay(page, live_server, look)
    assert "Deposit ¥20.00 now, counts as ¥50.00 off the price" in seen["presale-product"]
    assert "Ships from" in seen["presale-product"]
    assert "Deposit, to pay now" in seen["presale-checkout"] and "¥20.00" in seen["presale-checkout"]
    assert "the deposit is not refunded" in seen["presale-checkout"]
    assert "¥20.00" in seen["presale-pay-deposit"]
    assert "Deposit paid. Pay the balance of" in seen["presale-order-balance-due"]
    assert "Pay balance" in seen["presale-order-balance-due"]
    expect(page.locator("main")).to_contain_text("Paid, to be shipped")
    expect(page.locator("main")).to_contain_text("Pre-sale: ships from")
