"""The console's catalog screens as a merchant reads them: the product list with each
product's picture, category and range of SKU prices; the bulk-fill toolbar over the SKU table
(the browser fills, the server still checks every row); and a coupon's products picked from
the console's product search, shown back by title, with another store's products neither
found nor accepted. Two stores throughout."""
from sqlalchemy import select

from commerce.catalog.categories import create_category
from commerce.catalog.models import Product, ProductImage
from commerce.catalog.queries import sku_price_ranges
from commerce.catalog.service import create_product
from commerce.marketing.coupons.models import Coupon
from core.extensions import db
from core.tenancy import tenant_context
from tenants.models import StaffUser
from tests.builder import test_console_coupons as coupon_screens
from tests.builder.test_console_coupons import FORM as COUPON_FORM
from tests.builder.test_console_coupons import coupons_of
from tests.builder.test_console_orders import page, post
from tests.conftest import csrf_from
from tests.factories import create_product as create_factory_product
from tests.factories import create_staff, login_staff
from tests.themes.test_pages import count_queries

shop = coupon_screens.shop  # the fixtures: stores demo and tea, and demo's console signed in
console = coupon_screens.console


def shirt(store, prices=(2900, 3900, 4900), title="纯棉T恤", category_name=None):
    """A product with one SKU per price (颜色: 红, 蓝, 绿…), made by the catalog service."""
    colours = ["红", "蓝", "绿", "黑"][:len(prices)]
    with tenant_context(store.id):
        category_id = create_category(actor=None, name=category_name).id if category_name else None
        product = create_product(actor=None, title=title, category_id=category_id, specs=[("颜色", colours)],
                                 skus=[{"spec_values": [colour], "price": price, "stock": 5}
                                       for colour, price in zip(colours, prices, strict=True)])
        db.session.commit()
        return product.id


# --- the product list ------------------------------------------------------------------

def test_the_list_shows_each_products_picture_category_and_sku_price_range(console, shop):
    demo, tea = shop
    shirt_id = shirt(demo, category_name="服饰")
    plain_id = create_factory_product(demo, "马克杯", price=3900)
    with tenant_context(demo.id):
        db.session.add(ProductImage(product_id=shirt_id, filename="cover.png", thumbnail="cover-thumb.jpg",
                                    width=800, height=800, position=0))
        db.session.commit()
    shirt(tea, prices=(100, 99900), title="另一家的T恤")

    listing = page(console, "/console/products")
    shirt_row = listing[listing.index("纯棉T恤</a>") - 400:listing.index("纯棉T恤</a>") + 400]
    assert f'src="/media/{demo.id}/cover-thumb.jpg"' in shirt_row  # the first picture's thumbnail
    assert "服饰" in shirt_row
    assert "¥29.00 – ¥49.00" in shirt_row  # lowest – highest SKU price
    mug_row = listing[listing.index("马克杯</a>") - 400:listing.index("马克杯</a>") + 400]
    assert "¥39.00" in mug_row and "–" not in mug_row.split("马克杯</a>")[1]  # one price: no range
    assert "Uncategorized" in mug_row and 'class="no-picture"' in mug_row
    assert "另一家的T恤" not in listing and "¥999.00" not in listing
    assert f"/console/products/{plain_id}" in listing


def test_sku_price_ranges_reads_only_this_stores_products(shop):
    demo, tea = shop
    mine, theirs = shirt(demo), shirt(tea, prices=(100, 200))
    with tenant_context(demo.id):
        assert sku_price_ranges([mine, theirs]) == {mine: (2900, 4900)}
        assert sku_price_ranges([]) == {}


def test_the_list_reads_pictures_and_categories_in_a_fixed_number_of_queries(console, shop):
    demo, _tea = shop
    for i in range(2):
        shirt(demo, title=f"T恤{i}", category_name=f"分类{i}")
    few = count_queries(lambda: page(console, "/console/products"))
    for i in range(2, 8):
        shirt(demo, title=f"T恤{i}", category_name=f"分类{i}")
    assert count_queries(lambda: page(console, "/console/products")) == few


# --- bulk fill over the SKU table ------------------------------------------------------

def test_the_sku_table_of_several_skus_has_the_bulk_fill_toolbar(console, shop):
    demo, _tea = shop
    several, single = shirt(demo), create_factory_product(demo, "马克杯")
    form = page(console, f"/console/products/{several}")
    assert "data-bulk-fill" in form and "Fill every SKU" in form and "Fill ticked SKUs" in form
    assert 'id="bulk-price"' in form and 'name="bulk' not in form  # the toolbar posts nothing
    assert "/console/static/console.js" in form
    assert "data-bulk-fill" not in page(console, f"/console/products/{single}")  # one SKU: nothing to fill
    assert console.get("/console/static/console.js").status_code == 200


def test_a_viewer_gets_no_bulk_fill_toolbar(platform_client, shop):
    demo, _tea = shop
    product_id = shirt(demo)
    create_staff(demo, "viewer@demo.example.com", StaffUser.VIEWER)
    login_staff(platform_client, demo, email="viewer@demo.example.com")
    assert "data-bulk-fill" not in page(platform_client, f"/console/products/{product_id}")


def test_a_bulk_filled_value_is_still_checked_row_by_row_and_nothing_is_saved(console, shop):
    demo, _tea = shop
    product_id = shirt(demo)
    rows = {"title": "纯棉T恤", "status": "on_sale", "action": "save", "spec_name_0": "颜色",
            "spec_values_0": "红, 蓝, 绿", "sku_count": "3"}
    for i, colour in enumerate(["红", "蓝", "绿"]):  # what "Fill every SKU" with -5 leaves in the rows
        rows |= {f"sku_{i}_key": f'["{colour}"]', f"sku_{i}_price": "-5", f"sku_{i}_stock": "7"}
    response = post(console, f"/console/products/{product_id}", **rows)
    assert response.status_code == 422
    with tenant_context(demo.id):
        db.session.expire_all()
        assert [(sku.price, sku.stock) for sku in db.session.get(Product, product_id).skus] == [
            (2900, 5), (3900, 5), (4900, 5)]


# --- coupon products from a search -----------------------------------------------------

def test_the_product_picker_finds_only_this_stores_products(console, shop, platform_client):
    demo, tea = shop
    create_factory_product(demo, "北欧马克杯")
    create_factory_product(tea, "陶瓷马克杯")
    found = console.get("/console/pickers/products?q=马克杯").get_json()["items"]
    assert [item["title"] for item in found] == ["北欧马克杯"]
    assert set(found[0]) >= {"id", "title", "price_text"}


def test_the_coupon_form_offers_the_search_and_posts_numbers(console, shop):
    form = page(console, "/console/coupons/new")
    assert "data-product-picker" in form and 'data-search-url="/console/pickers/products"' in form
    assert 'name="product_ids"' in form  # what is posted; typed by hand without the script
    assert "/console/static/console.js" in form


def test_chosen_products_are_shown_back_by_title_in_the_order_chosen(console, shop):
    demo, _tea = shop
    mug, cup = create_factory_product(demo, "北欧马克杯"), create_factory_product(demo, "玻璃杯")
    assert post(console, "/console/coupons/new", **{**COUPON_FORM, "scope": "products",
                                                    "product_ids": f"{cup}, {mug}"}).status_code == 302
    coupon = coupons_of(demo)[0]
    assert (coupon.scope, coupon.target_ids) == (Coupon.PRODUCTS, [cup, mug])
    form = page(console, f"/console/coupons/{coupon.id}")
    chosen = form[form.index('class="picker-chosen"'):form.index('class="picker-search"')]
    assert chosen.index("玻璃杯") < chosen.index("北欧马克杯")
    assert f'data-id="{cup}"' in chosen and f'data-id="{mug}"' in chosen


def test_another_stores_product_is_refused_named_and_nothing_is_written(console, shop):
    demo, tea = shop
    mine = create_factory_product(demo, "北欧马克杯")
    theirs = create_factory_product(tea, "陶瓷马克杯")
    refused = post(console, "/console/coupons/new", **{**COUPON_FORM, "scope": "products",
                                                       "product_ids": f"{mine}, {theirs}"})
    body = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "Some of the chosen categories or products do not exist." in body
    assert f"No. {theirs} is not a product of this store" in body and "陶瓷马克杯" not in body
    assert coupons_of(demo) == []
    with tenant_context(tea.id):
        assert db.session.scalar(select(Coupon)) is None


def test_another_stores_category_is_refused_too(console, shop):
    demo, tea = shop
    theirs = create_factory_product(tea, "绿茶", category_name="茶")
    with tenant_context(tea.id):
        category_id = db.session.get(Product, theirs).category_id
    token = csrf_from(console, "/console/coupons/new")
    refused = console.post("/console/coupons/new", data={"csrf_token": token, **COUPON_FORM, "scope": "categories",
                                                          "category_ids": str(category_id)},
                           headers={"Accept-Language": "en"})
    assert refused.status_code == 422
    assert "Some of the chosen categories or products do not exist." in refused.get_data(as_text=True)
    assert coupons_of(demo) == []
