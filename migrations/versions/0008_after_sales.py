"""after-sales requests (售后): refund only, or return and refund

Revision ID: 0008
Revises: 0007
"""
import sqlalchemy as sa
from alembic import op

from tenants.rls import disable_tenant_rls, enable_tenant_rls

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "after_sales",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=True),
        sa.Column("photos", sa.JSON(), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("merchant_note", sa.String(length=200), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("refund_id", sa.Integer(), nullable=True),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount > 0", name=op.f("ck_after_sales_amount_positive")),
        sa.ForeignKeyConstraint(["tenant_id", "order_id"], ["orders.tenant_id", "orders.id"],
                                name=op.f("fk_after_sales_tenant_id_order_id_orders"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["tenant_id", "refund_id"], ["refunds.tenant_id", "refunds.id"],
                                name=op.f("fk_after_sales_tenant_id_refund_id_refunds")),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_after_sales_tenant_id_tenants"),
                                ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_after_sales")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_after_sales_tenant_id_id")),
    )
    op.create_index("ix_after_sales_tenant_status", "after_sales", ["tenant_id", "status"])
    op.create_index("ix_after_sales_tenant_order", "after_sales", ["tenant_id", "order_id"])
    enable_tenant_rls(op, "after_sales")


def downgrade():
    disable_tenant_rls(op, "after_sales")
    op.drop_table("after_sales")
