"""the platform role: reading across stores takes the platform role's connection, not a
setting the app can flip; the audit log under row-level security; custom domains claimed
only once verified (pending claims no longer block the real owner)

Revision ID: 0024
Revises: 0023
"""
import sqlalchemy as sa
from alembic import op

from tenants.rls import POLICY_EXPRESSION, SPANS_STORES, TENANT_MATCHES, create_spans_stores_function

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

# Before 0024 any session that set duoshop.unscoped = 'on' passed, the app role's too.
LEGACY_EXPRESSION = ("current_setting('duoshop.unscoped', true) = 'on' "
                     "OR tenant_id = NULLIF(current_setting('duoshop.tenant_id', true), '')::integer")
# A store reads its own rows, the platform role (inside unscoped()) every row, platform
# rows (tenant_id NULL) included. Writing: a store writes its own rows; outside any store
# (the platform console, sign-in, jobs about a store) any row may be added. Nothing updates
# or deletes an audit entry.
AUDIT_READ = f"{TENANT_MATCHES} OR {SPANS_STORES}"
AUDIT_WRITE = f"{TENANT_MATCHES} OR NULLIF(current_setting('duoshop.tenant_id', true), '') IS NULL OR {SPANS_STORES}"
VERIFIED_HOSTNAME = "ux_domains_verified_hostname"


def _tenant_tables():
    return op.get_bind().execute(sa.text(
        "SELECT tablename FROM pg_policies WHERE policyname = 'tenant_isolation' ORDER BY tablename")).scalars().all()


def _replace_policies(expression):
    for table in _tenant_tables():
        op.execute(f"ALTER POLICY tenant_isolation ON {table} USING ({expression}) WITH CHECK ({expression})")


def upgrade():
    with op.batch_alter_table("domains", schema=None) as batch_op:
        batch_op.drop_constraint("uq_domains_hostname", type_="unique")
        batch_op.create_unique_constraint("uq_domains_tenant_id_hostname", ["tenant_id", "hostname"])
    op.create_index(VERIFIED_HOSTNAME, "domains", ["hostname"], unique=True,
                    postgresql_where=sa.text("verified"), sqlite_where=sa.text("verified"))
    if op.get_bind().dialect.name != "postgresql":
        return
    create_spans_stores_function(op)
    _replace_policies(POLICY_EXPRESSION)
    op.execute("ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE audit_log FORCE ROW LEVEL SECURITY")
    op.execute(f"CREATE POLICY audit_read ON audit_log FOR SELECT USING ({AUDIT_READ})")
    op.execute(f"CREATE POLICY audit_write ON audit_log FOR INSERT WITH CHECK ({AUDIT_WRITE})")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP POLICY IF EXISTS audit_write ON audit_log")
        op.execute("DROP POLICY IF EXISTS audit_read ON audit_log")
        op.execute("ALTER TABLE audit_log NO FORCE ROW LEVEL SECURITY")
        op.execute("ALTER TABLE audit_log DISABLE ROW LEVEL SECURITY")
        _replace_policies(LEGACY_EXPRESSION)
        op.execute("DROP FUNCTION IF EXISTS duoshop_spans_stores()")
        op.execute("SET LOCAL duoshop.unscoped = 'on'")  # the data fix below spans stores
    op.drop_index(VERIFIED_HOSTNAME, table_name="domains")
    # Pending claims of one hostname by several stores cannot all stay under the old key.
    op.execute("DELETE FROM domains WHERE verified = false AND hostname IN ("
               "SELECT hostname FROM domains GROUP BY hostname HAVING count(*) > 1)")
    with op.batch_alter_table("domains", schema=None) as batch_op:
        batch_op.drop_constraint("uq_domains_tenant_id_hostname", type_="unique")
        batch_op.create_unique_constraint("uq_domains_hostname", ["hostname"])
