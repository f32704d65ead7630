"""Screenshots of the console's RFM and portrait screens, phone and desktop, in Chinese, with
a year of made-up buying in the demo store (the demo seed has no consents or orders to score).

    .venv/bin/python -m tests.e2e.rfm_screens [--out DIR]

Starts the app like the browser tests do, adds 80 members to the demo store (64 consenting
to profiling), their paid orders over the last year (provinces, hours, categories of the
seeded products), scores them, and sends a coupon to one segment; then writes
``rfm-<viewport>.png`` and ``portrait-<viewport>.png``. Prints a warning for a page wider
than its viewport, a script error or a failed sub-resource (a CSP refusal, a missing file).
A look for reviewers, not a test.
"""
import argparse
import os
import random
import sys
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

from tests.e2e.chromium import chromium_missing_message
from tests.e2e.screenshots import DEMO_OWNER, OUT_DIR, VIEWPORTS, _context, _watch, sign_in_console
from tests.e2e.server import AppServer, launch_chromium

PROVINCES = ["330000"] * 6 + ["310000"] * 4 + ["320000"] * 3 + ["440000"] * 3 + ["110000"] * 2 + ["510000", "420000"]
HOURS = [8, 9, 10, 12, 12, 13, 19, 20, 20, 21, 21, 21, 22, 22, 23]


@contextmanager
def server_environment(server):
    """This process's environment pointed at the server's database while the block runs."""
    names = ("DATABASE_URL", "DUOSHOP_ENV", "PLATFORM_DOMAIN", "MIGRATION_DATABASE_URL", "DATABASE_PLATFORM_URL",
             "REDIS_URL", "JOB_MODE")
    saved = {name: os.environ.get(name) for name in names}
    for name in names:
        os.environ.pop(name, None)
        if name in server.env:
            os.environ[name] = server.env[name]
    try:
        yield
    finally:
        for name, value in saved.items():
            os.environ.pop(name, None)
            if value is not None:
                os.environ[name] = value


def add_buying(server, slug=DEMO_OWNER["slug"]):
    """Members, consents, orders and lines of store ``slug``, straight into the server's
    database; returns the segment a coupon was sent to."""
    with server_environment(server):
        return _add_buying(slug)


def _add_buying(slug):
    from sqlalchemy import insert, select

    from commerce.analytics.rfm import compute_rfm, issue_segment_coupon, segment_member_ids
    from commerce.catalog.models import SKU, Product
    from commerce.marketing.coupons.service import create_coupon
    from commerce.members.consent import record_consents
    from commerce.members.models import Member, MemberConsent, MemberLevel
    from commerce.orders.models import Order, OrderLine
    from core.clock import CHINA_TZ
    from core.extensions import db
    from core.models import utcnow
    from core.tenancy import tenant_context
    from duoshop.app import create_app
    from tenants.models import Tenant

    chance = random.Random(16)
    app = create_app()
    with app.app_context():
        demo = db.session.scalar(select(Tenant).where(Tenant.slug == slug))
        with tenant_context(demo):
            levels = db.session.scalars(select(MemberLevel).order_by(MemberLevel.growth_threshold)).all()
            if not levels:
                levels = [MemberLevel(name=name, growth_threshold=threshold)
                          for name, threshold in (("银卡会员", 500), ("金卡会员", 3000))]
                db.session.add_all(levels)
                db.session.flush()
            products = db.session.execute(select(Product.id, SKU.id, SKU.price).join(SKU, SKU.product_id == Product.id)
                                          .order_by(Product.id)).all()
            now = utcnow()
            for number in range(80):
                member = Member(nickname=f"顾客{number:02d}",
                                level_id=chance.choice([None, None, levels[0].id, levels[-1].id]))
                db.session.add(member)
                db.session.flush()
                record_consents(member.id, {MemberConsent.ACCOUNT: True, MemberConsent.PROFILING: number % 5 != 4},
                                channel=MemberConsent.H5)
                province = chance.choice(PROVINCES)
                for _ in range(chance.choice([1, 1, 1, 2, 2, 3, 4, 6, 9])):
                    product_id, sku_id, price = chance.choice(products)
                    quantity = chance.choice([1, 1, 2, 3])
                    day = now.astimezone(CHINA_TZ) - timedelta(days=chance.randint(0, 360))
                    paid_at = day.replace(hour=chance.choice(HOURS), minute=chance.randint(0, 59))
                    amount = max(price, 1) * quantity
                    order_id = db.session.scalar(insert(Order).returning(Order.id).values(
                        tenant_id=demo.id, number=f"RFM{member.id}x{chance.randint(0, 10**9)}", member_id=member.id,
                        status=Order.COMPLETED, subtotal=amount, shipping_fee=0, discount=0, member_discount=0,
                        total=amount, paid_amount=amount, refunded_amount=0, refund_reserved=0,
                        expires_at=paid_at + timedelta(minutes=30), paid_at=paid_at,
                        paid_with=Order.PAID_WITH_BALANCE, ship_name="张三", ship_phone="13812345678",
                        ship_province_code=province, ship_region="", ship_detail="某路 1 号",
                        created_at=paid_at, updated_at=paid_at))
                    db.session.add(OrderLine(order_id=order_id, product_id=product_id, sku_id=sku_id, title="商品",
                                             price=price, quantity=quantity))
            db.session.commit()
            compute_rfm(now=now - timedelta(minutes=2))
            coupon = create_coupon({"name": "老客回馈满100减15", "kind": "amount_off", "amount_off": 1500,
                                    "threshold": 10000, "percent_off": None, "max_discount": None, "scope": "all",
                                    "target_ids": [], "valid_from": None, "valid_until": None, "valid_days": 15,
                                    "total_quantity": None, "per_member_limit": 1, "stackable": False}, actor=None)
            segment = next(code for code in ("important_keep", "important_win_back", "important_value")
                           if segment_member_ids(code))
            issue_segment_coupon(segment, coupon, actor=None)
            db.session.commit()
            return segment


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="directory for the PNGs")
    args = parser.parse_args(argv)
    missing = chromium_missing_message()
    if missing:
        sys.exit(missing)
    from playwright.sync_api import sync_playwright

    args.out.mkdir(parents=True, exist_ok=True)
    warnings = []
    with AppServer() as server, sync_playwright() as playwright:
        add_buying(server)
        browser = launch_chromium(playwright)
        try:
            for viewport in VIEWPORTS:
                context = _context(browser, viewport)
                sign_in_console(context.new_page(), server)
                for name, path in (("rfm", "/console/data/rfm"), ("portrait", "/console/data/portrait")):
                    page = context.new_page()
                    problems = _watch(page)
                    page.goto(server.url(path))
                    page.wait_for_load_state("networkidle")
                    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
                    if overflow > 0:
                        warnings.append(f"{name} @{viewport}: page is {overflow}px wider than the viewport")
                    warnings.extend(f"{name} @{viewport}: {problem}" for problem in problems)
                    target = args.out / f"{name}-{viewport}.png"
                    page.screenshot(path=str(target), full_page=True)
                    print(target)
                    page.close()
                context.close()
        finally:
            browser.close()
    for warning in warnings:
        print("WARNING:", warning, file=sys.stderr)


if __name__ == "__main__":
    main()
