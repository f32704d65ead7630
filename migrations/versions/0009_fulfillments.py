"""fulfillments: packing lists that split orders by warehouse and merge a member's orders
to one address; products get a warehouse; a tracking number may cover several orders

Revision ID: 0009
Revises: 0008
"""
import sqlalchemy as sa
from alembic import op

from tenants.rls import disable_tenant_rls, enable_tenant_rls

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

NEW_TENANT_TABLES = ("fulfillments", "fulfillment_lines")


def upgrade():
    op.add_column("products", sa.Column("warehouse", sa.String(length=32), nullable=True))
    op.create_table(
        "fulfillments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("warehouse", sa.String(length=32), nullable=False),
        sa.Column("address_key", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id", "member_id"], ["members.tenant_id", "members.id"],
                                name=op.f("fk_fulfillments_tenant_id_member_id_members")),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_fulfillments_tenant_id_tenants"),
                                ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fulfillments")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_fulfillments_tenant_id_id")),
    )
    op.create_index("ix_fulfillments_tenant_open", "fulfillments",
                    ["tenant_id", "status", "member_id", "warehouse", "address_key"])
    op.create_table(
        "fulfillment_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fulfillment_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("order_line_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id", "fulfillment_id"], ["fulfillments.tenant_id", "fulfillments.id"],
                                name=op.f("fk_fulfillment_lines_tenant_id_fulfillment_id_fulfillments"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["tenant_id", "order_line_id"], ["order_lines.tenant_id", "order_lines.id"],
                                name=op.f("fk_fulfillment_lines_tenant_id_order_line_id_order_lines"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_fulfillment_lines_tenant_id_tenants"),
                                ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fulfillment_lines")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_fulfillment_lines_tenant_id_id")),
        sa.UniqueConstraint("tenant_id", "order_line_id", name=op.f("uq_fulfillment_lines_tenant_id_order_line_id")),
    )
    op.create_index("ix_fulfillment_lines_tenant_fulfillment", "fulfillment_lines", ["tenant_id", "fulfillment_id"])
    # One parcel of a merged packing list carries several orders under one tracking number.
    with op.batch_alter_table("parcels") as batch:
        batch.drop_constraint("uq_parcels_tenant_id_carrier_tracking_number", type_="unique")
        batch.create_unique_constraint("uq_parcels_tenant_id_carrier_tracking_number_order_id",
                                       ["tenant_id", "carrier", "tracking_number", "order_id"])
    for table in NEW_TENANT_TABLES:
        enable_tenant_rls(op, table)


def downgrade():
    for table in NEW_TENANT_TABLES:
        disable_tenant_rls(op, table)
    with op.batch_alter_table("parcels") as batch:
        batch.drop_constraint("uq_parcels_tenant_id_carrier_tracking_number_order_id", type_="unique")
        batch.create_unique_constraint("uq_parcels_tenant_id_carrier_tracking_number",
                                       ["tenant_id", "carrier", "tracking_number"])
    op.drop_table("fulfillment_lines")
    op.drop_table("fulfillments")
    op.drop_column("products", "warehouse")
