"""`make run` seeds two working demo stores and a platform admin, idempotently."""
import json
from pathlib import Path

from sqlalchemy import func, select

from billing.models import PlatformAdmin
from commerce.catalog.models import Product
from core.extensions import db
from core.tenancy import unscoped
from duoshop.demo import seed_demo
from tenants.models import Tenant
from tests.commerce.members.test_wechat_login import wechat_login  # noqa: F401 — the fixture

ROOT = Path(__file__).resolve().parents[2]


def test_seed_creates_two_open_stores_and_running_it_again_changes_nothing(app_ctx, store_client):
    first = seed_demo()
    with unscoped():
        counts = (db.session.scalar(select(func.count(Tenant.id))), db.session.scalar(select(func.count(Product.id))))
    second = seed_demo()
    with unscoped():
        again = (db.session.scalar(select(func.count(Tenant.id))), db.session.scalar(select(func.count(Product.id))))
    assert first == second and counts == again and counts[0] == 2
    assert db.session.scalar(select(func.count(PlatformAdmin.id))) == 1
    tea_home = store_client("tea").get("/").get_data(as_text=True)
    assert "特级绿茶礼盒" in tea_home and "一叶一世界" in tea_home  # a decorated home page
    assert "人气热卖" in store_client("demo").get("/p/new-season").get_data(as_text=True)
    assert "特级绿茶礼盒" not in store_client("demo").get("/").get_data(as_text=True)
    assert any("store=demo" in line for line in first) and any("store=tea" in line for line in first)


def test_the_demo_home_shows_a_running_coupon_flash_sale_group_buy_and_bargain(app_ctx, store_client):
    seed_demo()
    seed_demo()  # once each, however often `make run` seeds
    home = store_client("demo").get("/").get_data(as_text=True)
    assert "满199减20" in home  # the coupon strip offers it
    assert "¥19.90" in home and "data-ends-at=" in home  # the mug at its flash price, with a countdown
    assert "¥39.00" in home  # the pillow case at its group price
    assert "¥99.00" in home  # the earphones' bargain floor
    with unscoped():
        from commerce.marketing.coupons.models import Coupon
        from commerce.marketing.flash_sales.models import FlashSale
        from commerce.marketing.group_buys.models import GroupBuy

        assert [db.session.scalar(select(func.count(model.id))) for model in (Coupon, FlashSale, GroupBuy)] == [2, 1, 1]


def test_the_demo_footer_prints_the_copyright_once(app_ctx, store_client):
    seed_demo()
    home = store_client("demo").get("/").get_data(as_text=True)
    assert home.count("© Duoshop 演示店") == 1


def test_the_mini_program_template_signs_in_to_the_tea_store_and_sees_its_home(app_ctx, platform_client,
                                                                               wechat_login):  # noqa: F811
    seed_demo()
    appid = json.loads((ROOT / "miniprogram" / "ext.json").read_text(encoding="utf-8"))["extAppid"]
    code = wechat_login.issue_code(appid, wechat_login.create_user("开发者").id, "snsapi_base")
    signed_in = platform_client.post("/api/v1/session", json={"code": code}, headers={"X-Duoshop-AppID": appid})
    assert signed_in.status_code == 200, signed_in.get_json()
    home = platform_client.get("/api/v1/home", headers={"X-Duoshop-AppID": appid}).get_json()
    assert home["page"] is not None and len(home["blocks"]) > 3
    assert platform_client.get("/api/v1/store", headers={"X-Duoshop-AppID": appid}).get_json()["slug"] == "tea"
