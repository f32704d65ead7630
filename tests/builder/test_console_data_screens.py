"""The data screens under /console/data: each answers with the expected figures and a CSV of
its table, over a date range read by one form (bad ranges get a message, not a 500), for the
signed-in store only; and the share-link builder."""
import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import update

from commerce.analytics.channels import GROUP, MOMENTS
from tenants.models import StaffUser
from tests.builder.console_data_helpers import (
    EN,
    ZH,
    buyer_day,
    daily,
    days_ago,
    product_day,
    search_day,
    today,
)
from tests.factories import create_product, create_staff, create_store, login_staff

SCREENS = ("/console/data/", "/console/data/products", "/console/data/buyers", "/console/data/searches",
           "/console/data/channels", "/console/data/links")
TABLES = ("funnel", "products", "buyers", "searches", "channels")


@pytest.fixture
def stores(app_ctx):
    return create_store("demo"), create_store("tea")


@pytest.fixture
def console(platform_client, stores):
    login_staff(platform_client, stores[0])
    return platform_client


def page(client, path):
    response = client.get(path, headers=EN)
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    return response.get_data(as_text=True)


def csv_rows(client, path):
    response = client.get(path, headers=EN)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.data.startswith("\ufeff".encode())
    assert "attachment" in response.headers["Content-Disposition"]
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def funnel_day(store, day, channel="all", scale=1):
    daily(store, day, channel, visitors=100 * scale, product_viewers=60 * scale, cart_visitors=30 * scale,
          checkout_visitors=15 * scale, buyers=6 * scale, paid_orders=7 * scale, gmv=70000 * scale)


# --- the funnel -------------------------------------------------------------------------

def test_funnel_shows_each_steps_visitors_and_drop_off(console, stores):
    funnel_day(stores[0], today())
    funnel_day(stores[0], days_ago(2))
    text = page(console, "/console/data/?range=7d")
    assert 'data-step="visit"' in text and "Drop-off 50.0%" in text  # 30 of 60 product viewers went on
    rows = csv_rows(console, "/console/data/funnel.csv?range=7d")
    assert rows[0] == ["Step", "Visitors", "Share of visitors", "Drop-off from the step before"]
    assert [row[1] for row in rows[1:]] == ["200", "120", "60", "30", "12"]
    assert rows[1][3] == "" and rows[2][2:] == ["60.0%", "40.0%"] and rows[5][2:] == ["6.0%", "60.0%"]


def test_funnel_by_channel_and_range_presets(console, stores):
    demo, _tea = stores
    funnel_day(demo, today())
    funnel_day(demo, today(), channel=GROUP)
    funnel_day(demo, days_ago(1), scale=3)
    assert [row[1] for row in csv_rows(console, "/console/data/funnel.csv?range=today&channel=group")[1:]] == [
        "100", "60", "30", "15", "6"]
    assert csv_rows(console, f"/console/data/funnel.csv?range=today&channel={MOMENTS}")[1][1] == "0"
    assert csv_rows(console, "/console/data/funnel.csv?range=yesterday")[1][1] == "300"
    assert csv_rows(console, "/console/data/funnel.csv?range=30d")[1][1] == "400"
    assert csv_rows(console, "/console/data/funnel.csv?channel=nonsense&range=today")[1][1] == "100"  # all channels
    custom = f"from={days_ago(1).isoformat()}&to={days_ago(1).isoformat()}"
    assert csv_rows(console, f"/console/data/funnel.csv?range=custom&{custom}")[1][1] == "300"
    assert csv_rows(console, f"/console/data/funnel.csv?{custom}")[1][1] == "300"  # dates alone mean custom


# --- products, buyers, searches, channels -----------------------------------------------

def test_top_products_by_views_cart_adds_and_sales(console, stores):
    demo, _tea = stores
    cup, pot = create_product(demo, "茶杯"), create_product(demo, "茶壶")
    product_day(demo, today(), cup, views=50, cart_adds=2, units_sold=1, sales=1000)
    product_day(demo, today(), pot, views=10, cart_adds=8, units_sold=3, sales=90000)
    assert [row[1] for row in csv_rows(console, "/console/data/products.csv?range=today&by=views")[1:]] == [
        "茶杯", "茶壶"]
    assert [row[1] for row in csv_rows(console, "/console/data/products.csv?range=today&by=cart_adds")[1:]] == [
        "茶壶", "茶杯"]
    rows = csv_rows(console, "/console/data/products.csv?range=today&by=sales")
    assert rows[0] == ["Rank", "Product", "Views", "Cart adds", "Units sold", "Sales (¥)"]
    assert rows[1] == ["1", "茶壶", "10", "8", "3", "900.00"]
    text = page(console, "/console/data/products?range=today&by=sales")
    assert f'data-product="{pot}"' in text and "¥900.00" in text


def test_a_deleted_product_keeps_its_figures_under_a_plain_name(console, stores):
    product_day(stores[0], today(), 424242, views=5, cart_adds=0, units_sold=0, sales=0)
    text = page(console, "/console/data/products?range=today")
    assert 'data-product="424242"' in text and "A deleted product" in text and "/console/products/424242" not in text
    assert csv_rows(console, "/console/data/products.csv?range=today")[1][1] == "A deleted product"


def test_buyers_against_the_repurchase_target(console, stores):
    demo, _tea = stores
    buyer_day(demo, today(), 1, paid_orders=2, gmv=2000, first=True)
    buyer_day(demo, today(), 2, paid_orders=1, gmv=1000)
    buyer_day(demo, days_ago(1), 2, paid_orders=1, gmv=1000)
    buyer_day(demo, today(), 3, paid_orders=1, gmv=1000)
    buyer_day(demo, today(), 4, paid_orders=1, gmv=1000, first=True)
    rows = csv_rows(console, "/console/data/buyers.csv?range=7d")
    assert rows == [["New buyers", "Returning buyers", "Buyers", "Repurchase rate", "Repurchase target"],
                    ["2", "2", "4", "50.0%", "40.0%"]]
    text = page(console, "/console/data/buyers?range=7d")
    assert 'data-target="met"' in text and "50.0%" in text
    assert 'data-target="missed"' in page(console, "/console/data/buyers?range=today")  # 1 of 4: 25 %
    assert "No buyers in this range." in page(console, f"/console/data/buyers?from={days_ago(9)}&to={days_ago(8)}")


def test_search_words_with_no_result_most_first(console, stores):
    demo, _tea = stores
    search_day(demo, today(), "普洱", searches=9, empty=9)
    search_day(demo, days_ago(1), "普洱", searches=2, empty=2)
    search_day(demo, today(), "=cmd|' /C calc'!A0", searches=3, empty=3)  # typed by a shopper
    search_day(demo, today(), "龙井", searches=5, empty=0)  # found something: not listed
    rows = csv_rows(console, "/console/data/searches.csv?range=7d")
    assert rows == [["Search words", "Searches with no result"], ["普洱", "11"], ["'=cmd|' /C calc'!A0", "3"]]
    assert "龙井" not in page(console, "/console/data/searches?range=7d")


def test_channel_table(console, stores):
    demo, _tea = stores
    daily(demo, today(), GROUP, visitors=40, buyers=4, paid_orders=5, gmv=12345)
    daily(demo, today(), MOMENTS, visitors=10, buyers=0, paid_orders=0, gmv=0)
    rows = csv_rows(console, "/console/data/channels.csv?range=today")
    assert rows[0] == ["Source channel", "Visitors", "Paid orders", "Paid amount (¥)", "Conversion"]
    by_label = {row[0]: row[1:] for row in rows[1:]}
    assert len(rows) == 6 and by_label["Group chat"] == ["40", "5", "123.45", "10.0%"]
    assert by_label["WeChat Moments"] == ["10", "0", "0.00", "0.0%"]
    assert 'data-channel="group"' in page(console, "/console/data/channels?range=today")


# --- every screen, every store, every role ----------------------------------------------

def test_another_stores_figures_never_show_on_any_screen(console, stores):
    demo, tea = stores
    tea_pot = create_product(tea, "别家的茶壶")
    funnel_day(tea, today(), scale=7)
    daily(tea, today(), GROUP, visitors=777, buyers=7, paid_orders=7, gmv=777700)
    product_day(tea, today(), tea_pot, views=777, cart_adds=7, units_sold=7, sales=7700)
    search_day(tea, today(), "别家的搜索词", searches=7, empty=7)
    buyer_day(tea, today(), 1, paid_orders=7, gmv=777, first=True)
    for path in SCREENS:
        text = page(console, path + ("&" if "?" in path else "?") + "range=today")
        assert "777" not in text and "别家" not in text, path
    for table in TABLES:
        rows = csv_rows(console, f"/console/data/{table}.csv?range=today")
        flat = " ".join(" ".join(row) for row in rows)
        assert "777" not in flat and "别家" not in flat and "700" not in flat, table
    assert csv_rows(console, "/console/data/buyers.csv?range=today")[1][:3] == ["0", "0", "0"]


@pytest.mark.parametrize("role", StaffUser.ROLES)
def test_every_staff_role_may_open_every_data_screen(platform_client, stores, role):
    demo, _tea = stores
    if role == StaffUser.OWNER:
        login_staff(platform_client, demo)
    else:
        create_staff(demo, f"{role}@demo.example.com", role)
        login_staff(platform_client, demo, email=f"{role}@demo.example.com")
    for path in SCREENS:
        assert platform_client.get(path, headers=EN).status_code == 200, path
    for table in TABLES:
        assert platform_client.get(f"/console/data/{table}.csv", headers=EN).status_code == 200, table


def test_data_screens_need_a_signed_in_staff_member(platform_client, stores):
    for path in (*SCREENS, "/console/data/funnel.csv"):
        response = platform_client.get(path)
        assert response.status_code == 302 and "/console/login" in response.location, path


def test_the_screens_speak_chinese_and_the_console_has_a_data_entry(console, stores):
    text = console.get("/console/data/", headers=ZH).get_data(as_text=True)
    for words in ("数据", "转化漏斗", "访问店铺", "支付成功", "朋友圈", "近7天", "近30天", "今日", "昨日", "自定义", "全部渠道", "导出 CSV"):
        assert words in text, words
    assert 'href="/console/data/" aria-current="page"' in text
    assert "<script>" not in text


# --- bad ranges -------------------------------------------------------------------------

@pytest.mark.parametrize(("query", "message"), [
    ("range=custom&from=2026-03-10&to=2026-03-01", "The last day comes before the first day."),
    ("range=custom&from=2024-01-01&to=2025-01-02", "Choose at most 366 days."),
    ("range=custom&from=yesterday&to=2026-03-01", "Enter a date like 2026-12-01."),
    ("range=custom&from=2026-02-30&to=2026-03-01", "Enter a date like 2026-12-01."),
    ("range=custom&to=2026-03-01", "Choose the first day of the range."),
    ("range=custom&from=2026-03-01", "Choose the last day of the range."),
    ("from=2026-03-01&to=%00%ff", "Enter a date like 2026-12-01."),
])
@pytest.mark.parametrize("path", ["/console/data/", "/console/data/channels", "/console/data/products.csv",
                                  "/console/data/searches.csv"])
def test_a_bad_range_is_refused_with_a_message(console, stores, path, query, message):
    response = console.get(f"{path}?{query}", headers=EN)
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert message in text and 'role="alert"' in text
    assert "<table" not in text  # nothing read for a range that could not be read


def test_a_full_leap_year_is_allowed(console, stores):
    assert console.get("/console/data/?from=2024-01-01&to=2024-12-31", headers=EN).status_code == 200


def test_an_unknown_preset_shows_the_default_range(console, stores):
    funnel_day(stores[0], days_ago(6))
    assert csv_rows(console, "/console/data/funnel.csv?range=forever")[1][1] == "100"  # the last 7 days


# --- share links ------------------------------------------------------------------------

def test_share_links_carry_the_channel_on_h5_and_mini_program(console, stores):
    demo, _tea = stores
    cup = create_product(demo, "茶杯")
    text = page(console, f"/console/data/links?target=product:{cup}&channel=moments")
    assert f"http://demo.duoshop.test/products/{cup}?utm_source=moments" in text
    assert f"pages/product/product?id={cup}&amp;utm_source=moments" in text
    assert "data-copy=" in text and "data.js" in text
    home = page(console, "/console/data/links?target=home&channel=group")
    assert "http://demo.duoshop.test/?utm_source=group" in home and "pages/home/home?utm_source=group" in home


def test_share_links_of_a_category_and_a_published_custom_page(console, stores):
    from commerce.catalog.models import Category
    from core.extensions import db
    from core.models import utcnow
    from core.tenancy import tenant_context
    from themes.models import Page

    demo, _tea = stores
    with tenant_context(demo.id):
        category = Category(name="绿茶")
        db.session.add(category)
        db.session.add(Page(slug="spring-sale", kind=Page.CUSTOM, title="春茶节"))
        db.session.flush()
        db.session.execute(update(Page).where(Page.slug == "spring-sale").values(published_at=utcnow()))
        db.session.commit()
        category_id = category.id
        page_id = db.session.scalar(db.select(Page.id).where(Page.slug == "spring-sale"))
    form = page(console, "/console/data/links")
    assert "春茶节" in form and "绿茶" in form
    text = page(console, f"/console/data/links?target=category:{category_id}&channel=mp_article")
    assert f"http://demo.duoshop.test/c/{category_id}?utm_source=mp_article" in text
    assert f"pages/search/search?category_id={category_id}&amp;utm_source=mp_article" in text
    text = page(console, f"/console/data/links?target=page:{page_id}&channel=direct")
    assert "http://demo.duoshop.test/p/spring-sale?utm_source=direct" in text
    assert "pages/page/page?slug=spring-sale&amp;utm_source=direct" in text


@pytest.mark.parametrize("query", ["target=product:{tea_product}&channel=group", "target=home&channel=weibo",
                                   "target=nonsense&channel=group", "target=product:abc&channel=group"])
def test_share_links_refuse_another_stores_page_and_unknown_channels(console, stores, query):
    demo, tea = stores
    tea_product = create_product(tea, "别家的茶")
    response = console.get("/console/data/links?" + query.format(tea_product=tea_product), headers=EN)
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert ("Choose a page of this store." in text or "Choose a channel." in text)
    assert "utm_source" not in text and "别家的茶" not in text


def test_share_link_form_lists_only_the_stores_own_pages(console, stores):
    demo, tea = stores
    create_product(demo, "自家的茶")
    create_product(tea, "别家的茶")
    text = page(console, "/console/data/links")
    assert "自家的茶" in text and "别家的茶" not in text


def test_the_range_survives_between_screens_and_into_the_export(console, stores):
    start, end = today() - timedelta(days=3), today()
    text = page(console, f"/console/data/channels?range=custom&from={start}&to={end}")
    assert f"/console/data/channels.csv?range=custom&amp;from={start}&amp;to={end}" in text
    assert f"/console/data/products?range=custom&amp;from={start}&amp;to={end}" in text
