"""The tenant walls: the ORM filter, insert stamping, composite foreign keys and, on
PostgreSQL, row-level security for SQL that bypasses the ORM."""
import pytest
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import IntegrityError, ProgrammingError

from commerce.catalog.models import Category, Product
from core.extensions import db
from core.tenancy import NoTenantContext, tenant_context, unscoped
from tenants.scoping import CrossTenantWrite
from tests.factories import create_product, create_store


@pytest.fixture
def two_stores(app_ctx):
    demo, tea = create_store("demo"), create_store("tea")
    demo_shirt = create_product(demo, "纯棉短袖T恤", price=7900)
    tea_shirt = create_product(tea, "纯棉短袖T恤", price=6900)
    return demo, tea, demo_shirt, tea_shirt


def test_select_sees_only_the_current_tenants_rows(two_stores):
    demo, tea, demo_shirt, tea_shirt = two_stores
    with tenant_context(demo.id):
        assert db.session.scalars(select(Product.id)).all() == [demo_shirt]
    with tenant_context(tea.id):
        assert db.session.scalars(select(Product.id)).all() == [tea_shirt]


def test_get_by_primary_key_of_another_tenant_finds_nothing(two_stores):
    demo, _tea, _demo_shirt, tea_shirt = two_stores
    with tenant_context(demo.id):
        assert db.session.scalar(select(Product).where(Product.id == tea_shirt)) is None
        assert db.session.get(Product, tea_shirt) is None


def test_counts_and_joins_are_filtered_too(two_stores):
    demo, *_ = two_stores
    with tenant_context(demo.id):
        assert db.session.scalar(select(func.count(Product.id))) == 1
        joined = db.session.execute(select(Product.title, Category.name).join(
            Category, Category.tenant_id == Product.tenant_id, isouter=True)).all()
        assert {row.title for row in joined} == {"纯棉短袖T恤"}
        assert all(row.name is None or row.name in _category_names(demo) for row in joined)


def _category_names(store):
    with tenant_context(store.id):
        return set(db.session.scalars(select(Category.name)))


def test_orm_update_cannot_touch_another_tenants_rows(two_stores):
    demo, tea, _demo_shirt, tea_shirt = two_stores
    with tenant_context(demo.id):
        result = db.session.execute(update(Product).where(Product.id == tea_shirt).values(price=1))
        db.session.commit()
        assert result.rowcount == 0
    with tenant_context(tea.id):
        assert db.session.get(Product, tea_shirt).price == 6900


def test_orm_bulk_delete_cannot_remove_another_tenants_rows(two_stores):
    demo, tea, _demo_shirt, tea_shirt = two_stores
    with tenant_context(demo.id):
        db.session.execute(delete(Product))
        db.session.commit()
        assert db.session.scalar(select(func.count(Product.id))) == 0
    with tenant_context(tea.id):
        assert db.session.scalars(select(Product.id)).all() == [tea_shirt]


def test_query_without_tenant_context_raises(two_stores):
    with pytest.raises(NoTenantContext):
        db.session.scalars(select(Product)).all()
    with pytest.raises(NoTenantContext):
        db.session.execute(update(Product).values(price=1))
    db.session.rollback()


def test_unscoped_reads_across_tenants_deliberately(two_stores):
    with unscoped():
        assert db.session.scalar(select(func.count(Product.id))) == 2


def test_new_rows_are_stamped_with_the_current_tenant(two_stores):
    demo, *_ = two_stores
    with tenant_context(demo.id):
        category = Category(name="新品")
        db.session.add(category)
        db.session.commit()
        assert category.tenant_id == demo.id


def test_new_row_without_tenant_context_is_refused(two_stores):
    db.session.add(Category(name="孤儿"))
    with pytest.raises(NoTenantContext):
        db.session.flush()
    db.session.rollback()


def test_writing_a_row_for_another_tenant_is_refused(two_stores):
    demo, tea, *_ = two_stores
    with tenant_context(demo.id):
        db.session.add(Category(name="伪造", tenant_id=tea.id))
        with pytest.raises(CrossTenantWrite):
            db.session.flush()
        db.session.rollback()


def test_database_rejects_a_product_pointing_at_another_tenants_category(two_stores):
    demo, tea, *_ = two_stores
    with tenant_context(tea.id):
        tea_category = db.session.scalars(select(Category.id)).first()
    with tenant_context(demo.id):
        db.session.add(Product(title="越界商品", price=100, category_id=tea_category))
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_database_rejects_cross_tenant_reference_even_with_raw_sql(two_stores, owner_engine):
    demo, tea, *_ = two_stores
    with owner_engine.begin() as conn:
        tea_category = conn.execute(text("SELECT id FROM categories WHERE tenant_id = :t LIMIT 1"),
                                    {"t": tea.id}).scalar()
    with pytest.raises(IntegrityError), owner_engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA foreign_keys=ON")
        conn.execute(text(
            "INSERT INTO products (tenant_id, title, price, stock, status, category_id, created_at, updated_at) "
            "VALUES (:t, 'x', 1, 0, 'draft', :c, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"),
            {"t": demo.id, "c": tea_category})


@pytest.mark.postgres
def test_raw_sql_without_tenant_setting_sees_no_rows_under_rls(two_stores):
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT current_user")).scalar() == "duoshop_app"
        assert conn.execute(text("SELECT count(*) FROM products")).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM staff_users")).scalar() == 0


@pytest.mark.postgres
def test_raw_sql_sees_only_the_tenant_named_in_the_transaction_setting(two_stores):
    demo, tea, demo_shirt, _ = two_stores
    with db.engine.begin() as conn:
        conn.execute(text("SELECT set_config('duoshop.tenant_id', :t, true)"), {"t": str(demo.id)})
        assert conn.execute(text("SELECT id FROM products")).scalars().all() == [demo_shirt]
        # Writing into another tenant is refused by the policy's WITH CHECK.
        with pytest.raises(ProgrammingError), conn.begin_nested():
            conn.execute(text(
                "INSERT INTO categories (tenant_id, name, position, created_at, updated_at) "
                "VALUES (:t, 'x', 0, now(), now())"), {"t": tea.id})
    with db.engine.connect() as conn:  # the setting was transaction-local: gone now
        assert conn.execute(text("SELECT count(*) FROM products")).scalar() == 0


@pytest.mark.postgres
def test_tenant_setting_follows_context_changes_inside_one_transaction(two_stores):
    demo, tea, demo_shirt, tea_shirt = two_stores
    with tenant_context(demo.id):
        assert db.session.execute(text("SELECT id FROM products")).scalars().all() == [demo_shirt]
        with tenant_context(tea.id):
            assert db.session.execute(text("SELECT id FROM products")).scalars().all() == [tea_shirt]
        assert db.session.execute(text("SELECT id FROM products")).scalars().all() == [demo_shirt]
    db.session.rollback()
