"""The console's frame on a phone: its sections are one row that scrolls sideways, with the
section being worked in marked and in view, so a page's content starts on the first screen."""
from tests.e2e.screenshots import sign_in_console

PHONE = {"width": 375, "height": 812}


def test_on_a_phone_the_sections_are_one_row_with_the_current_one_in_view(new_context, live_server):
    page = new_context(viewport=PHONE).new_page()
    sign_in_console(page, live_server)
    page.goto(live_server.url("/console/packing"))
    page.wait_for_load_state("load")
    links = page.locator(".topnav > a")
    tops = {round(box["y"]) for box in (links.nth(i).bounding_box() for i in range(links.count()))}
    assert len(tops) == 1  # one row, however many sections
    current = page.locator(".topnav > a[aria-current=page]")
    assert current.count() == 1 and current.inner_text() == "Packing"
    page.wait_for_function("() => document.querySelector('.topnav').scrollLeft > 0")  # brought into view
    box = current.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    assert page.locator("main h1").bounding_box()["y"] < 200  # the page starts near the top
