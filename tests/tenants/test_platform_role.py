"""Reading across stores takes the platform role (PostgreSQL): the app role may set
``duoshop.unscoped`` itself and still sees only its own store, or nothing; the audit log is
walled like every store table, its platform rows (no store) shown only to the platform."""
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import ProgrammingError

from commerce.catalog.models import Product
from core.audit import AuditLog, record_audit
from core.extensions import db
from core.tenancy import tenant_context, unscoped
from tests.factories import create_product, create_store

pytestmark = pytest.mark.postgres

SWITCH_ON = "SELECT set_config('duoshop.unscoped', 'on', true)"


@pytest.fixture
def two_stores(app_ctx):
    demo, tea = create_store("demo"), create_store("tea")
    demo_shirt = create_product(demo, "纯棉短袖T恤", price=7900)
    tea_shirt = create_product(tea, "纯棉短袖T恤", price=6900)
    with tenant_context(demo.id):
        record_audit("test.demo_did")
        db.session.commit()
    with tenant_context(tea.id):
        record_audit("test.tea_did")
        db.session.commit()
    record_audit("test.platform_did")  # no store: a platform row
    db.session.commit()
    return demo, tea, demo_shirt, tea_shirt


def _as_app_role(sql, tenant_id=None):
    """Run ``sql`` on the app role's own connection after switching ``unscoped`` on itself."""
    with db.engine.begin() as conn:
        assert conn.execute(text("SELECT current_user")).scalar() == "duoshop_app"
        if tenant_id is not None:
            conn.execute(text("SELECT set_config('duoshop.tenant_id', :t, true)"), {"t": str(tenant_id)})
        conn.execute(text(SWITCH_ON))
        return conn.execute(text(sql)).scalars().all()


def test_app_role_switching_unscoped_on_itself_sees_no_store(two_stores):
    assert _as_app_role("SELECT id FROM products") == []
    assert _as_app_role("SELECT count(*) FROM staff_users") == [0]


def test_app_role_switching_unscoped_on_inside_a_store_sees_only_that_store(two_stores):
    demo, _tea, demo_shirt, _tea_shirt = two_stores
    assert _as_app_role("SELECT id FROM products", tenant_id=demo.id) == [demo_shirt]


def test_app_role_cannot_write_into_another_store_with_unscoped_on(two_stores):
    demo, tea, *_ = two_stores
    with pytest.raises(ProgrammingError, match="row-level security"), db.engine.begin() as conn:
        conn.execute(text("SELECT set_config('duoshop.tenant_id', :t, true)"), {"t": str(demo.id)})
        conn.execute(text(SWITCH_ON))
        conn.execute(text("INSERT INTO categories (tenant_id, name, position, created_at, updated_at) "
                          "VALUES (:t, 'x', 0, now(), now())"), {"t": tea.id})


def test_unscoped_reads_go_over_the_platform_role(two_stores):
    with unscoped():
        assert db.session.execute(text("SELECT current_user")).scalar() == "duoshop_platform"
        assert db.session.scalar(select(func.count(Product.id))) == 2
    db.session.rollback()


def test_platform_role_outside_unscoped_sees_no_store(two_stores):
    with db.engines["platform"].connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM products")).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM audit_log")).scalar() == 0


def test_platform_role_only_reads(two_stores):
    demo, *_ = two_stores
    with pytest.raises(ProgrammingError, match="permission denied"), db.engines["platform"].begin() as conn:
        conn.execute(text(SWITCH_ON))
        conn.execute(text("UPDATE products SET price = 1"))


def test_audit_log_without_a_store_shows_the_app_role_nothing(two_stores):
    assert _as_app_role("SELECT action FROM audit_log") == []
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM audit_log")).scalar() == 0


def test_audit_log_shows_a_store_only_its_own_rows(two_stores):
    demo, tea, *_ = two_stores
    with tenant_context(demo.id):
        assert db.session.scalars(select(AuditLog.action).where(AuditLog.action.like("test.%"))).all() == [
            "test.demo_did"]
    with tenant_context(tea.id):
        assert db.session.scalars(select(AuditLog.action).where(AuditLog.action.like("test.%"))).all() == [
            "test.tea_did"]
    assert _as_app_role("SELECT action FROM audit_log WHERE action LIKE 'test.%'", tenant_id=demo.id) == [
        "test.demo_did"]


def test_audit_log_platform_rows_are_read_in_the_platform_context(two_stores):
    with unscoped():
        actions = db.session.scalars(select(AuditLog.action).where(AuditLog.action.like("test.%"))
                                     .order_by(AuditLog.id)).all()
    assert actions == ["test.demo_did", "test.tea_did", "test.platform_did"]


def test_a_store_cannot_write_audit_rows_for_another_store_or_change_any(two_stores):
    demo, tea, *_ = two_stores
    with pytest.raises(ProgrammingError, match="row-level security"), db.engine.begin() as conn:
        conn.execute(text("SELECT set_config('duoshop.tenant_id', :t, true)"), {"t": str(demo.id)})
        conn.execute(text("INSERT INTO audit_log (tenant_id, actor_type, action, created_at) "
                          "VALUES (:t, 'system', 'forged', now())"), {"t": tea.id})
    with db.engine.begin() as conn:
        conn.execute(text("SELECT set_config('duoshop.tenant_id', :t, true)"), {"t": str(demo.id)})
        assert conn.execute(text("UPDATE audit_log SET action = 'rewritten'")).rowcount == 0
        assert conn.execute(text("DELETE FROM audit_log")).rowcount == 0
