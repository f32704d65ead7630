"""What a Youzan shopper expects of a store (issue 14, item 23): the bottom tab bar the
merchant sets on the design screen (on by default: 首页 / 分类 / 购物车 / 我的), the cart
badge's count, 我的优惠券 with unused / used / expired tabs, the shopper called by their
nickname, and add-to-cart answering in place for the page's script."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from commerce.marketing.coupons.models import MemberCoupon
from core.audit import AuditLog
from core.extensions import db
from core.models import utcnow
from core.tenancy import tenant_context
from tenants.models import StaffUser
from tests.commerce.marketing.coupons.test_coupons import claim, new_coupon
from tests.commerce.members.test_top_ups import signed_in
from tests.commerce.orders.test_checkout_and_pay import DESKTOP, add_to_cart
from tests.conftest import csrf_from
from tests.factories import create_member, create_staff, login_staff
from themes.pages import change_theme, store_theme

ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
JSON = {"Accept": "application/json"}
TAB_RE = re.compile(r'<a class="tab-bar__tab tab-bar__tab--(\w+)" href="([^"]+)"( aria-current="page")?>.*?'
                    r'<span class="tab-bar__label">([^<]*)</span>', re.S)


def tabs_on(client, path, headers=ZH):
    """``[(key, href, active, label), …]`` of the page's tab bar; [] when there is none."""
    body = client.get(path, headers=headers).get_data(as_text=True)
    return [(key, href, bool(active), label) for key, href, active, label in TAB_RE.findall(body)]


def tab_bar_form(client, enabled=True, **tabs):
    """``tabs``: key → label ("" keeps the default); tabs not named are not shown."""
    form = {"csrf_token": csrf_from(client, "/console/design")}
    if enabled:
        form["enabled"] = "y"
    for key, label in tabs.items():
        form[f"show_{key}"], form[f"label_{key}"] = "y", label
    return form


@pytest.fixture
def owner(shop, platform_client):
    login_staff(platform_client, shop[0])
    return platform_client


# --- (a) the tab bar ---------------------------------------------------------------------

def test_a_new_store_shows_the_four_tabs_with_the_pages_own_tab_highlighted(shop, store_client):
    _demo, _tea, product_id, _sku = shop
    shopper = store_client("demo")
    assert tabs_on(shopper, "/") == [("home", "/", True, "首页"), ("categories", "/products", False, "分类"),
                                      ("cart", "/cart", False, "购物车"), ("me", "/me", False, "我的")]
    assert [tab[0] for tab in tabs_on(shopper, "/products") if tab[2]] == ["categories"]
    assert [tab[0] for tab in tabs_on(shopper, "/cart") if tab[2]] == ["cart"]
    assert [tab[0] for tab in tabs_on(shopper, "/me") if tab[2]] == ["me"]
    assert [tab[3] for tab in tabs_on(shopper, "/", headers={"Accept-Language": "en"})] == ["Home", "Categories",
                                                                                          "Cart", "Me"]
    assert tabs_on(shopper, f"/products/{product_id}") == []  # the product page has its own buy bar
    body = shopper.get("/", headers=ZH).get_data(as_text=True)
    assert 'class="store theme-default has-tab-bar"' in body and "data-cart-badge" in body


def test_the_merchant_chooses_tabs_and_labels_and_every_page_follows_at_once(shop, owner, store_client):
    demo, _tea, _product, _sku = shop
    shopper = store_client("demo")
    assert len(tabs_on(shopper, "/")) == 4  # now in the page cache
    response = owner.post("/console/design/tab-bar", data=tab_bar_form(owner, home="", cart="购物袋", me="会员"))
    assert response.status_code == 302
    assert tabs_on(shopper, "/") == [("home", "/", True, "首页"), ("cart", "/cart", False, "购物袋"),
                                      ("me", "/me", False, "会员")]
    design = owner.get("/console/design").get_data(as_text=True)
    assert 'name="label_cart" value="购物袋"' in design
    with tenant_context(demo.id):
        audit = db.session.scalar(select(AuditLog).where(AuditLog.action == "tab_bar.changed"))
        assert audit.details == {"enabled": True, "tabs": ["home", "cart", "me"]}


def test_the_merchant_turns_the_tab_bar_off(shop, owner, store_client):
    shopper = store_client("demo")
    owner.post("/console/design/tab-bar", data=tab_bar_form(owner, enabled=False, home="", me=""))
    assert tabs_on(shopper, "/") == [] and tabs_on(shopper, "/cart") == []
    assert "has-tab-bar" not in shopper.get("/", headers=ZH).get_data(as_text=True)


@pytest.mark.parametrize(("tabs", "message"), [
    ({"home": ""}, "Show at least 2 tabs, or turn the tab bar off."),
    ({"home": "", "cart": "一二三四五六七"}, "A tab&#39;s label can have at most 6 characters."),
])
def test_a_bad_tab_bar_is_refused_with_a_message_and_nothing_written(shop, owner, store_client, tabs, message):
    demo = shop[0]
    with tenant_context(demo.id):
        before = dict(store_theme().settings)
        db.session.commit()
    response = owner.post("/console/design/tab-bar", data=tab_bar_form(owner, **tabs), headers={"Accept-Language": "en"})
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    with tenant_context(demo.id):
        assert store_theme().settings == before
        db.session.commit()
    assert len(tabs_on(store_client("demo"), "/")) == 4


def test_switching_theme_keeps_the_tab_bar_and_a_second_store_is_unaffected(shop, owner, store_client):
    demo = shop[0]
    owner.post("/console/design/tab-bar", data=tab_bar_form(owner, home="", me="会员中心"))
    with tenant_context(demo.id):
        change_theme(actor=None, theme_name="promo", settings={})
        db.session.commit()
    assert [tab[3] for tab in tabs_on(store_client("demo"), "/")] == ["首页", "会员中心"]
    assert len(tabs_on(store_client("tea"), "/")) == 4


def test_a_viewer_cannot_change_the_tab_bar(shop, platform_client, store_client):
    demo = shop[0]
    create_staff(demo, "viewer@demo.example.com", StaffUser.VIEWER)
    login_staff(platform_client, demo, email="viewer@demo.example.com")
    form = tab_bar_form(platform_client, enabled=False)
    assert platform_client.post("/console/design/tab-bar", data=form).status_code == 403
    assert len(tabs_on(store_client("demo"), "/")) == 4


def test_the_cart_badge_counts_this_shoppers_units_in_this_store_only(shop, store_client):
    _demo, _tea, product_id, sku_id = shop
    shopper = store_client("demo")
    assert shopper.get("/cart/count.json").json == {"count": 0}
    add_to_cart(shopper, product_id, sku_id, quantity=2)
    answer = shopper.get("/cart/count.json")
    assert answer.json == {"count": 2} and "no-store" in answer.headers["Cache-Control"]
    tea = store_client("tea")
    tea.set_cookie("cart", shopper.get_cookie("cart", domain="demo.duoshop.test").value, domain="tea.duoshop.test")
    assert tea.get("/cart/count.json").json == {"count": 0}  # another store's cart token finds nothing
    assert store_client("demo").get("/cart/count.json").json == {"count": 0}  # another browser


# --- (b) 我的优惠券 ------------------------------------------------------------------------

def test_my_coupons_lists_unused_used_and_expired_copies(shop, store_client):
    demo, tea, _product, _sku = shop
    member_id, _ = create_member(demo, nickname="小明")
    other_id, _ = create_member(demo, nickname="小红")
    unused = claim(demo, member_id, new_coupon(demo, name="满100减10"))
    used = claim(demo, member_id, new_coupon(demo, name="满200减30", amount_off=3000, threshold=20000))
    expired = claim(demo, member_id, new_coupon(demo, name="新人券", valid_days=1), now=utcnow() - timedelta(days=3))
    claim(demo, other_id, new_coupon(demo, name="别人的券"))
    tea_member, _ = create_member(tea)
    claim(tea, tea_member, new_coupon(tea, name="茶舍的券"))
    with tenant_context(demo.id):
        copy = db.session.get(MemberCoupon, used)
        copy.status, copy.used_at = MemberCoupon.USED, utcnow()
        db.session.commit()
    shopper = signed_in(store_client("demo"), member_id)

    def names(tab):
        body = shopper.get(f"/me/coupons?tab={tab}", headers=DESKTOP).get_data(as_text=True)
        return re.findall(r'<strong class="my-coupon__name">([^<]+)</strong>', body), body

    assert names("unused")[0] == ["满100减10"]
    assert names("used")[0] == ["满200减30"]
    assert names("expired")[0] == ["新人券"]
    _names, body = names("unused")
    assert "Unused (1)" in body and "Used (1)" in body and "Expired (1)" in body
    assert "别人的券" not in body and "茶舍的券" not in body
    assert names("nonsense")[0] == ["满100减10"]  # an unknown tab shows the first
    me = shopper.get("/me", headers=DESKTOP).get_data(as_text=True)
    assert 'href="/me/coupons"' in me and "My coupons (1)" in me
    assert {unused, expired}  # the ids exist


def test_my_coupons_asks_a_visitor_to_sign_in(shop, store_client):
    response = store_client("demo").get("/me/coupons", headers=DESKTOP)
    assert response.status_code == 302 and "/login?next=/me/coupons" in response.location


# --- (c) the shopper's name --------------------------------------------------------------

@pytest.mark.parametrize(("nickname", "openid", "shown"), [
    ("小林", "o-1", "小林"),
    (None, "o-2", "WeChat user"),
    (None, None, "Shopper"),
])
def test_the_member_center_calls_the_shopper_by_nickname_never_by_number(shop, store_client, nickname, openid, shown):
    member_id, _ = create_member(shop[0], nickname=nickname, openid=openid)
    shopper = signed_in(store_client("demo"), member_id)
    body = shopper.get("/me", headers=DESKTOP).get_data(as_text=True)
    assert f'<strong class="member-name">{shown}</strong>' in body
    assert f"#{member_id}" not in body
    assert shopper.get("/me/card.json", headers=DESKTOP).json["name"] == shown


def test_a_shopper_without_nickname_but_with_a_phone_sees_it_masked(shop, store_client):
    demo = shop[0]
    member_id, _ = create_member(demo, nickname=None)
    with tenant_context(demo.id):
        from commerce.members.models import Member

        db.session.get(Member, member_id).phone = "13812345678"
        db.session.commit()
    body = signed_in(store_client("demo"), member_id).get("/me", headers=DESKTOP).get_data(as_text=True)
    assert '<strong class="member-name">138****5678</strong>' in body


# --- (d) add to cart in place ------------------------------------------------------------

def add_in_place(client, product_id, sku_id, quantity=1):
    client.get(f"/products/{product_id}", headers=DESKTOP)
    return client.post("/cart/items", data={"sku_id": str(sku_id), "quantity": str(quantity), "then": "cart"},
                       headers={**DESKTOP, **JSON, "Origin": f"http://{client.host}"})


def test_add_to_cart_answers_in_place_with_the_carts_count(shop, store_client):
    _demo, _tea, product_id, sku_id = shop
    shopper = store_client("demo")
    first = add_in_place(shopper, product_id, sku_id, quantity=2)
    assert first.status_code == 200 and first.json == {"ok": True, "message": "Added to your cart.", "cart_count": 2}
    assert shopper.get_cookie("cart", domain="demo.duoshop.test") is not None  # the guest cart is remembered as with the redirect
    assert add_in_place(shopper, product_id, sku_id).json["cart_count"] == 3
    assert "Added to your cart." not in shopper.get("/cart", headers=DESKTOP).get_data(as_text=True)  # no stale flash


def test_add_to_cart_refusals_answer_in_place_and_add_nothing(shop, store_client):
    _demo, _tea, product_id, sku_id = shop
    shopper = store_client("demo")
    too_many = add_in_place(shopper, product_id, sku_id, quantity=6)  # 5 in stock
    assert too_many.status_code >= 400 and too_many.json["ok"] is False and too_many.json["message"]
    assert too_many.json["cart_count"] == 0
    tea_product = add_in_place(shopper, product_id, 987654)
    assert tea_product.json["ok"] is False
    assert shopper.get("/cart/count.json").json == {"count": 0}


def test_without_script_add_to_cart_still_goes_to_the_cart(shop, store_client):
    _demo, _tea, product_id, sku_id = shop
    response = add_to_cart(store_client("demo"), product_id, sku_id)
    assert response.status_code == 302 and response.location.endswith("/cart")
