"""The console's frame on a phone: its groups are one row that scrolls sideways, with the
group being worked in marked and in view, and that group's sections in a row of their own, so
a page's content starts on the first screen."""
from tests.e2e.screenshots import sign_in_console

PHONE = {"width": 375, "height": 812}


def test_on_a_phone_the_groups_are_one_row_with_the_current_one_in_view(new_context, live_server):
    page = new_context(viewport=PHONE).new_page()
    sign_in_console(page, live_server)
    page.goto(live_server.url("/console/packing"))
    page.wait_for_load_state("load")
    links = page.locator(".topnav > a")
    tops = {round(box["y"]) for box in (links.nth(i).bounding_box() for i in range(links.count()))}
    assert len(tops) == 1  # one row, however many groups
    current = page.locator(".topnav > a[aria-current=page]")
    assert current.count() == 1 and current.inner_text() == "Orders"
    box = current.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    section = page.locator(".subnav a[aria-current=page]")
    assert section.count() == 1 and section.inner_text() == "Packing"
    assert page.locator(".subnav a").all_inner_texts() == ["Orders", "Packing", "Waybills", "After-sales"]
    assert page.locator("main h1").bounding_box()["y"] < 200  # the page starts near the top
