"""Plan limits, enforced by every service that creates a limited thing, and shown in the
console as an upgrade prompt (403 with the limit and the plan that allows more, never a
500). A downgrade deletes nothing: it only refuses what is above the new limit."""
import io
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import func, select, update

from billing.models import Subscription
from billing.subscriptions import change_plan, subscription_of
from commerce.catalog.images import add_product_image
from commerce.catalog.models import Product, ProductImage
from commerce.catalog.service import create_product
from commerce.marketing.coupons.service import create_coupon
from commerce.marketing.flash_sales.service import create_flash_sale
from commerce.marketing.group_buys.service import create_group_buy
from core.extensions import db
from core.models import utcnow
from core.tenancy import tenant_context
from tenants import entitlements
from tenants.entitlements import UpgradeRequired, usage_of
from tenants.models import Domain, MiniProgram, StaffUser
from tenants.service import add_custom_domain, add_mini_program, invite_staff
from tests.builder.test_console_orders import post
from tests.commerce.catalog.test_catalog import SPECS, sku_rows
from tests.commerce.marketing.coupons.test_coupons import coupon
from tests.factories import create_staff, create_store, login_staff
from tests.storefront.test_media import upload
from themes.models import Page
from themes.pages import create_page

EN = {"Accept-Language": "en"}


@pytest.fixture
def stores(app_ctx):
    return create_store("demo"), create_store("tea")


def on_plan(store, code):
    with tenant_context(store.id):
        db.session.execute(update(Subscription).values(plan=code))
        db.session.commit()


def owner(store):
    return db.session.scalar(select(StaffUser).where(StaffUser.role == StaffUser.OWNER))


def png():
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(out, "PNG")
    out.seek(0)
    return out


def fill_products(count):
    db.session.add_all([Product(title=f"p{n}", price=100, stock=1, status=Product.DRAFT) for n in range(count)])
    db.session.flush()


# Each case: (what, make room up to the basic plan's limit, try one more). Basic allows 100 products,
# 2 staff seats, 5 pages, no custom domain, no mini-program, no marketing.
CASES = {
    "products": (lambda store: fill_products(100 - usage_of()["products"]),
                 lambda store: create_product(actor=None, title="one too many", specs=SPECS, skus=sku_rows())),
    "staff": (lambda store: invite_staff(actor=owner(store), email="second@demo.test", role=StaffUser.OPERATOR),
              lambda store: invite_staff(actor=owner(store), email="third@demo.test", role=StaffUser.OPERATOR)),
    "pages": (lambda store: [create_page(actor=None, title=f"P{n}", slug=f"p{n}")
                             for n in range(5 - usage_of()["pages"])],
              lambda store: create_page(actor=None, title="Sixth", slug="sixth")),
    "custom_domain": (lambda store: None, lambda store: add_custom_domain(actor=owner(store), hostname="shop.demo.cn")),
    "mini_programs": (lambda store: None,
                      lambda store: add_mini_program(actor=owner(store), appid="wx0123456789abcdef")),
    "coupons": (lambda store: None, lambda store: create_coupon(coupon(), actor=None)),
    "flash_sales": (lambda store: None, lambda store: create_flash_sale(
        actor=None, title="秒杀", starts_at=utcnow(), ends_at=utcnow() + timedelta(hours=2), items=[])),
    "group_buys": (lambda store: None, lambda store: create_group_buy(
        actor=None, title="拼团", sku_id=1, group_price=100, size=2, hours=24, ends_at=utcnow() + timedelta(days=1))),
}
COUNTED = {"products": (Product, 100), "staff": (StaffUser, 2), "pages": (Page, 5), "custom_domain": (Domain, 0),
           "mini_programs": (MiniProgram, 0)}


@pytest.mark.parametrize("case", list(CASES))
def test_the_basic_plan_refuses_one_more_and_writes_nothing(stores, case):
    demo, _tea = stores
    on_plan(demo, "basic")
    fill, one_more = CASES[case]
    with tenant_context(demo.id):
        fill(demo)
        db.session.commit()
        with pytest.raises(UpgradeRequired) as refused:
            one_more(demo)
        db.session.rollback()
        assert refused.value.status == 403 and "Basic plan" in refused.value.message
        assert "Upgrade to Pro" in refused.value.message and refused.value.extra["upgrade_url"] == "/console/billing"
        if case in COUNTED:
            model, limit = COUNTED[case]
            assert db.session.scalar(select(func.count(model.id))) == limit


@pytest.mark.parametrize("case", ["products", "staff", "pages", "custom_domain", "mini_programs", "coupons"])
def test_the_same_creation_is_allowed_on_a_plan_that_includes_it(stores, case):
    demo, _tea = stores
    on_plan(demo, "flagship")
    fill, one_more = CASES[case]
    with tenant_context(demo.id):
        fill(demo)
        assert one_more(demo) is not None
        db.session.commit()


def test_the_limit_is_the_stores_own_plan_not_the_other_stores(stores):
    demo, tea = stores
    on_plan(demo, "basic")
    with tenant_context(tea.id):  # tea is on its Pro trial: marketing allowed
        assert create_coupon(coupon(), actor=None).id
        db.session.commit()
    with tenant_context(demo.id), pytest.raises(UpgradeRequired):
        create_coupon(coupon(), actor=None)


def test_an_upload_above_the_storage_limit_is_refused_and_stores_nothing(stores, monkeypatch):
    demo, _tea = stores
    on_plan(demo, "basic")
    monkeypatch.setattr(entitlements, "storage_bytes", lambda tenant_id: 500 * 1024 * 1024 - 10)
    with tenant_context(demo.id):
        product = create_product(actor=None, title="T恤", specs=SPECS, skus=sku_rows())
        db.session.commit()
        with pytest.raises(UpgradeRequired) as refused:
            add_product_image(product, png(), actor=None)
        db.session.rollback()
        assert "media storage" in refused.value.message
        assert db.session.scalar(select(func.count(ProductImage.id))) == 0


def test_a_downgrade_deletes_nothing_and_blocks_only_new_creation(stores):
    demo, _tea = stores
    with tenant_context(demo.id):
        add_mini_program(actor=owner(demo), appid="wx0123456789abcdef")
        create_coupon(coupon(), actor=None)
        change_plan(subscription_of(), "basic", "month")  # during the trial: at once
        db.session.commit()
        assert subscription_of().plan == "basic"
        assert db.session.scalar(select(func.count(MiniProgram.id))) == 1  # kept, and still routing
        with pytest.raises(UpgradeRequired):
            add_mini_program(actor=owner(demo), appid="wx0123456789abcdee")


@pytest.mark.parametrize(("form_page", "action", "data"), [
    ("/console/settings", "/console/settings/domains", {"hostname": "shop.demo.cn"}),
    ("/console/settings", "/console/settings/mini-programs", {"appid": "wx0123456789abcdef"}),
    ("/console/coupons/new", "/console/coupons/new", {"name": "满100减10", "kind": "amount_off", "amount_off": "10",
                                                      "threshold": "100", "scope": "all", "validity": "days",
                                                      "valid_days": "7", "per_member_limit": "1"}),
    ("/console/staff", "/console/staff/invite", {"email": "third@example.com", "role": "operator"}),
])
def test_the_console_shows_an_upgrade_prompt_not_an_error_page(stores, platform_client, form_page, action, data):
    demo, _tea = stores
    on_plan(demo, "basic")
    create_staff(demo, "second@demo.test", StaffUser.OPERATOR)  # the basic plan's second and last seat
    login_staff(platform_client, demo)
    response = post(platform_client, action, form_page, **data)
    body = response.get_data(as_text=True)
    assert response.status_code == 403
    assert "Your Basic plan" in body and "Upgrade to Pro in Billing" in body
    assert 'href="/console/settings"' in body  # 设置, whose sections hold 账单 (Billing), where the prompt points


def test_storage_is_measured_per_store_on_local_disk(stores, app, tmp_path, monkeypatch):
    demo, tea = stores
    monkeypatch.setitem(app.config, "MEDIA_ROOT", str(tmp_path))
    (tmp_path / str(demo.id)).mkdir()
    (tmp_path / str(demo.id) / "a.png").write_bytes(b"x" * 1500)
    with tenant_context(demo.id):
        assert entitlements.storage_bytes(demo.id) == 1500 and usage_of()["storage_mb"] == 1  # rounded up
    with tenant_context(tea.id):
        assert usage_of()["storage_mb"] == 0


def test_the_media_upload_answers_an_upgrade_problem_when_storage_is_full(stores, platform_client, monkeypatch):
    demo, _tea = stores
    on_plan(demo, "basic")
    monkeypatch.setattr(entitlements, "storage_bytes", lambda tenant_id: 500 * 1024 * 1024)
    login_staff(platform_client, demo)
    response = upload(platform_client, png().getvalue())
    assert response.status_code == 403 and response.mimetype == "application/problem+json"
    assert "Upgrade to Pro in Billing" in response.json["detail"]
