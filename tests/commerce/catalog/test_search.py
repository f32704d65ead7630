"""Chinese product search that finds what a shopper means, on both engines, never across stores."""
import subprocess
import sys

import pytest
from sqlalchemy import event, select, update

from commerce.catalog.categories import delete_category, rename_category
from commerce.catalog.models import Category, Product
from commerce.catalog.queries import console_products
from commerce.catalog.search import did_you_mean, search_products
from commerce.catalog.search_terms import index_tokens, query_terms
from core.extensions import db
from core.tenancy import tenant_context
from tests.factories import create_product, create_store

TEA_PRODUCTS = [  # title, subtitle, tags, category, sold
    ("手作陶瓷马克杯", None, [], "杯具", 5),
    ("北欧陶瓷餐盘", None, [], "餐具", 8),
    ("玻璃杯子", "耐热双层", [], None, 50),
    ("不锈钢保温杯 500ml", None, ["户外"], None, 20),
    ("特级绿茶礼盒", "明前龙井 250g", [], "茶叶", 100),
    ("西湖龙井 250g", None, [], "茶叶", 1),
    ("iPhone15 手机壳", None, [], "数码配件", 0),
    ("纯棉短袖T恤", None, ["夏季新品"], None, 0),
    ("100%纯棉茶巾", None, [], None, 0),
]
MUG, PLATE, GLASS, FLASK, GIFT_BOX, LONGJING, CASE, TSHIRT, TOWEL = (row[0] for row in TEA_PRODUCTS)


@pytest.fixture
def stores(app_ctx):
    demo, tea = create_store("demo"), create_store("tea")
    for title, subtitle, tags, category, sold in TEA_PRODUCTS:
        create_product(tea, title, subtitle=subtitle, tags=tags, category_name=category, sold_count=sold)
    create_product(tea, "陶瓷茶具套装", status=Product.DRAFT)
    create_product(demo, "陶瓷马克杯")
    create_product(demo, "明前绿茶", category_name="茶叶")
    return demo, tea


def found(store, query, **options):
    """Titles found, best match first."""
    with tenant_context(store.id):
        return [product.title for product in search_products(query, limit=50, **options).items]


@pytest.mark.parametrize("query, expected", [
    ("陶瓷杯", {MUG}),  # the words of the query, not its exact string
    ("杯陶瓷", {MUG}),  # in any order
    ("马克杯 陶瓷", {MUG}),
    ("马克", {MUG}),  # part of a word
    ("瓷马", {MUG}),  # across two words
    ("杯", {MUG, GLASS, FLASK}),
    ("杯子", {MUG, GLASS, FLASK}),  # 杯子 also asks for 杯
    ("陶瓷的杯子", {MUG}),  # a particle no title needs
    ("保温杯500ml", {FLASK}),  # mixed Chinese, numbers, English
    ("500ML 不锈钢", {FLASK}),
    ("iphone 15", {CASE}),
    ("iph 手机壳", {CASE}),  # an English prefix
    ("ＩＰＨＯＮＥ１５", {CASE}),  # full-width letters and digits
    ("15 iPhone", {CASE}),
    ("龙井", {LONGJING, GIFT_BOX}),  # in the subtitle too
    ("250G 龙井", {LONGJING, GIFT_BOX}),
    ("茶叶", {LONGJING, GIFT_BOX}),  # the category's name
    ("杯具", {MUG}),
    ("夏季", {TSHIRT}),  # a tag
    ("T恤 纯棉", {TSHIRT}),
    ("短袖纯棉", {TSHIRT}),
    ("茶巾 100%", {TOWEL}),
    ("茶具", set()),  # only a draft has it
    ("红茶", set()),
    ("陶磁杯子", set()),  # a typo: nothing, but suggestions (below)
    ("", set()),
    ("   ", set()),
    ("%", set()),  # punctuation is never a wildcard
    ("_", set()),
    ('绿茶" OR "龙井', set()),
])
def test_queries_find_the_products_a_shopper_means(stores, query, expected):
    _demo, tea = stores
    assert set(found(tea, query)) == expected


def test_title_matches_rank_above_subtitle_and_category_matches(stores):
    _demo, tea = stores
    assert found(tea, "龙井") == [LONGJING, GIFT_BOX]  # although the gift box sells far more
    assert found(tea, "茶叶 龙井") == [LONGJING, GIFT_BOX]


def test_the_whole_query_in_a_title_ranks_first_then_best_selling(stores):
    _demo, tea = stores
    assert found(tea, "杯子") == [GLASS, FLASK, MUG]  # 玻璃杯子 holds 杯子; then by sales
    assert found(tea, "陶瓷") == [PLATE, MUG]


def test_other_sorts_keep_the_same_matches(stores):
    _demo, tea = stores
    assert found(tea, "杯", sort="sales") == [GLASS, FLASK, MUG]
    assert found(tea, "杯", sort="newest") == [FLASK, GLASS, MUG]


def test_relevance_pages_follow_on_without_repeats(stores):
    _demo, tea = stores
    seen, cursor = [], None
    with tenant_context(tea.id):
        while True:
            page = search_products("杯", limit=1, cursor=cursor)
            seen += [product.title for product in page.items]
            if not page.next_cursor:
                break
            cursor = page.next_cursor
    assert seen == found(tea, "杯")


def test_no_result_suggests_the_closest_titles(stores):
    _demo, tea = stores
    with tenant_context(tea.id):
        assert did_you_mean("陶磁杯子") == [GLASS, MUG]  # two of 陶 磁 杯 子 each; then by sales
        assert did_you_mean("iphone 16") == [CASE]
        assert did_you_mean("xyz") == []
        assert "陶瓷茶具套装" not in did_you_mean("茶具")  # never a draft
        assert did_you_mean("") == []


def test_another_stores_products_never_appear(stores):
    demo, tea = stores
    assert found(demo, "陶瓷杯") == ["陶瓷马克杯"]
    assert found(demo, "茶叶") == ["明前绿茶"]
    assert found(tea, "明前绿茶") == [GIFT_BOX]  # its subtitle has 明前; the other store's 明前绿茶 never
    assert found(demo, "龙井") == []
    with tenant_context(demo.id):
        assert did_you_mean("手作陶瓷马克杯") == ["陶瓷马克杯"]
        assert GIFT_BOX not in did_you_mean("特级绿茶礼盒")


def test_the_console_filter_matches_the_same_way_and_includes_drafts(stores):
    _demo, tea = stores
    with tenant_context(tea.id):
        assert {p.title for p in console_products(query="陶瓷").items} == {MUG, PLATE, "陶瓷茶具套装"}
        assert {p.title for p in console_products(query="杯陶瓷").items} == {MUG}
        assert console_products(query="%").items == []


def test_edits_to_title_subtitle_tags_and_category_follow_in_search(stores):
    _demo, tea = stores
    with tenant_context(tea.id):
        mug = db.session.scalar(select(Product).where(Product.title == MUG))
        mug.title, mug.subtitle, mug.tags = "粗陶茶碗", "柴烧", ["礼品"]
        db.session.commit()
    assert found(tea, "陶瓷杯") == []
    assert found(tea, "茶碗 粗陶") == ["粗陶茶碗"]
    assert found(tea, "柴烧") == ["粗陶茶碗"]
    assert found(tea, "礼品") == ["粗陶茶碗"]
    assert found(tea, "杯具") == ["粗陶茶碗"]  # its category still
    with tenant_context(tea.id):
        mug = db.session.scalar(select(Product).where(Product.title == "粗陶茶碗"))
        mug.category_id = db.session.scalar(select(Category.id).where(Category.name == "餐具"))
        db.session.commit()
    assert found(tea, "杯具") == []
    assert set(found(tea, "餐具")) == {"粗陶茶碗", PLATE}


def test_renaming_moving_and_deleting_categories_follow_in_search(stores):
    _demo, tea = stores
    with tenant_context(tea.id):
        tea_leaves = db.session.scalar(select(Category).where(Category.name == "茶叶"))
        rename_category(tea_leaves, actor=None, name="名茶")
        db.session.commit()
    assert found(tea, "茶叶") == []
    assert set(found(tea, "名茶")) == {LONGJING, GIFT_BOX}
    with tenant_context(tea.id):
        drinks = Category(name="饮品")
        db.session.add(drinks)
        db.session.flush()
        tea_leaves.parent_id = drinks.id  # moved under 饮品: found by the parent's name too
        db.session.commit()
        assert set(found(tea, "饮品")) == {LONGJING, GIFT_BOX}
        drinks.name = "冲饮"
        db.session.commit()
    assert found(tea, "饮品") == []
    assert set(found(tea, "冲饮 龙井")) == {LONGJING, GIFT_BOX}
    with tenant_context(tea.id):
        delete_category(db.session.get(Category, tea_leaves.id), actor=None)
        db.session.commit()
    assert found(tea, "名茶") == []
    assert found(tea, "龙井") == [LONGJING, GIFT_BOX]


def test_deleted_and_drafted_products_leave_search(stores):
    _demo, tea = stores
    with tenant_context(tea.id):
        db.session.delete(db.session.scalar(select(Product).where(Product.title == MUG)))
        db.session.scalar(select(Product).where(Product.title == GLASS)).status = Product.DRAFT
        db.session.commit()
    assert found(tea, "杯") == [FLASK]


def test_reindex_search_fills_every_stores_products_again(stores, app):
    demo, tea = stores
    for store in stores:
        with tenant_context(store.id):
            db.session.execute(update(Product).values(search_terms="", search_title=""))  # as if never indexed
            db.session.commit()
    assert found(tea, "陶瓷杯") == [] and found(demo, "陶瓷杯") == []
    result = app.test_cli_runner().invoke(args=["reindex-search"])
    assert result.exit_code == 0 and "12 products indexed" in result.output
    assert found(tea, "陶瓷杯") == [MUG] and found(demo, "陶瓷杯") == ["陶瓷马克杯"]


def test_a_search_page_is_two_queries_products_and_their_images(stores):
    _demo, tea = stores
    with tenant_context(tea.id):
        statements = []
        db.session.expire_all()

        def record(conn, cursor, statement, parameters, context, executemany):
            if not statement.lstrip().upper().startswith(("SELECT SET_CONFIG", "PRAGMA")):
                statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", record)
        try:
            assert search_products("陶瓷杯").items
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
    assert len(statements) == 2


def test_index_words_are_characters_pairs_and_latin_words():
    assert index_tokens("手作陶瓷", "iPhone15") == " 手 作 陶 瓷 手作 作陶 陶瓷 iphone15 iphone 15 "
    assert index_tokens(None, "%") == ""
    assert [term.alternatives for term in query_terms("陶瓷杯子 iPh")] == [("陶瓷",), ("杯子", "杯"), ("iph",)]


def test_storefront_search_page_finds_words_in_any_order(stores, store_client):
    body = store_client("tea").get("/search?q=杯陶瓷").get_data(as_text=True)
    assert MUG in body and "陶瓷马克杯</" not in body.replace(MUG, "")


def test_storefront_search_page_offers_did_you_mean_on_no_result(stores, store_client):
    client = store_client("tea")
    body = client.get("/search?q=陶磁杯子").get_data(as_text=True)
    assert "did-you-mean" in body and f">{GLASS}</a>" in body and f">{MUG}</a>" in body
    assert "did-you-mean" not in client.get("/search?q=陶瓷杯").get_data(as_text=True)
    assert "did-you-mean" not in client.get("/search?q=xyz").get_data(as_text=True)


def test_storefront_search_pages_with_a_more_link(app_ctx, store_client):
    store = create_store("cups")
    for index in range(25):
        create_product(store, f"陶瓷杯 {index}")
    client = store_client("cups")
    body = client.get("/search?q=杯").get_data(as_text=True)
    assert body.count('class="product-card"') == 20 and "cursor=" in body
    assert client.get("/search?q=杯&cursor=forged").status_code in (400, 404, 410)


def test_control_characters_in_a_query_are_ignored_not_an_error(app_ctx, store_client):
    create_store("nulshop")
    response = store_client("nulshop").get("/search?q=%E7%BB%BF%00%E8%8C%B6")
    assert response.status_code == 200


def test_jiebas_dictionary_loads_once_at_the_first_query_that_needs_it():
    script = ("import duoshop.registry, commerce.catalog.search_terms as words\n"
              "assert not words._segmenter.initialized\n"
              "words.query_terms('杯子 iphone')\n"
              "assert not words._segmenter.initialized\n"
              "words.query_terms('陶瓷杯')\n"
              "assert words._segmenter.initialized\n")
    subprocess.run([sys.executable, "-c", script], check=True, timeout=60)
