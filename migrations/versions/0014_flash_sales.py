"""flash sales (秒杀): campaign windows, their SKUs with flash price and campaign stock, and
each member's quota; order lines remember the flash item they were bought from

Revision ID: 0014
Revises: 0013
"""
import sqlalchemy as sa
from alembic import op

from tenants.rls import disable_tenant_rls, enable_tenant_rls

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

NEW_TENANT_TABLES = ("flash_sales", "flash_sale_items", "flash_sale_quotas")


def _tenant_columns(table):
    return [sa.Column("tenant_id", sa.Integer(), nullable=False),
            sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f(f"fk_{table}_tenant_id_tenants"),
                                    ondelete="RESTRICT"),
            sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
            sa.UniqueConstraint("tenant_id", "id", name=op.f(f"uq_{table}_tenant_id_id"))]


def upgrade():
    op.create_table(
        "flash_sales",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=40), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_flash_sales_ends_after_start")),
        *_tenant_columns("flash_sales"),
    )
    op.create_index("ix_flash_sales_tenant_window", "flash_sales", ["tenant_id", "status", "starts_at", "ends_at"])
    op.create_table(
        "flash_sale_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("flash_sale_id", sa.Integer(), nullable=False),
        sa.Column("sku_id", sa.Integer(), nullable=False),
        sa.Column("price", sa.Integer(), nullable=False),
        sa.Column("stock", sa.Integer(), nullable=False),
        sa.Column("initial_stock", sa.Integer(), nullable=False),
        sa.Column("per_member_limit", sa.Integer(), nullable=False),
        sa.CheckConstraint("stock >= 0", name=op.f("ck_flash_sale_items_stock_not_negative")),
        sa.CheckConstraint("price >= 0", name=op.f("ck_flash_sale_items_price_not_negative")),
        sa.CheckConstraint("per_member_limit > 0", name=op.f("ck_flash_sale_items_limit_positive")),
        sa.ForeignKeyConstraint(["tenant_id", "flash_sale_id"], ["flash_sales.tenant_id", "flash_sales.id"],
                                name=op.f("fk_flash_sale_items_tenant_id_flash_sale_id_flash_sales"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["tenant_id", "sku_id"], ["skus.tenant_id", "skus.id"],
                                name=op.f("fk_flash_sale_items_tenant_id_sku_id_skus"), ondelete="CASCADE"),
        sa.UniqueConstraint("tenant_id", "flash_sale_id", "sku_id",
                            name=op.f("uq_flash_sale_items_tenant_id_flash_sale_id_sku_id")),
        *_tenant_columns("flash_sale_items"),
    )
    op.create_table(
        "flash_sale_quotas",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("bought", sa.Integer(), nullable=False),
        sa.CheckConstraint("bought >= 0", name=op.f("ck_flash_sale_quotas_bought_not_negative")),
        sa.ForeignKeyConstraint(["tenant_id", "item_id"], ["flash_sale_items.tenant_id", "flash_sale_items.id"],
                                name=op.f("fk_flash_sale_quotas_tenant_id_item_id_flash_sale_items"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["tenant_id", "member_id"], ["members.tenant_id", "members.id"],
                                name=op.f("fk_flash_sale_quotas_tenant_id_member_id_members"), ondelete="CASCADE"),
        sa.UniqueConstraint("tenant_id", "item_id", "member_id",
                            name=op.f("uq_flash_sale_quotas_tenant_id_item_id_member_id")),
        *_tenant_columns("flash_sale_quotas"),
    )
    op.add_column("order_lines", sa.Column("flash_sale_item_id", sa.Integer(), nullable=True))
    for table in NEW_TENANT_TABLES:
        enable_tenant_rls(op, table)


def downgrade():
    for table in NEW_TENANT_TABLES:
        disable_tenant_rls(op, table)
    with op.batch_alter_table("order_lines") as batch:
        batch.drop_column("flash_sale_item_id")
    for table in reversed(NEW_TENANT_TABLES):
        op.drop_table(table)
