"""retention and shopper rights: a store's longer retention periods (set by the platform),
the daily run's marker, shoppers' data exports, members' erased_at and orders'
anonymised_at; audit entries may now be deleted (by the retention run only: a store its
own, outside any store the platform's)

Revision ID: 0034
Revises: 0033
"""
import sqlalchemy as sa
from alembic import op

from tenants.rls import SPANS_STORES, TENANT_MATCHES, disable_tenant_rls, enable_tenant_rls

revision = "0034"
down_revision = "0033"
branch_labels = None
depends_on = None

# A store deletes its own entries once past the shortest period the law allows (180 days;
# a longer period of the store's is the retention run's to keep): nobody rewrites recent history.
AUDIT_PURGE = f"created_at < now() - interval '180 days' AND ({TENANT_MATCHES} OR {SPANS_STORES})"
# Platform entries are readable (so deletable) only by a session that spans stores, which the
# app role never is: this function, run as the schema's owner, deletes them — and only those
# older than 180 days, whatever cutoff a caller passes, so the app role cannot wipe them.
PURGE_PLATFORM_AUDIT = """
CREATE OR REPLACE FUNCTION duoshop_purge_platform_audit(cutoff timestamptz) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $body$
DECLARE
    previous text := pg_catalog.current_setting('duoshop.unscoped', true);
    purged integer;
BEGIN
    PERFORM pg_catalog.set_config('duoshop.unscoped', 'on', true);
    DELETE FROM public.audit_log WHERE tenant_id IS NULL
        AND created_at < LEAST(cutoff, pg_catalog.now() - interval '180 days');
    GET DIAGNOSTICS purged = ROW_COUNT;
    PERFORM pg_catalog.set_config('duoshop.unscoped', COALESCE(previous, ''), true);
    RETURN purged;
END
$body$
"""


def upgrade():
    op.create_table(
        "retention_periods",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(length=64), nullable=False),
        sa.Column("keep_days", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("set_by", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_retention_periods_tenant_id_tenants"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retention_periods")),
        sa.UniqueConstraint("tenant_id", "rule", name=op.f("uq_retention_periods_tenant_id_rule")),
    )
    op.create_table(
        "retention_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("purged", sa.JSON(), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_retention_runs_tenant_id_tenants"),
                                ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retention_runs")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_retention_runs_tenant_id_id")),
        sa.UniqueConstraint("tenant_id", "day", name=op.f("uq_retention_runs_tenant_id_day")),
    )
    op.create_table(
        "data_exports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("storage_key", sa.String(length=64), nullable=True),
        sa.Column("token_hash", sa.String(length=64), nullable=True),
        sa.Column("requested_by", sa.String(length=255), nullable=True),
        sa.Column("ready_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("downloaded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id", "member_id"], ["members.tenant_id", "members.id"],
                                name=op.f("fk_data_exports_tenant_id_member_id_members"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_data_exports_tenant_id_tenants"),
                                ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_exports")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_data_exports_tenant_id_id")),
    )
    op.create_index("ix_data_exports_tenant_member", "data_exports", ["tenant_id", "member_id", "id"])
    op.create_index("ix_data_exports_tenant_status_expires", "data_exports", ["tenant_id", "status", "expires_at"])
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.add_column(sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("anonymised_at", sa.DateTime(timezone=True), nullable=True))
    enable_tenant_rls(op, "retention_runs")
    enable_tenant_rls(op, "data_exports")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"CREATE POLICY audit_purge ON audit_log FOR DELETE USING ({AUDIT_PURGE})")
        op.execute(PURGE_PLATFORM_AUDIT)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS duoshop_purge_platform_audit(timestamptz)")
        op.execute("DROP POLICY IF EXISTS audit_purge ON audit_log")
    disable_tenant_rls(op, "data_exports")
    disable_tenant_rls(op, "retention_runs")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_column("anonymised_at")
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_column("erased_at")
    op.drop_index("ix_data_exports_tenant_status_expires", table_name="data_exports")
    op.drop_index("ix_data_exports_tenant_member", table_name="data_exports")
    op.drop_table("data_exports")
    op.drop_table("retention_runs")
    op.drop_table("retention_periods")
