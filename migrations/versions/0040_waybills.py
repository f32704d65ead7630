"""Electronic waybills (电子面单): each store's sender and carrier account (waybill_settings,
one row per store, the account password encrypted) and each waybill asked of the carrier for a
packing list (waybills: a fixed request id per request, at most one live waybill per list)

Revision ID: 0040
Revises: 0035
"""
import sqlalchemy as sa
from alembic import op

from tenants.rls import disable_tenant_rls, enable_tenant_rls

TABLES = ("waybill_settings", "waybills")

revision = "0040"
down_revision = "0035"
branch_labels = None
depends_on = None


def _keys(table):
    """The tenant-first key (migration 0035): (tenant_id, id) on PostgreSQL; on SQLite
    ``id INTEGER PRIMARY KEY`` and UNIQUE (tenant_id, id) for the composite foreign keys."""
    if op.get_bind().dialect.name == "postgresql":
        return [sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f(f"pk_{table}"))]
    return [sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
            sa.UniqueConstraint("tenant_id", "id", name=op.f(f"uq_{table}_tenant_id_id"))]


def upgrade():
    op.create_table(
        "waybill_settings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("carrier", sa.String(length=32), nullable=False),
        sa.Column("partner_id", sa.String(length=64), nullable=True),
        sa.Column("partner_key", sa.Text(), nullable=True),
        sa.Column("sender_name", sa.String(length=40), nullable=False),
        sa.Column("sender_phone", sa.String(length=20), nullable=False),
        sa.Column("sender_region", sa.String(length=120), nullable=False),
        sa.Column("sender_detail", sa.String(length=120), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_waybill_settings_tenant_id_tenants"),
                                ondelete="RESTRICT"),
        *_keys("waybill_settings"),
        sa.UniqueConstraint("tenant_id", name=op.f("uq_waybill_settings_tenant_id")),
    )
    op.create_table(
        "waybills",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("fulfillment_id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.String(length=32), nullable=False),
        sa.Column("carrier", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=True),
        sa.Column("routing", sa.JSON(), nullable=False),
        sa.Column("error", sa.String(length=255), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id", "fulfillment_id"], ["fulfillments.tenant_id", "fulfillments.id"],
                                name=op.f("fk_waybills_tenant_id_fulfillment_id_fulfillments"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_waybills_tenant_id_tenants"),
                                ondelete="RESTRICT"),
        *_keys("waybills"),
        sa.UniqueConstraint("tenant_id", "request_id", name=op.f("uq_waybills_tenant_id_request_id")),
    )
    op.create_index("ix_waybills_one_live", "waybills", ["tenant_id", "fulfillment_id"], unique=True,
                    postgresql_where=sa.text("status <> 'cancelled'"), sqlite_where=sa.text("status <> 'cancelled'"))
    op.create_index("ix_waybills_tenant_created", "waybills", ["tenant_id", "created_at"])
    for table in TABLES:
        enable_tenant_rls(op, table)


def downgrade():
    for table in reversed(TABLES):
        disable_tenant_rls(op, table)
    op.drop_index("ix_waybills_tenant_created", table_name="waybills")
    op.drop_index("ix_waybills_one_live", table_name="waybills")
    op.drop_table("waybills")
    op.drop_table("waybill_settings")
