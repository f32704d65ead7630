"""The merchant's catalog screens in the console, in the browser: one price and stock filled
into every SKU or into the ticked ones and saved (the server checks each row), and a coupon's
products picked from a search instead of typed numbers.

What is made here leaves the shared demo store as the other browser tests expect it: the
product stays a draft (no shopper sees it) and the coupon is paused once saved."""
try:
    from playwright.sync_api import expect
except ImportError:  # the ``browser`` fixture fails every test with what to install
    expect = None

OWNER = {"slug": "demo", "email": "owner@demo.test", "password": "demo-owner-2026"}


def sign_in_console(page, live_server):
    page.goto(live_server.url("/console/login"))
    page.locator("#slug").fill(OWNER["slug"])
    page.locator("#email").fill(OWNER["email"])
    page.locator("#password").fill(OWNER["password"])
    page.locator("main form button[type=submit]").first.click()
    expect(page.get_by_role("link", name="Products")).to_be_visible()


def sku_inputs(page, name):
    """The SKU rows' boxes of one column (``price`` is not ``market_price``)."""
    return page.locator(f"table input[name$='_{name}']:not([name$='_market_{name}'])")


def new_product_with_skus(page, live_server, title, spec, values):
    """The console's new-product form with one spec: its SKU table shows a row per value."""
    sign_in_console(page, live_server)
    page.goto(live_server.url("/console/products/new"))
    page.locator("#title").fill(title)
    page.locator("#spec_name_0").fill(spec)
    page.locator("#spec_values_0").fill(", ".join(values))
    page.get_by_role("button", name="Update SKU table").click()
    expect(sku_inputs(page, "price")).to_have_count(len(values))


def test_one_price_fills_every_sku_and_one_stock_the_ticked_ones(live_server, page):
    new_product_with_skus(page, live_server, "批量填充测试帽", "颜色", ["红", "蓝", "绿"])

    page.get_by_role("button", name="Fill ticked SKUs").click()  # nothing typed yet
    expect(page.locator(".bulk-fill-message")).to_have_text("Enter a price or a stock to fill in.")
    page.locator("#bulk-price").fill("49.90")
    page.get_by_role("button", name="Fill every SKU").click()
    assert [box.input_value() for box in sku_inputs(page, "price").all()] == ["49.90"] * 3
    assert [box.input_value() for box in sku_inputs(page, "market_price").all()] == [""] * 3  # only the price
    expect(page.locator(".bulk-fill-message")).to_contain_text("Filled in 3 SKUs")

    page.locator("#bulk-price").fill("")
    page.locator("#bulk-stock").fill("12")
    page.get_by_role("button", name="Fill ticked SKUs").click()  # nothing ticked
    expect(page.locator(".bulk-fill-message")).to_contain_text("Tick the SKUs")
    page.get_by_role("checkbox", name="Select 红").check()
    page.get_by_role("checkbox", name="Select 绿").check()
    page.get_by_role("button", name="Fill ticked SKUs").click()
    assert [box.input_value() for box in sku_inputs(page, "stock").all()] == ["12", "", "12"]
    assert [box.input_value() for box in sku_inputs(page, "price").all()] == ["49.90"] * 3  # price left alone

    sku_inputs(page, "stock").nth(1).fill("3")
    page.get_by_role("button", name="Save product").click()
    expect(page.get_by_text("Product saved.")).to_be_visible()
    assert [box.input_value() for box in sku_inputs(page, "stock").all()] == ["12", "3", "12"]

    page.goto(live_server.url("/console/products?q=批量填充测试帽"))
    row = page.locator("tbody tr", has_text="批量填充测试帽")
    expect(row).to_contain_text("¥49.90")
    expect(row).to_contain_text("27")


def test_a_filled_value_the_server_refuses_is_named_and_nothing_is_saved(live_server, page):
    new_product_with_skus(page, live_server, "批量填充拒绝测试", "尺码", ["S", "M"])
    page.locator("#bulk-price").fill("ten")
    page.locator("#bulk-stock").fill("5")
    page.get_by_role("button", name="Fill every SKU").click()
    page.get_by_role("button", name="Save product").click()
    expect(page.get_by_role("alert")).to_be_visible()  # the server read each row: "ten" is no price
    page.goto(live_server.url("/console/products?q=批量填充拒绝测试"))
    expect(page.get_by_text("No products found.")).to_be_visible()


def test_a_coupons_products_are_picked_from_a_search(live_server, page):
    sign_in_console(page, live_server)
    page.goto(live_server.url("/console/coupons/new"))
    expect(page.locator("#product_ids")).to_be_hidden()  # the typed numbers give way to the search
    page.locator("#name").fill("马克杯专享券")
    page.locator("#amount_off").fill("5")
    page.locator("#scope").select_option("products")

    page.locator("#product-search").fill("no such thing at all")
    expect(page.locator(".picker-results")).to_contain_text("No product matches.")
    page.locator("#product-search").fill("马克杯")
    page.get_by_role("button", name="北欧陶瓷马克杯 · ¥39.00").click()
    chosen = page.locator(".picker-chosen li")
    expect(chosen).to_have_count(1)
    expect(chosen).to_contain_text("北欧陶瓷马克杯")
    mug_id = chosen.get_attribute("data-id")
    assert page.locator("#product_ids").input_value() == mug_id
    expect(page.locator(".picker-result").first).to_be_disabled()  # already added

    page.locator("#product-search").fill("耳机")
    page.locator(".picker-result").first.click()
    expect(chosen).to_have_count(2)
    page.get_by_role("button", name="Remove 无线蓝牙耳机").click()
    expect(chosen).to_have_count(1)
    assert page.locator("#product_ids").input_value() == mug_id

    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Coupon 马克杯专享券 saved.")).to_be_visible()
    row = page.locator("tbody tr", has_text="马克杯专享券")
    row.get_by_role("button", name="Pause").click()  # leaves the demo store's checkout as it was
    expect(page.locator("tbody tr", has_text="马克杯专享券")).to_contain_text("Paused")

    page.locator("tbody tr", has_text="马克杯专享券").get_by_role("link", name="马克杯专享券").click()
    expect(page.locator(".picker-chosen li")).to_have_count(1)  # shown back by title, from the saved number
    expect(page.locator(".picker-chosen li")).to_contain_text(f"北欧陶瓷马克杯 #{mug_id}")
