"""Concurrency claims, proven with real threads against PostgreSQL."""
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select, text

from commerce.catalog.models import Product
from core.extensions import db
from core.tenancy import tenant_context
from tenants.errors import SlugUnavailable
from tenants.models import Tenant
from tenants.service import sign_up_merchant
from tests.factories import create_product, create_store

pytestmark = pytest.mark.postgres


def test_pooled_connections_never_carry_one_tenants_setting_into_another(app):
    with app.app_context():
        stores = [create_store(f"shop{i}") for i in range(4)]
        expected = {store.id: create_product(store, f"商品{store.id}") for store in stores}
    errors = []
    barrier = threading.Barrier(len(stores), timeout=60)

    def browse(store):
        with app.app_context():
            barrier.wait()
            for _ in range(40):
                with tenant_context(store.id):
                    orm_ids = db.session.scalars(select(Product.id)).all()
                    raw_ids = db.session.execute(text("SELECT id FROM products")).scalars().all()
                    db.session.commit()  # back to the pool: the next checkout may be another tenant's
                with db.engine.connect() as conn:  # Core, no Session hooks: what a pooler hands out
                    stray = conn.execute(text("SELECT count(*) FROM products")).scalar()
                if orm_ids != [expected[store.id]] or raw_ids != [expected[store.id]] or stray:
                    errors.append((store.slug, orm_ids, raw_ids, stray))
            # Outside any tenant, the same pooled connections show nothing.
            leftover = db.session.execute(text("SELECT count(*) FROM products")).scalar()
            db.session.commit()
            if leftover:
                errors.append((store.slug, "leftover", leftover))

    with ThreadPoolExecutor(max_workers=len(stores)) as pool:
        list(pool.map(browse, stores))
    assert errors == []


def test_two_merchants_racing_for_the_same_slug_get_one_store(app):
    barrier = threading.Barrier(2, timeout=60)

    def sign_up(email):
        with app.app_context():
            barrier.wait()
            try:
                sign_up_merchant(email=email, password="race-password-1", store_name="抢注", slug="hotname")
                db.session.commit()
                return "created"
            except SlugUnavailable:
                db.session.rollback()
                return "refused"

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = sorted(pool.map(sign_up, ["a@race-shop.com", "b@race-shop.com"]))
    assert outcomes == ["created", "refused"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Tenant).where(Tenant.slug == "hotname")) == 1
