"""The platform's audit trail reads as words in the reader's language: each action a phrase
(「订单已支付」, not ``order.paid``), each target its kind and name or number (页面「首页」,
订单 2026…, not 「Page 7」); every action the code records has its words."""
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from billing.audit_words import ACTION_WORDS
from billing.platform import create_platform_admin
from commerce.catalog.models import Product
from commerce.members.models import Address
from commerce.orders.service import Wanted, place_order
from core.audit import record_audit
from core.extensions import db
from core.tenancy import tenant_context
from tenants.models import StaffUser
from tests.conftest import csrf_from
from tests.factories import create_member, create_product, create_store, sku_of
from themes.models import Page
from themes.pages import publish_page

ADMIN_EMAIL, ADMIN_PASSWORD = "ops@duoshop-platform.com", "platform-pass-2026"
EN, ZH = {"Accept-Language": "en"}, {"Accept-Language": "zh-CN"}
ROOT = Path(__file__).resolve().parents[2]
# Actions built from a variable, with every value the code passes.
FAMILIES = {
    "subscription.{event}": ("pay", "lapse", "suspend", "resume", "cancel", "extend_trial"),
    "bargain_campaign.{status}": ("active", "paused"), "flash_sale.{status}": ("active", "paused"),
    "group_buy.{status}": ("active", "paused"), "member.{_TOTAL_OF[entry_class]}_adjusted": ("points", "balance"),
    "coupon.{'pause' if status == Coupon.PAUSED else 'resume'}": ("pause", "resume"),
    "distributor.{'approve' if approve else 'reject'}": ("approve", "reject"),
    "official_account.{which}_reply_saved": ("subscribe", "default"),
}


@pytest.fixture
def demo(app_ctx):
    create_platform_admin(email=ADMIN_EMAIL, password=ADMIN_PASSWORD)
    db.session.commit()
    store = create_store("demo", name="Demo Shop")
    product_id = create_product(store, "龙井", price=5000, stock=5)
    member_id, address_id = create_member(store)
    with tenant_context(store.id):
        owner = db.session.scalar(select(StaffUser))
        home = db.session.scalar(select(Page).where(Page.kind == Page.HOME))
        publish_page(home, actor=owner)
        order = place_order(member_id=member_id, address=db.session.get(Address, address_id),
                            wanted=[Wanted(sku_of(store, product_id), 1)])
        record_audit("order.paid", tenant_id=store.id, target=order)
        db.session.commit()
        return store, home.title, order.number, product_id


@pytest.fixture
def admin(platform_client, demo):
    token = csrf_from(platform_client, "/platform/login")
    platform_client.post("/platform/login", data={"csrf_token": token, "email": ADMIN_EMAIL,
                                                  "password": ADMIN_PASSWORD})
    return platform_client


def trail(admin, store, language):
    body = admin.get(f"/platform/tenants/{store.id}", headers=language).get_data(as_text=True)
    section = re.search(r"<h2>[^<]*</h2>\s*<table class=\"table\">\s*<thead><tr><th>[^<]*</th><th>[^<]*</th>"
                        r"<th>[^<]*</th><th>[^<]*</th><th>[^<]*</th></tr></thead>.*?</table>", body[body.rfind("<h2>"):],
                        re.S).group(0)
    return re.sub(r"<[^>]+>", " ", section)  # the words shown, without the markup


def test_actions_and_targets_read_as_chinese_words(admin, demo):
    store, home_title, number, _product_id = demo
    shown = trail(admin, store, ZH)
    assert "订单支付" in shown and f"订单 {number}" in shown
    assert "发布页面" in shown and f"页面「{home_title}」" in shown
    assert "注册店铺" in shown and "店铺开业" in shown and "店铺「Demo Shop」" in shown
    assert "order.paid" not in shown and "page.published" not in shown and not re.search(r"Page \d", shown)


def test_actions_and_targets_read_as_english_words(admin, demo):
    store, _home_title, number, _product_id = demo
    shown = trail(admin, store, EN)
    assert "Order paid" in shown and f"Order {number}" in shown
    assert "Published a page" in shown and "Page “" in shown and "Store “Demo Shop”" in shown
    assert "order.paid" not in shown and not re.search(r"Page \d", shown)


def test_a_target_deleted_since_is_named_by_its_kind_and_id(admin, demo):
    store = demo[0]
    product_id = create_product(store, "下架的茶", price=1000)
    with tenant_context(store.id):
        record_audit("product.delete", tenant_id=store.id, target=db.session.get(Product, product_id))
        db.session.delete(db.session.get(Product, product_id))
        db.session.commit()
    shown = trail(admin, store, EN)
    assert "Deleted a product" in shown and f"Product #{product_id}" in shown


def test_a_target_is_named_only_from_its_own_store(admin, demo):
    store, _home_title, _number, _product_id = demo
    tea = create_store("tea", name="Tea House")
    with tenant_context(tea.id):
        tea_page = db.session.scalar(select(Page).where(Page.kind == Page.HOME))
        tea_page.title = "茶馆的秘密首页"
        db.session.commit()
        tea_page_id = tea_page.id
    with tenant_context(store.id):
        entry = record_audit("page.published", tenant_id=store.id)
        entry.target_type, entry.target_id = "Page", str(tea_page_id)
        db.session.commit()
    shown = trail(admin, store, EN)
    assert "茶馆的秘密首页" not in shown and f"Page #{tea_page_id}" in shown


def test_every_action_the_code_records_has_words():
    recorded = set()
    for path in ROOT.glob("*/**/*.py"):
        if any(part in (".venv", "node_modules", "tests") for part in path.parts):
            continue
        source = path.read_text(encoding="utf-8")
        recorded.update(re.findall(r'record_audit\(\s*"([a-z_.]+)"', source))
        for template in re.findall(r'record_audit\(\s*f"([^"]+)"', source):
            assert template in FAMILIES, f"{path}: an action family without its values here: {template}"
            prefix = template.split("{")[0]
            suffix = template.rsplit("}", 1)[1]
            recorded.update(f"{prefix}{value}{suffix}" for value in FAMILIES[template])
    assert recorded and sorted(recorded - set(ACTION_WORDS)) == []
