"""parcels: the packages an order is sent in, with what 快递100 last said about each

Revision ID: 0007
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

from tenants.rls import disable_tenant_rls, enable_tenant_rls

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "parcels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("carrier", sa.String(length=32), nullable=False),
        sa.Column("tracking_number", sa.String(length=40), nullable=False),
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("tracking_state", sa.String(length=4), nullable=True),
        sa.Column("events", sa.JSON(), nullable=False),
        sa.Column("last_checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id", "order_id"], ["orders.tenant_id", "orders.id"],
                                name=op.f("fk_parcels_tenant_id_order_id_orders")),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_parcels_tenant_id_tenants"),
                                ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_parcels")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_parcels_tenant_id_id")),
        sa.UniqueConstraint("tenant_id", "carrier", "tracking_number",
                            name=op.f("uq_parcels_tenant_id_carrier_tracking_number")),
    )
    op.create_index("ix_parcels_tenant_order", "parcels", ["tenant_id", "order_id"])
    op.create_index("ix_parcels_tenant_status_checked", "parcels", ["tenant_id", "status", "last_checked_at"])
    enable_tenant_rls(op, "parcels")


def downgrade():
    disable_tenant_rls(op, "parcels")
    op.drop_index("ix_parcels_tenant_status_checked", table_name="parcels")
    op.drop_index("ix_parcels_tenant_order", table_name="parcels")
    op.drop_table("parcels")
