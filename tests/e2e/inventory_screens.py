"""Screenshots of the console's inventory screens (库存), phone and desktop, in Chinese, with
batches received and orders shipped in the demo store.

    .venv/bin/python -m tests.e2e.inventory_screens [--out DIR]

Starts the app like the browser tests do, receives batches (with and without expiry) for a
few demo SKUs, places and pays orders for three shoppers and ships them (each unit taken
from a batch, FEFO), then writes ``inventory-<screen>-<viewport>.png``: the safety-stock
list, a SKU's plan, the turnover report, the batch list, the receive form, a batch's trace
and an order page with its lines' batches. Prints a warning for a page wider than its
viewport, a script error or a failed sub-resource. A look for reviewers, not a test.
"""
import argparse
import sys
from datetime import timedelta
from pathlib import Path

from tests.e2e.chromium import chromium_missing_message
from tests.e2e.rfm_screens import server_environment
from tests.e2e.screenshots import DEMO_OWNER, VIEWPORTS, _context, _watch, sign_in_console
from tests.e2e.server import AppServer, launch_chromium


def add_stock_and_shipments(server):
    """Batches and shipped orders in the demo store; ``(sku id, batch id, order number)`` to show."""
    with server_environment(server):
        return _add_stock_and_shipments()


def _add_stock_and_shipments():
    from sqlalchemy import select

    from commerce.catalog.models import SKU, Product
    from commerce.inventory.batches import receive_batch
    from commerce.inventory.models import StockBatch
    from commerce.members.models import Address, Member
    from commerce.orders.payments import record_payment
    from commerce.orders.service import Wanted, place_order
    from commerce.shipping.parcels import ship_order
    from core.clock import china_today
    from core.errors import DomainError
    from core.extensions import db
    from core.tenancy import tenant_context
    from duoshop.app import create_app
    from tenants.models import Tenant

    app = create_app()
    with app.app_context():
        demo = db.session.scalar(select(Tenant).where(Tenant.slug == DEMO_OWNER["slug"]))
        with tenant_context(demo):
            rows = db.session.execute(select(SKU, Product.title).join(Product, Product.id == SKU.product_id)
                                      .where(Product.status == Product.ON_SALE).order_by(SKU.id)).all()
            by_title = {}
            for sku, title in rows:
                by_title.setdefault(title, sku)
            tea = by_title.get("特级绿茶礼盒") or rows[0][0]
            others = [sku for sku in by_title.values() if sku.id != tea.id][:3]
            today = china_today()
            receive_batch(tea, batch_number="LJ20261101", supplier="杭州西湖茶厂", quantity=40,
                          produced_on=today - timedelta(days=30), expires_on=today + timedelta(days=330))
            receive_batch(tea, batch_number="LJ20261015", supplier="杭州西湖茶厂", quantity=12,
                          produced_on=today - timedelta(days=50), expires_on=today + timedelta(days=200))
            for index, sku in enumerate(others):
                receive_batch(sku, batch_number=f"B2026{index + 1:03d}", supplier="义乌小商品供应链", quantity=30)
            db.session.flush()
            shipped = None
            for index, (name, phone) in enumerate((("王小明", "13800000011"), ("陈静", "13800000012"),
                                                   ("刘洋", "13800000013"))):
                member = Member(nickname=name)
                db.session.add(member)
                db.session.flush()
                address = Address(member_id=member.id, name=name, phone=phone, province_code="330000", city="杭州市",
                                  district="西湖区", detail=f"文三路 {100 + index} 号", is_default=True)
                db.session.add(address)
                db.session.flush()
                try:  # a SKU in a campaign (flash sale: one each) sells alone
                    with db.session.begin_nested():
                        order = place_order(member_id=member.id, address=address, wanted=[
                            Wanted(tea.id, 6 + index * 2), Wanted(others[index % len(others)].id, 1)])
                except DomainError:
                    order = place_order(member_id=member.id, address=address, wanted=[Wanted(tea.id, 6 + index * 2)])
                record_payment(order, f"4200000001{order.number[-12:]}", None, source="demo")
                lines = [(line.id, line.quantity) for line in order.lines]
                ship_order(order, [("shunfeng", f"SF{order.id:012d}", lines)], actor=None)
                shipped = shipped or order.number
            db.session.commit()
            batch_id = db.session.scalar(select(StockBatch.id).where(StockBatch.batch_number == "LJ20261015"))
            return tea.id, batch_id, shipped


def shots(sku_id, batch_id, order_number):
    return [
        ("levels", "/console/inventory"),
        ("levels-low", "/console/inventory?show=low"),
        ("sku", f"/console/inventory/skus/{sku_id}"),
        ("turnover", "/console/inventory/turnover"),
        ("batches", "/console/inventory/batches"),
        ("receive", "/console/inventory/batches/new"),
        ("batch", f"/console/inventory/batches/{batch_id}"),
        ("order", f"/console/orders/{order_number}"),
        ("dashboard", "/console/"),
    ]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("/work/shots18/stock"))
    args = parser.parse_args(argv)
    missing = chromium_missing_message()
    if missing:
        sys.exit(missing)
    from playwright.sync_api import sync_playwright

    args.out.mkdir(parents=True, exist_ok=True)
    with AppServer() as server, sync_playwright() as playwright:
        targets = shots(*add_stock_and_shipments(server))
        browser = launch_chromium(playwright)
        for viewport, size in VIEWPORTS.items():
            context = _context(browser, viewport)
            page = context.new_page()
            sign_in_console(page, server)
            for name, path in targets:
                problems = _watch(page)
                page.goto(server.url(path))
                page.wait_for_load_state("load")
                if name == "levels":
                    page.locator("details.plan-settings summary").click()
                width = page.evaluate("document.documentElement.scrollWidth")
                if width > size["width"]:
                    print(f"warning: {name} at {viewport} is {width}px wide")
                for problem in problems:
                    print(f"warning: {name} at {viewport}: {problem}")
                target = args.out / f"inventory-{name}-{viewport}.png"
                page.screenshot(path=str(target), full_page=True)
                print(target)
            context.close()
        browser.close()


if __name__ == "__main__":
    main()
