"""Browser tests: the real app in a subprocess, driven by Debian's Chromium through Playwright.

A missing browser leaves them out of the run with one line at its end saying how to get it
(``make test`` installs it first when run as root), except where ``DUOSHOP_REQUIRE_BROWSER=1``
(CI): there it is a failure, as these tests are part of the suite.
"""
import pytest

from tests.e2e.chromium import browser_required, chromium_missing_message, skip_message
from tests.e2e.server import AppServer, launch_chromium

TIMEOUT_MS = 15_000
LEFT_OUT = pytest.StashKey[int]()


def pytest_collection_modifyitems(config, items):
    """Without the browser (and not required): the tests that need it are deselected, so the
    run passes and says so once, instead of one skip line per test."""
    if not chromium_missing_message() or browser_required():
        return
    needing = [item for item in items if "browser" in getattr(item, "fixturenames", ())]
    if needing:
        config.hook.pytest_deselected(items=needing)
        items[:] = [item for item in items if item not in needing]
        config.stash[LEFT_OUT] = len(needing)


def pytest_terminal_summary(terminalreporter, config):
    left_out = config.stash.get(LEFT_OUT, 0)
    if left_out:
        terminalreporter.write_line(skip_message(left_out), yellow=True, bold=True)


@pytest.fixture(autouse=True)
def _clean_database():
    """Overrides the suite's per-test cleanup: these tests use the server's own database."""
    yield


@pytest.fixture(scope="session")
def browser():
    missing = chromium_missing_message()
    if missing:  # only when required: otherwise these tests were deselected
        pytest.fail(missing, pytrace=False)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("The Python package `playwright` is missing: run "
                    "`.venv/bin/pip install -r requirements-dev.txt`.", pytrace=False)
    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def live_server(browser, tmp_path_factory):
    """The app on a free port with a fresh, migrated and seeded SQLite database."""
    server = AppServer(workdir=tmp_path_factory.mktemp("e2e"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def new_context(browser):
    """``new_context()`` → a fresh browser profile (its own cookies), in English."""
    contexts = []

    def make(**options):
        options.setdefault("locale", "en-US")
        options.setdefault("extra_http_headers", {"Accept-Language": "en-US,en;q=0.9"})
        context = browser.new_context(**options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_context):
    return new_context().new_page()
