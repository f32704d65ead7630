"""A merchant decorates the home page in a real browser: drags a banner and a product grid
from the palette onto the canvas, reorders them by drag, changes a setting, publishes, and
sees the blocks in that order on the store's subdomain; the other store is unchanged.

Screenshots of the editor (1280 and 375 wide) and of the storefront go to
tests/e2e/artifacts/ (git-ignored), to be looked at.
"""
import re
from pathlib import Path

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the ``browser`` fixture fails every test with what to install
    expect = None

from tests.e2e.server import PROJECT_ROOT, AppServer

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
DEMO_OWNER = {"slug": "demo", "email": "owner@demo.test", "password": "demo-owner-2026"}
GRID_TITLE = "This week's picks"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 812}


@pytest.fixture(scope="module")
def live_server(browser, tmp_path_factory):
    """An app and database of its own: these tests publish pages the other browser tests must not see."""
    server = AppServer(workdir=tmp_path_factory.mktemp("e2e-builder"))
    server.start()
    yield server
    server.stop()


def _shot(page, name, full_page=False):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=full_page)


def _sign_in(page, server):
    page.goto(server.url("/console/login"))
    page.locator("#slug").fill(DEMO_OWNER["slug"])
    page.locator("#email").fill(DEMO_OWNER["email"])
    page.locator("#password").fill(DEMO_OWNER["password"])
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(server.url("/console/"))


def _open_home_page_editor(page, server, screenshot=None):
    page.goto(server.url("/console/pages"))
    if screenshot:
        _shot(page, screenshot, full_page=True)
    page.locator("tr[data-kind=home] a[data-action=edit]").click()
    expect(page).to_have_url(re.compile(r"/console/pages/\d+/edit$"))
    expect(page.locator("#page-editor.is-ready")).to_be_attached()


def _drag(page, source, target, *, where="center"):
    """Press, move in small steps (SortableJS polls the pointer every few ms), release."""
    start = source.bounding_box()
    box = target.bounding_box()
    x0, y0 = start["x"] + start["width"] / 2, start["y"] + start["height"] / 2
    x1 = box["x"] + box["width"] / 2
    y1 = {"center": box["y"] + box["height"] / 2, "top": box["y"] + 4, "bottom": box["y"] + box["height"] - 4}[where]
    drift = {"center": 0, "top": -1, "bottom": 1}[where]
    page.mouse.move(x0, y0)
    page.mouse.down()
    steps = 20
    for step in range(1, steps + 1):
        page.mouse.move(x0 + (x1 - x0) * step / steps, y0 + (y1 - y0) * step / steps)
        page.wait_for_timeout(25)
    # Linger as a hand does: SortableJS re-checks the spot only when the pointer moves.
    for nudge in range(1, 7):
        page.mouse.move(x1, y1 + drift * nudge + (nudge % 2 if not drift else 0))
        page.wait_for_timeout(60)
    page.mouse.up()


def _canvas_types(page):
    return page.locator("#pe-blocks > .pe-block").evaluate_all("items => items.map(item => item.dataset.type)")


def _canvas_ids(page):
    return page.locator("#pe-blocks > .pe-block:not(.is-hidden)").evaluate_all(
        "items => items.map(item => item.dataset.path)")


def _storefront_ids(page):
    return page.locator(".page-blocks [data-block-id]").evaluate_all("items => items.map(i => i.dataset.blockId)")


def _storefront_types(page):
    return page.locator(".page-blocks [data-block-type]").evaluate_all("items => items.map(i => i.dataset.blockType)")


def test_merchant_builds_reorders_and_publishes_the_home_page(new_context, live_server):
    assert (PROJECT_ROOT / "node_modules/sortablejs/Sortable.min.js").exists(), \
        "SortableJS is not installed: run `make assets` (npm ci)"
    errors = []
    shopper = new_context(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2).new_page()
    shopper.goto(live_server.url("/", store="tea"))
    tea_before = shopper.content()
    shopper.goto(live_server.url("/", store="demo"))
    demo_before = _storefront_ids(shopper)

    page = new_context(viewport=DESKTOP).new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    _sign_in(page, live_server)
    _open_home_page_editor(page, live_server, screenshot="pages-1280.png")
    canvas = page.locator("#pe-blocks")
    status = page.locator("#pe-status")
    before = _canvas_types(page)

    # 1. Palette → canvas, by drag: a banner at the top of the page, a product grid below it.
    top = canvas.locator("> .pe-block > .pe-row").first if before else canvas
    _drag(page, page.locator(".pe-palette-button[data-type=banner]"), top, where="top" if before else "center")
    expect(canvas.locator("> .pe-block")).to_have_count(len(before) + 1)
    banner = canvas.locator("> .pe-block").first
    expect(banner).to_have_attribute("data-type", "banner")
    _drag(page, page.locator(".pe-palette-button[data-type=product_grid]"), banner, where="bottom")
    expect(canvas.locator("> .pe-block")).to_have_count(len(before) + 2)
    assert _canvas_types(page) == ["banner", "product_grid", *before]
    # The banner arrived with its first slide nested under it.
    expect(banner.locator(".pe-children > .pe-child")).to_have_count(1)

    # 2. Reorder by drag: the product grid goes above the banner.
    grid = canvas.locator("> .pe-block[data-type=product_grid]").first
    _drag(page, grid.locator("> .pe-row .pe-name"), banner.locator("> .pe-row"), where="top")
    expect(canvas.locator("> .pe-block").first).to_have_attribute("data-type", "product_grid")
    assert _canvas_types(page) == ["product_grid", "banner", *before]

    # 3. Change a setting in the generated settings panel.
    canvas.locator("> .pe-block").first.locator("> .pe-row .pe-select").click()
    page.get_by_label("Title", exact=True).fill(GRID_TITLE)
    page.get_by_label("Columns").fill("3")
    expect(status).to_have_text("All changes saved", timeout=10_000)
    preview = page.frame_locator("#pe-preview-frame")
    expect(preview.get_by_text(GRID_TITLE)).to_be_visible()
    expect(preview.locator(".page-blocks > [data-block-type]").first).to_have_attribute("data-block-type", "product_grid")
    page.wait_for_timeout(300)  # the preview's own images and fonts
    _shot(page, "editor-1280.png")
    page.locator(".pe-device[data-device=desktop]").click()
    page.wait_for_timeout(300)
    _shot(page, "editor-1280-desktop-preview.png")
    page.locator(".pe-device[data-device=phone]").click()
    expected_order = _canvas_ids(page)

    # 4. Publish.
    page.get_by_role("button", name="Publish").click()
    expect(status).to_have_text(re.compile(r"^Published as version \d+\.$"))
    page.get_by_role("button", name="History").click()
    expect(page.locator("#pe-history-list > li.is-live")).to_have_count(1)
    _shot(page, "editor-1280-history.png")

    # 5. The store's subdomain shows the blocks in the new order; the tea store is unchanged.
    shopper.goto(live_server.url("/", store="demo"))
    assert _storefront_ids(shopper) == expected_order
    assert _storefront_types(shopper)[:2] == ["product_grid", "banner"]
    expect(shopper.get_by_text(GRID_TITLE)).to_be_visible()
    _shot(shopper, "storefront-demo-375.png", full_page=True)
    wide = new_context(viewport=DESKTOP).new_page()
    wide.goto(live_server.url("/", store="demo"))
    assert _storefront_ids(wide) == expected_order
    _shot(wide, "storefront-demo-1280.png", full_page=True)

    shopper.goto(live_server.url("/", store="tea"))
    assert shopper.content() == tea_before
    expect(shopper.get_by_text(GRID_TITLE)).to_have_count(0)
    _shot(shopper, "storefront-tea-375.png", full_page=True)

    # 6. History: restoring the version before ours brings the old page back, on the storefront too.
    page.on("dialog", lambda dialog: dialog.accept())
    page.locator("#pe-history-list > li").nth(1).get_by_role("button", name="Restore").click()
    expect(status).to_have_text(re.compile(r"^Version \d+ is live again\.$"))
    assert _canvas_types(page) == before
    shopper.goto(live_server.url("/", store="demo"))
    assert _storefront_ids(shopper) == demo_before
    assert errors == [], errors


def test_editor_on_a_phone_works_with_buttons_alone(new_context, live_server):
    page = new_context(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2).new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("dialog", lambda dialog: dialog.accept())
    _sign_in(page, live_server)
    _open_home_page_editor(page, live_server, screenshot="pages-375.png")
    before = _canvas_types(page)

    # Touch and keyboard users add blocks by pressing them and move them with buttons.
    page.locator(".pe-palette-button[data-type=notice]").click()
    page.locator(".pe-palette-button[data-type=spacer]").click()  # lands right after the selected notice
    assert _canvas_types(page) == [*before, "notice", "spacer"]
    spacer = page.locator("#pe-blocks > .pe-block[data-type=spacer]")
    spacer.locator("> .pe-row .pe-action--up").click()
    assert _canvas_types(page) == [*before, "spacer", "notice"]
    expect(page.locator("#pe-status")).to_have_text("All changes saved", timeout=10_000)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the editor is {width}px wide on a {PHONE['width']}px phone"
    page.locator(".pe-palette-groups").evaluate("strip => strip.scrollTo(0, 0)")
    page.evaluate("window.scrollTo(0, 0)")
    _shot(page, "editor-375.png")
    _shot(page, "editor-375-full.png", full_page=True)

    for kind in ("spacer", "notice"):  # a tap selects a block and shows its actions
        row = page.locator(f"#pe-blocks > .pe-block[data-type={kind}] > .pe-row")
        row.locator(".pe-select").click()
        row.locator(".pe-action--delete").click()
    assert _canvas_types(page) == before
    expect(page.locator("#pe-status")).to_have_text("All changes saved", timeout=10_000)
    assert errors == [], errors


def test_an_image_block_takes_its_picture_from_the_image_library(new_context, live_server):
    page = new_context(viewport=DESKTOP).new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("dialog", lambda dialog: dialog.accept())
    _sign_in(page, live_server)
    _open_home_page_editor(page, live_server)
    page.locator(".pe-palette-button[data-type=image]").click()
    block = page.locator("#pe-blocks > .pe-block[data-type=image]").last
    block.locator("> .pe-row .pe-select").click()
    page.locator(".pe-image .pe-library").first.click()
    picker = page.locator("dialog#image-picker")
    expect(picker).to_be_visible()
    picker.locator(".image-picker-item").first.click()
    expect(picker).to_be_hidden()
    field = page.locator(".pe-image input[type=text]").first
    expect(field).to_have_value(re.compile(r"^/media/\d+/[0-9a-f]{32}\.(png|jpg|webp)$"))
    expect(page.locator(".pe-image .pe-thumb").first).to_be_visible()
    expect(page.locator("#pe-status")).to_have_text("All changes saved", timeout=10_000)
    block.locator("> .pe-row .pe-action--delete").click()
    expect(page.locator("#pe-status")).to_have_text("All changes saved", timeout=10_000)
    assert errors == [], errors


def test_the_block_limit_notice_and_version_notes_read_as_words(new_context, live_server):
    """A block type at its limit says so without a stray 「null」; the history's notes are in
    the console's language: the first version 「页面已创建」, a restore 「回滚到版本 n」."""
    page = new_context(viewport=DESKTOP).new_page()
    _sign_in(page, live_server)
    _open_home_page_editor(page, live_server)
    limited = page.locator(".pe-palette-button[data-type=announcement_bar]")
    for _ in range(2):  # the second press at the latest finds the page full
        limited.click(force=True)  # a full type is aria-disabled, still pressable: it explains why
    alert = page.locator("#pe-alert")
    expect(alert).to_contain_text("already has as many")
    assert "null" not in alert.inner_text()
    page.get_by_role("button", name="History").click()
    expect(page.locator("#pe-history-list > li").last).to_contain_text("Page created")

    page.goto(live_server.url("/lang/zh?next=/console/pages"))
    page.locator("tr[data-kind=home] a[data-action=edit]").click()
    expect(page.locator("#page-editor.is-ready")).to_be_attached()
    page.get_by_role("button", name="历史版本").click()
    history = page.locator("#pe-history-list")
    expect(history.locator("> li").last).to_contain_text("页面已创建")
    expect(history).not_to_contain_text("created")
    expect(history).not_to_contain_text("Rollback")
