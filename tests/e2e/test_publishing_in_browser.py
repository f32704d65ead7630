"""小程序发布 in a real browser against the open-platform sandbox: a store goes from 未授权
to 已发布 (the audit approved by hand on the sandbox's control page), and a template rolled
out from /platform to three stores shows its progress and ends with all three released."""
import uuid

import pytest

from tests.e2e.screenshots import ADMIN, DEMO_OWNER, sign_in_console, sign_in_platform
from tests.e2e.server import AppServer
from tests.e2e.test_signup_in_browser import PROVISIONING_TIMEOUT, _fill_signup

try:
    from playwright.sync_api import expect
except ImportError:  # the ``browser`` fixture fails every test with what to install
    expect = None

PUBLISHING = "/console/mini-program/publish"
CONTROL = "/sandbox/wechat_open/control"
AUTHORISE_TIMEOUT = 20_000  # ms
ROLLOUT_TIMEOUT = 30_000  # ms: audits approved → released by the server's worker thread


def current_step(page):
    return page.locator("[data-pipeline] [aria-current=step]")


def authorise(page, server, program_name):
    """The owner presses 授权小程序 and approves a new test mini-program on WeChat's page."""
    page.goto(server.url(PUBLISHING))
    page.get_by_role("button", name="Authorise mini-program").click()
    page.locator("input[name=name]").fill(program_name)
    page.get_by_role("button", name="Create and authorise").click()
    # WeChat's page → our callback (which asks the sandbox for the authoriser) → the pipeline;
    # on a loaded machine that chain takes longer than the default wait.
    expect(page.get_by_text("Mini-program authorised.")).to_be_visible(timeout=AUTHORISE_TIMEOUT)
    expect(page).to_have_url(server.url(PUBLISHING))
    expect(current_step(page)).to_have_attribute("data-step", "authorized")


def test_a_store_goes_from_not_authorised_to_released(new_context, live_server):
    page = new_context().new_page()
    sign_in_console(page, live_server, DEMO_OWNER)
    page.locator(".topnav").get_by_role("link", name="Sales channels").click()  # 渠道: its first section
    expect(page.locator(".subnav [aria-current=page]")).to_have_text("Mini-program")
    expect(current_step(page)).to_have_attribute("data-step", "not_authorized")

    name = f"演示店小程序{uuid.uuid4().hex[:4]}"
    authorise(page, live_server, name)
    expect(page.locator("[data-pipeline] h2")).to_contain_text(name)

    page.get_by_role("button", name="Upload code").click()
    expect(current_step(page)).to_have_attribute("data-step", "uploaded")
    qr = page.locator("img[data-trial-qrcode]")
    expect(qr).to_be_visible()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=qr.element_handle())

    page.get_by_role("button", name="Submit for review").click()
    expect(current_step(page)).to_have_attribute("data-step", "auditing")

    control = page.context.new_page()  # the developer, on the sandbox's control page
    control.goto(live_server.url(CONTROL))
    control.locator("tr", has_text=name).get_by_role("button", name="Approve").click()
    control.wait_for_load_state("load")

    page.reload()
    expect(current_step(page)).to_have_attribute("data-step", "approved")
    page.get_by_role("button", name="Release").click()
    expect(current_step(page)).to_have_attribute("data-step", "released")
    expect(page.locator("[data-step=released] .hint")).to_be_visible()  # with its time
    control.reload()
    expect(control.locator("tr", has_text=name)).to_contain_text("1.1.0")


@pytest.fixture(scope="module")
def rollout_server(browser, tmp_path_factory):
    """A server of its own: the rollout goes to every authorised store, so exactly the three
    this test authorises (the shared server's demo store may already be)."""
    server = AppServer(workdir=tmp_path_factory.mktemp("e2e-rollout"))
    server.start()
    server.flask("create-admin", "--email", ADMIN["email"], "--password", ADMIN["password"])
    yield server
    server.stop()


def test_a_rollout_to_three_stores_shows_progress_and_ends_with_all_released(new_context, rollout_server):
    server = rollout_server
    page = new_context().new_page()
    sign_in_console(page, server, DEMO_OWNER)
    authorise(page, server, "demo小程序")
    # Two new stores (the seeded tea store has the development mini-program of
    # miniprogram/ext.json bound already, and its plan allows one).
    for number, slug in (("第二家店", "second-store"), ("第三家店", "third-store")):
        page = new_context().new_page()
        page.goto(server.url("/signup"))
        _fill_signup(page, store_name=number, slug=slug, email=f"owner@{slug}.example.com", password=f"{slug}-2026")
        expect(page).to_have_url(server.url("/console/?welcome=1"), timeout=PROVISIONING_TIMEOUT * 1000)
        authorise(page, server, f"{number}小程序")

    admin = new_context().new_page()
    sign_in_platform(admin, server)
    admin.get_by_role("link", name="Mini-programs").click()
    admin.locator("#template_id").select_option(label="1.1.0 · 商品详情页改版 (#2)")
    admin.get_by_role("button", name="Roll out to every store").click()
    progress = admin.locator("[data-progress]")
    expect(progress).to_have_attribute("data-progress", "0/3")
    expect(admin.locator("[data-store-step=auditing]")).to_have_count(3, timeout=ROLLOUT_TIMEOUT)

    control = new_context().new_page()
    control.goto(server.url(CONTROL))
    control.get_by_role("button", name="Approve all").click()
    control.wait_for_load_state("load")

    # The page refreshes itself while the rollout runs.
    expect(progress).to_have_attribute("data-progress", "3/3", timeout=ROLLOUT_TIMEOUT)
    expect(admin.locator("[data-store-step=released]")).to_have_count(3)
    expect(admin.locator("[data-status]")).to_have_attribute("data-status", "done")
    expect(admin.get_by_text("3 of 3 stores released")).to_be_visible()
