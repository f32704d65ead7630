"""A merchant signs up in a real browser and their store opens on its own subdomain."""
import time

try:
    from playwright.sync_api import expect
except ImportError:  # the ``browser`` fixture fails every test with what to install
    expect = None

DEMO_OWNER = {"slug": "demo", "email": "owner@demo.test", "password": "demo-owner-2026"}
# Demo-store products that the tea store does not sell (both sell a "纯棉短袖T恤").
DEMO_ONLY_PRODUCTS = ("水洗牛仔外套", "北欧陶瓷马克杯", "亚麻抱枕套", "无线蓝牙耳机")
PROVISIONING_TIMEOUT = 30  # seconds


def _fill_signup(page, *, store_name, slug, email, password):
    page.locator("#store_name").fill(store_name)
    page.locator("#slug").fill(slug)
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    page.get_by_role("button", name="Create my store").click()


def _wait_until(check, timeout, what):
    deadline = time.monotonic() + timeout
    while True:
        if check():
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} within {timeout}s")
        time.sleep(0.5)


def _visited(page):
    """The addresses the page's main frame asked for, in order, redirects included (a store
    ready at once is redirected from the set-up page before the frame ever shows it)."""
    paths = []
    page.on("request", lambda request: request.is_navigation_request() and request.frame == page.main_frame
            and paths.append(request.url))
    return paths


def test_signup_opens_the_store_on_its_subdomain(page, live_server):
    store_name, slug = "Green Leaf Tea 绿叶茶铺", "green-leaf"
    page.goto(live_server.url("/signup"))
    expect(page.get_by_role("heading", name="Open your store")).to_be_visible()
    visited = _visited(page)

    _fill_signup(page, store_name=store_name, slug=slug, email="owner@green-leaf.example.com",
                 password="tea-leaves-2026")

    # The set-up page follows the store's provisioning (the server's worker thread) and moves
    # on to the dashboard by itself: no reload by hand.
    expect(page).to_have_url(live_server.url("/console/?welcome=1"), timeout=PROVISIONING_TIMEOUT * 1000)
    assert live_server.url("/console/setting-up") in visited
    expect(page.get_by_role("status").filter(has_text="Welcome! Your store is open.")).to_be_visible()
    expect(page.get_by_role("heading", name=store_name, level=1)).to_be_visible()
    expect(page.locator("dt:text-is('Status') + dd")).to_have_text("Open")
    storefront_url = live_server.url("/", store=slug)
    storefront_link = page.get_by_role("link", name=storefront_url)
    expect(storefront_link).to_be_visible()
    expect(storefront_link).to_have_attribute("href", storefront_url)

    response = page.goto(storefront_url)
    assert response.status == 200
    expect(page.locator(".topbar .brand")).to_have_text(store_name)
    expect(page).to_have_title(store_name)
    for title in DEMO_ONLY_PRODUCTS + ("纯棉短袖T恤",):
        expect(page.get_by_text(title)).to_have_count(0)


# The set-up page's moving parts, served when the real page already moved on (the store was
# ready at once): the script under test, polling the real endpoint.
SET_UP_SHELL = ('<!doctype html><title>set-up</title><section id="setting-up" data-state="setting_up" '
                'data-status-url="/console/setting-up/status"></section>'
                '<script src="/static/js/setting-up.js" defer></script>')


def _as_if_still_setting_up(route):
    response = route.fetch(max_redirects=0)
    if response.status == 200:
        route.fulfill(response=response)
    else:
        route.fulfill(status=200, content_type="text/html", body=SET_UP_SHELL)


def test_the_set_up_page_polls_and_moves_on_when_the_store_is_ready(page, live_server):
    """The page asks the status endpoint until it answers "ready": here the first answers are
    held at "setting_up", so the page must poll more than once before it moves on."""
    page.goto(live_server.url("/signup"))
    _fill_signup(page, store_name="Poll Tea", slug="poll-tea", email="owner@poll-tea.example.com",
                 password="tea-leaves-2026")
    page.wait_for_url(lambda url: "/console/setting-up" in url or "/console/?welcome=1" in url)

    # Playwright does not route a redirect's target, and sign-up answers with a redirect: the
    # set-up page is therefore opened again by hand, now that the routes are in place.
    answers = []

    def status(route):
        answers.append(route.request.url)
        if len(answers) <= 2:
            route.fulfill(json={"state": "setting_up", "next": None})
        else:
            route.continue_()

    page.route("**/console/setting-up/status", status)
    page.route("**/console/setting-up", _as_if_still_setting_up)
    page.goto(live_server.url("/console/setting-up"))
    expect(page).to_have_url(live_server.url("/console/?welcome=1"), timeout=PROVISIONING_TIMEOUT * 1000)
    assert len(answers) >= 3
    expect(page.get_by_text("Welcome! Your store is open.")).to_be_visible()


def test_without_javascript_the_set_up_page_refreshes_into_the_dashboard(new_context, live_server):
    page = new_context(java_script_enabled=False).new_page()
    page.goto(live_server.url("/signup"))
    _fill_signup(page, store_name="No Script Tea", slug="no-script", email="owner@no-script.example.com",
                 password="tea-leaves-2026")
    expect(page).to_have_url(live_server.url("/console/?welcome=1"), timeout=PROVISIONING_TIMEOUT * 1000)
    expect(page.get_by_text("Welcome! Your store is open.")).to_be_visible()


def test_console_session_stays_on_the_platform_host(page, live_server):
    page.goto(live_server.url("/console/login"))
    page.locator("#slug").fill(DEMO_OWNER["slug"])
    page.locator("#email").fill(DEMO_OWNER["email"])
    page.locator("#password").fill(DEMO_OWNER["password"])
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(live_server.url("/console/"))
    expect(page.get_by_role("heading", name="Duoshop 演示店", level=1)).to_be_visible()

    # The session cookie is host-only: the store's subdomain never receives it.
    platform_cookies = page.context.cookies(live_server.url("/"))
    assert any(cookie["name"] == "session" for cookie in platform_cookies)
    assert not page.context.cookies(live_server.url("/", store="demo"))

    response = page.goto(live_server.url("/console/", store="demo"))
    assert response.status == 404
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    expect(page.get_by_role("link", name="Dashboard")).to_have_count(0)

    response = page.goto(live_server.url("/", store="demo"))
    assert response.status == 200
    expect(page.get_by_text("水洗牛仔外套")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)

    response = page.goto(live_server.url("/", store="tea"))
    assert response.status == 200
    expect(page.locator(".topbar .brand")).to_have_text("一叶茶舍")
    expect(page.get_by_text("特级绿茶礼盒")).to_be_visible()
    for title in DEMO_ONLY_PRODUCTS:
        expect(page.get_by_text(title)).to_have_count(0)


def test_signup_with_a_taken_address_shows_the_error_on_the_form(page, live_server):
    page.goto(live_server.url("/signup"))
    _fill_signup(page, store_name="Another Demo", slug="demo", email="someone@example.com",
                 password="another-shop-2026")

    expect(page).to_have_url(live_server.url("/signup"))
    slug_field = page.locator(".field", has=page.locator("#slug"))
    expect(slug_field.get_by_role("alert")).to_have_text("The store address “demo” is already taken.")
    expect(page.locator("#slug")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#store_name")).to_have_value("Another Demo")
    expect(page.locator("#password")).to_have_value("")
