"""Thirty days of made-up shopper behaviour in one store, tracked and rolled up as the
analytics package does it, so the screenshots of 概况 and the data screens are not empty.

    python -m tests.e2e.analytics_sample demo     (with the server's environment)

Deterministic (a seeded random), for screenshots only: never part of the demo seed."""
import random
import sys
from datetime import datetime, timedelta

from sqlalchemy import select

from commerce.analytics.channels import CHANNELS
from commerce.analytics.collect import flush_events, track
from commerce.analytics.rollup import roll_up_day
from commerce.catalog.models import Product
from core.clock import china_now, china_today, from_china
from core.extensions import db
from core.tenancy import tenant_context
from tenants.models import Tenant

DAYS = 30
WORDS = ("白茶", "茶具套装", "手工皂", "保温杯", "蓝牙耳机", "儿童T恤", "普洱")
CHANNEL_WEIGHTS = {"mp_article": 3, "miniprogram": 4, "group": 5, "moments": 2, "direct": 3}


def seed(slug):
    rng = random.Random(16)
    tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug))
    with tenant_context(tenant):
        products = db.session.scalars(select(Product.id).where(Product.status == Product.ON_SALE)).all()
        today = china_today()
        member = 900_000
        for back in range(DAYS - 1, -1, -1):
            day = today - timedelta(days=back)
            hours = range(8, 22) if back else range(0, china_now().hour + 1)  # today: up to now
            for n in range(rng.randint(40, 90) if back else 35):
                channel = rng.choices(list(CHANNEL_WEIGHTS), weights=list(CHANNEL_WEIGHTS.values()))[0]
                moment = from_china(datetime(day.year, day.month, day.day, rng.choice(list(hours)), rng.randint(0, 59)))
                visitor = f"s{back}-{n}"
                track("page_view", tenant_id=tenant.id, occurred_at=moment, visitor_id=visitor, channel=channel,
                      page="home")
                if rng.random() < 0.15:
                    words = rng.choice(WORDS)
                    track("search", tenant_id=tenant.id, occurred_at=moment, visitor_id=visitor, channel=channel,
                          words=words, result_count=0 if words in WORDS[:4] else 3)
                if rng.random() > 0.62 or not products:
                    continue
                product = rng.choice(products)
                track("product_view", tenant_id=tenant.id, occurred_at=moment, visitor_id=visitor, channel=channel,
                      product_id=product)
                if rng.random() > 0.45:
                    continue
                track("add_to_cart", tenant_id=tenant.id, occurred_at=moment, visitor_id=visitor, channel=channel,
                      product_id=product)
                if rng.random() > 0.6:
                    continue
                track("checkout_started", tenant_id=tenant.id, occurred_at=moment, visitor_id=visitor, channel=channel)
                if rng.random() > 0.7:
                    continue
                member = member + 1 if rng.random() > 0.35 else rng.randint(900_001, max(900_001, member))
                track("order_paid", tenant_id=tenant.id, occurred_at=moment, visitor_id=visitor, channel=channel,
                      member_id=member, order_id=None, amount=rng.choice((2990, 5900, 8800, 12800, 19900)))
            flush_events()
            roll_up_day(day)
            db.session.commit()


if __name__ == "__main__":
    from duoshop.app import create_app

    with create_app().app_context():
        seed(sys.argv[1] if len(sys.argv) > 1 else "demo")
    assert set(CHANNEL_WEIGHTS) == set(CHANNELS)
