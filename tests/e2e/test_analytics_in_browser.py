"""The page-shown beacon in a real browser: a shopper opens a share link to a product on a
phone; the page (the same bytes as for anyone) sends one beacon to /t, which answers 204 and
gives the browser its visitor cookie; the server's flusher writes the event within a second
or two, and ``flask analytics-rollup`` counts the visitor in the link's channel."""
import sqlite3
import time

from core.clock import china_today

PHONE = {"viewport": {"width": 375, "height": 812}, "is_mobile": True, "has_touch": True}


def events(live_server, visitor):
    """This visitor's events (the server is shared: another test's beacons may land meanwhile)."""
    with sqlite3.connect(live_server.database) as conn:
        return conn.execute("SELECT kind, channel, page, product_id FROM analytics_events WHERE visitor_id = ? "
                            "ORDER BY id", (visitor,)).fetchall()


def test_a_share_link_is_counted_by_the_beacon_in_its_channel(live_server, new_context, tmp_path):
    context = new_context(**PHONE)
    shopper = context.new_page()
    with sqlite3.connect(live_server.database) as conn:
        product_id = conn.execute("SELECT min(id) FROM products WHERE status = 'on_sale'").fetchone()[0]
    with shopper.expect_response(lambda response: response.url.endswith("/t")) as beacon:
        shopper.goto(live_server.url(f"/products/{product_id}?utm_source=moments", store="demo"))
    assert beacon.value.status == 204
    shopper.screenshot(path=str(tmp_path / "product-375.png"), full_page=False)
    cookies = {cookie["name"]: cookie for cookie in context.cookies()}
    assert cookies["ds_vid"]["httpOnly"] and cookies["ds_ch"]["value"] == "moments"
    visitor = cookies["ds_vid"]["value"].partition(".")[0]  # <id>.<issued>
    deadline = time.monotonic() + 10
    while not events(live_server, visitor) and time.monotonic() < deadline:
        time.sleep(0.2)  # the flusher writes every second
    assert events(live_server, visitor) == [("product_view", "moments", "product", product_id)]
    answer = live_server.flask("analytics-rollup", "--day", china_today().isoformat())
    assert "stores rolled up" in answer
    with sqlite3.connect(live_server.database) as conn:
        assert conn.execute("SELECT visitors, product_viewers FROM analytics_daily WHERE channel = 'moments' AND day = ? "
                            "AND tenant_id = (SELECT id FROM tenants WHERE slug = 'demo')",
                            (china_today().isoformat(),)).fetchone() == (1, 1)
