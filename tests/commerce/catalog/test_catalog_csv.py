"""Products in and out as CSV: round trip, line-numbered refusals that write nothing,
encodings, limits, formula injection, two stores, console access."""
import csv
import io

import pytest
from sqlalchemy import func, select

from commerce.catalog.csv_io import (
    COLUMNS,
    MAX_BYTES,
    CsvImportRefused,
    export_products_csv,
    import_products_csv,
    sample_csv,
)
from commerce.catalog.models import SKU, Category, Product
from commerce.catalog.service import create_product
from core.extensions import db
from core.tenancy import tenant_context
from tenants.models import StaffUser
from tests.conftest import csrf_from
from tests.factories import create_product as create_factory_product
from tests.factories import create_staff, create_store, login_staff

HEADER = ",".join(COLUMNS)


@pytest.fixture
def stores(app_ctx):
    return create_store("demo"), create_store("tea")


def owner_of(store):
    return db.session.scalar(select(StaffUser).where(StaffUser.email == store.owner_email))


def add_shirt(store, title="纯棉T恤", code="TS", **extra):
    with tenant_context(store.id):
        combos = [("红", "S"), ("红", "M"), ("蓝", "S"), ("蓝", "M")]
        product = create_product(
            actor=None, title=title, status=Product.ON_SALE, tags=["新品", "热卖"], specs=[("颜色", ["红", "蓝"]), ("尺码", ["S", "M"])],
            skus=[{"spec_values": list(c), "price": 2990 + i, "market_price": 3900, "stock": i, "weight": 200,
                   "code": f"{code}-{i}"} for i, c in enumerate(combos)], **extra)
        db.session.commit()
        return product.id


def snapshot():
    """What a merchant would call "the catalog": everything but ids."""
    products = db.session.scalars(select(Product).order_by(Product.title)).all()
    return [(p.title, p.subtitle, p.status, p.tags, p.description, p.category.name if p.category else None,
             [(s.name, s.values) for s in p.specs],
             sorted((tuple(k.spec_values), k.price, k.market_price, k.stock, k.weight, k.code) for k in p.skus))
            for p in products]


def csv_text(*rows, header=HEADER):
    return "\n".join([header, *rows]) + "\n"


def refused(content, store):
    with tenant_context(store.id):
        with pytest.raises(CsvImportRefused) as caught:
            import_products_csv(content, actor=None)
        db.session.rollback()
    return {(problem.line, problem.message) for problem in caught.value.problems}


def product_count(store):
    with tenant_context(store.id):
        return db.session.scalar(select(func.count(Product.id)))


# --- the service ------------------------------------------------------------------------

def test_export_then_import_into_an_empty_store_reproduces_the_catalog(stores):
    demo, tea = stores
    with tenant_context(demo.id):
        clothes = create_category_path(["服饰", "T恤"])
    add_shirt(demo, category_id=clothes, subtitle="夏季", description="<p>好穿, \"真的\"\n第二行</p>")
    with tenant_context(demo.id):
        create_product(actor=None, title="茶杯", skus=[{"spec_values": [], "price": 1500, "stock": 3}])
        db.session.commit()
        text = export_products_csv()
        expected = snapshot()
    assert text.startswith("\ufeff")
    # Without product_ref, rows create products, here in another store.
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    for row in rows:
        row["product_ref"] = ""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    with tenant_context(tea.id):
        result = import_products_csv(out.getvalue().encode(), actor=None)
        db.session.commit()
        assert (len(result.created), len(result.updated)) == (2, 0)
        assert snapshot() == expected


def create_category_path(names):
    from commerce.catalog.categories import create_category

    parent = None
    for name in names:
        parent = create_category(actor=None, name=name, parent_id=parent).id
    db.session.commit()
    return parent


def test_reimporting_an_export_updates_in_place_and_changes_nothing(stores):
    demo, _tea = stores
    product_id = add_shirt(demo)
    with tenant_context(demo.id):
        before, sku_ids = snapshot(), sorted(db.session.scalars(select(SKU.id)).all())
        result = import_products_csv(export_products_csv().encode("utf-8"), actor=None)
        db.session.commit()
        assert [p.id for p in result.updated] == [product_id] and result.created == []
        assert snapshot() == before
        assert sorted(db.session.scalars(select(SKU.id)).all()) == sku_ids  # SKUs keep their ids


def test_import_updates_prices_and_creates_categories_by_path(stores):
    demo, _tea = stores
    product_id = add_shirt(demo)
    with tenant_context(demo.id):
        text = export_products_csv().replace("29.90", "25.00").replace(",on_sale,", ",off_shelf,")
        text = text.replace(f"{product_id},纯棉T恤,,", f"{product_id},纯棉T恤,,男装/上衣/短袖")
        import_products_csv(text.encode(), actor=None)
        db.session.commit()
        product = db.session.get(Product, product_id)
        assert product.price == 2500 and product.status == "off_shelf"
        assert [c.name for c in db.session.scalars(select(Category).where(Category.name.in_(["男装", "上衣", "短袖"])))]
        assert product.category.name == "短袖"


def test_bad_rows_are_reported_by_line_and_nothing_is_written(stores):
    demo, _tea = stores
    add_shirt(demo)
    before = product_count(demo)
    content = csv_text(
        ",好茶,,茶叶,on_sale,,,,,,12.00,,5,,",       # 2 fine
        ",贵茶,,茶叶,on_sale,,,,,,abc,,5,,",         # 3 bad price
        ",少茶,,茶叶,on_sale,,,,,,1.00,,-1,,",       # 4 negative stock
        ",怪茶,,茶叶,sold_out,,,,,,1.00,,1,,",       # 5 unknown status
        ",深茶,,a/b/c/d,draft,,,,,,1.00,,1,,",       # 6 category four levels deep
    ).encode()
    problems = refused(content, demo)
    assert {line for line, _message in problems} == {3, 4, 5, 6}
    messages = dict(problems)
    assert "abc" in messages[3] and "stock" in messages[4] and "sold_out" in messages[5] and "a/b/c/d" in messages[6]
    assert product_count(demo) == before
    with tenant_context(demo.id):
        assert db.session.scalar(select(Category).where(Category.name == "茶叶")) is None


def test_a_rule_the_product_service_refuses_is_reported_on_the_products_first_line(stores):
    demo, _tea = stores
    add_shirt(demo, code="TS")
    content = csv_text(
        ",新杯,,,draft,,,,,,1.00,,1,,NEW-1",
        ",马克杯,,,draft,,,,颜色,红,1.00,0.50,1,,",   # market price below price: the service's rule
        ",马克杯,,,draft,,,,颜色,蓝,1.00,,1,,",
        ",旧码,,,draft,,,,,,1.00,,1,,TS-0",            # SKU code of another product
    ).encode()
    problems = refused(content, demo)
    assert {line for line, _message in problems} == {3, 5}
    assert any("Market price" in message for _line, message in problems)
    assert any("TS-0" in message for _line, message in problems)
    assert product_count(demo) == 1  # 新杯 was flushed before the refusal, and rolled back


def test_exported_formulas_are_defused_and_import_back_unchanged(stores):
    demo, _tea = stores
    with tenant_context(demo.id):
        create_product(actor=None, title="=HYPERLINK(\"http://evil\")", subtitle="@SUM(A1)",
                       skus=[{"spec_values": [], "price": 100, "stock": 1, "code": "+1"}])
        db.session.commit()
        text = export_products_csv()
        row = next(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
        assert row["title"] == "'=HYPERLINK(\"http://evil\")"
        assert row["subtitle"] == "'@SUM(A1)" and row["sku_code"] == "'+1"
        before = snapshot()
        import_products_csv(text.encode(), actor=None)
        assert snapshot() == before


def test_a_gbk_file_from_excel_imports(stores):
    demo, _tea = stores
    content = csv_text(",乌龙茶,,茶叶/乌龙,on_sale,\"新品,热卖\",,,规格,250克,88.00,,7,250,OOLONG").encode("gbk")
    with tenant_context(demo.id):
        result = import_products_csv(content, actor=None)
        db.session.commit()
        (product,) = result.created
        assert product.title == "乌龙茶" and product.tags == ["新品", "热卖"] and product.category.name == "乌龙"
        assert [(s.spec_values, s.price, s.code) for s in product.skus] == [(["250克"], 8800, "OOLONG")]


def test_a_file_that_is_not_text_is_refused(stores):
    demo, _tea = stores
    assert refused(HEADER.encode() + b"\n\xff\xfe\x00\x81\x00", demo) == {
        (1, 'The file is neither UTF-8 nor GBK text. Save it from your spreadsheet as "CSV UTF-8".')}


def test_an_oversized_file_is_refused(stores):
    demo, _tea = stores
    content = csv_text(*[",茶,,,,,,,,,1.00,,1,," for _ in range(MAX_BYTES // 20)]).encode()
    assert len(content) > MAX_BYTES
    assert refused(content, demo) == {(1, "The file is larger than 2 MB.")}


def test_missing_and_unknown_columns_are_named(stores):
    demo, _tea = stores
    problems = refused(b"title,prcie,colour\n\xe8\x8c\xb6,1,2\n", demo)
    assert problems == {(1, f"Unknown columns: prcie, colour. Allowed: {', '.join(COLUMNS)}."),
                        (1, "Required columns are missing: price, stock.")}


def test_rows_of_one_product_must_agree_and_match_its_specs(stores):
    demo, _tea = stores
    content = csv_text(
        ",T恤,,,draft,,,,颜色|尺码,红|S,1.00,,1,,",
        ",T恤,,,on_sale,,,,颜色|尺码,红|M,1.00,,1,,",
        ",T恤,,,,,,,,蓝,1.00,,1,,",
    ).encode()
    problems = refused(content, demo)
    assert {line for line, _message in problems} == {3, 4}


# --- two stores -------------------------------------------------------------------------

def test_export_of_one_store_never_contains_another_stores_products(stores):
    demo, tea = stores
    add_shirt(demo, title="演示T恤")
    add_shirt(tea, title="茶园T恤")
    with tenant_context(demo.id):
        text = export_products_csv()
    assert "演示T恤" in text and "茶园T恤" not in text


def test_a_product_ref_of_another_store_is_not_found_and_nothing_is_touched(stores):
    demo, tea = stores
    tea_product = add_shirt(tea, title="茶园T恤")
    with tenant_context(tea.id):
        tea_before = snapshot()
    content = csv_text(f"{tea_product},偷来的,,,draft,,,,,,0.01,,1,,").encode()
    problems = refused(content, demo)
    assert [line for line, _message in problems] == [2]
    assert str(tea_product) in next(iter(problems))[1]
    with tenant_context(tea.id):
        assert snapshot() == tea_before
    assert product_count(demo) == 0


def test_importing_into_one_store_leaves_the_other_alone(stores):
    demo, tea = stores
    add_shirt(tea, title="茶园T恤", code="SAME")
    with tenant_context(tea.id):
        tea_before = snapshot()
    with tenant_context(demo.id):
        import_products_csv(csv_text(",演示杯,,,draft,,,,,,1.00,,1,,SAME-0").encode(), actor=None)
        db.session.commit()
    assert product_count(demo) == 1
    with tenant_context(tea.id):
        assert snapshot() == tea_before


# --- the console ------------------------------------------------------------------------

@pytest.fixture
def console(stores, platform_client):
    demo, _tea = stores
    login_staff(platform_client, demo)
    return platform_client


def post_file(client, content, token=None, filename="products.csv"):
    data = {"file": (io.BytesIO(content), filename)}
    if token is not None:
        data["csrf_token"] = token
    return client.post("/console/products/import", data=data, content_type="multipart/form-data",
                       headers={"Accept-Language": "en"})


def test_console_exports_a_dated_csv_download(console, stores):
    demo, _tea = stores
    add_shirt(demo)
    response = console.get("/console/products/export")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="products-demo-') and disposition.endswith('.csv"')
    assert response.data.startswith(b"\xef\xbb\xbf") and "纯棉T恤".encode() in response.data
    template = console.get("/console/products/import/template")
    assert template.status_code == 200 and template.data.decode("utf-8-sig").startswith(HEADER)


def test_console_imports_a_file_and_says_how_many(console, stores):
    demo, _tea = stores
    add_shirt(demo)
    export = console.get("/console/products/export").data
    token = csrf_from(console, "/console/products/import")
    response = post_file(console, export + ",茶杯,,,draft,,,,,,15.00,,2,,".encode(), token)
    assert response.status_code == 200
    assert "1 products created, 1 updated." in response.get_data(as_text=True)
    assert product_count(demo) == 2


def test_console_lists_problems_by_line_and_keeps_nothing(console, stores):
    demo, _tea = stores
    token = csrf_from(console, "/console/products/import")
    response = post_file(console, csv_text(",好茶,,,,,,,,,1.00,,1,,", ",坏茶,,,,,,,,,abc,,1,,").encode(), token)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "<td>Line 3</td>" in body and "price abc is not an amount in yuan" in body and "Nothing was imported" in body
    assert product_count(demo) == 0


def test_sample_file_imports_cleanly(stores):
    demo, _tea = stores
    with tenant_context(demo.id):
        result = import_products_csv(sample_csv().encode("utf-8"), actor=None)
        assert len(result.created) == 2 and len(result.created[0].skus) == 4


def test_import_needs_a_csrf_token(console, stores):
    demo, _tea = stores
    assert post_file(console, csv_text(",茶,,,,,,,,,1.00,,1,,").encode()).status_code == 400
    assert product_count(demo) == 0


def test_viewer_may_export_but_not_import(stores, platform_client):
    demo, _tea = stores
    create_factory_product(demo, "茶")
    create_staff(demo, "viewer@demo.test", StaffUser.VIEWER)
    login_staff(platform_client, demo, email="viewer@demo.test")
    assert platform_client.get("/console/products/export").status_code == 200
    assert platform_client.get("/console/products/import").status_code == 403
    token = csrf_from(platform_client, "/console/products")
    assert post_file(platform_client, csv_text(",茶2,,,,,,,,,1.00,,1,,").encode(), token).status_code == 403
    assert product_count(demo) == 1
