"""Supply chain: stock planning settings per store (inventory_settings), products' own lead
times (product_lead_times), merchants' safety stock per SKU (safety_stock_overrides), batches
received by supplier with production and expiry dates (stock_batches) and the batch each
shipped unit came from (batch_allocations)

Revision ID: 0038
Revises: 0037
"""
import sqlalchemy as sa
from alembic import op

from tenants.rls import disable_tenant_rls, enable_tenant_rls

revision = "0038"
down_revision = "0037"
branch_labels = None
depends_on = None

TABLES = ("inventory_settings", "product_lead_times", "safety_stock_overrides", "stock_batches", "batch_allocations")


def _key(table):
    """(tenant_id, id) on PostgreSQL; ``id INTEGER PRIMARY KEY`` + UNIQUE (tenant_id, id) on SQLite (0035)."""
    if op.get_bind().dialect.name == "postgresql":
        return (sa.PrimaryKeyConstraint("tenant_id", "id", name=f"pk_{table}"),)
    return (sa.PrimaryKeyConstraint("id", name=f"pk_{table}"),
            sa.UniqueConstraint("tenant_id", "id", name=f"uq_{table}_tenant_id_id"))


def _tenant(table):
    return (sa.Column("tenant_id", sa.Integer(), nullable=False),
            sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=f"fk_{table}_tenant_id_tenants",
                                    ondelete="RESTRICT"))


def _points_at(table, column, target, ondelete=None):
    return sa.ForeignKeyConstraint(["tenant_id", column], [f"{target}.tenant_id", f"{target}.id"],
                                   name=f"fk_{table}_tenant_id_{column}_{target}", ondelete=ondelete)


def _id():
    return sa.Column("id", sa.Integer(), autoincrement=True, nullable=False)


def upgrade():
    op.create_table(
        "inventory_settings", _id(),
        sa.Column("window_days", sa.Integer(), nullable=False),
        sa.Column("lead_time_days", sa.Integer(), nullable=False),
        sa.Column("buffer_percent", sa.Integer(), nullable=False),
        sa.Column("hot_buffer_percent", sa.Integer(), nullable=False),
        sa.Column("hot_share_percent", sa.Integer(), nullable=False),
        sa.Column("turnover_target_days", sa.Integer(), nullable=False),
        *_tenant("inventory_settings"),
        sa.CheckConstraint("hot_buffer_percent >= 20", name="ck_inventory_settings_hot_buffer_at_least_20"),
        sa.UniqueConstraint("tenant_id", name="uq_inventory_settings_tenant_id"),
        *_key("inventory_settings"),
    )
    op.create_table(
        "product_lead_times", _id(),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("lead_time_days", sa.Integer(), nullable=False),
        *_tenant("product_lead_times"),
        _points_at("product_lead_times", "product_id", "products", "CASCADE"),
        sa.CheckConstraint("lead_time_days > 0", name="ck_product_lead_times_lead_time_positive"),
        sa.UniqueConstraint("tenant_id", "product_id", name="uq_product_lead_times_tenant_id_product_id"),
        *_key("product_lead_times"),
    )
    op.create_table(
        "safety_stock_overrides", _id(),
        sa.Column("sku_id", sa.Integer(), nullable=False),
        sa.Column("safety_stock", sa.Integer(), nullable=False),
        *_tenant("safety_stock_overrides"),
        _points_at("safety_stock_overrides", "sku_id", "skus", "CASCADE"),
        sa.CheckConstraint("safety_stock >= 0", name="ck_safety_stock_overrides_safety_stock_not_negative"),
        sa.UniqueConstraint("tenant_id", "sku_id", name="uq_safety_stock_overrides_tenant_id_sku_id"),
        *_key("safety_stock_overrides"),
    )
    op.create_table(
        "stock_batches", _id(),
        sa.Column("sku_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("batch_number", sa.String(length=40), nullable=False),
        sa.Column("supplier", sa.String(length=60), nullable=False),
        sa.Column("produced_on", sa.Date(), nullable=True),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("received_quantity", sa.Integer(), nullable=False),
        sa.Column("remaining", sa.Integer(), nullable=False),
        sa.Column("is_opening", sa.Boolean(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        *_tenant("stock_batches"),
        _points_at("stock_batches", "sku_id", "skus", "CASCADE"),
        _points_at("stock_batches", "product_id", "products", "CASCADE"),
        sa.CheckConstraint("received_quantity >= 0", name="ck_stock_batches_received_not_negative"),
        sa.CheckConstraint("remaining >= 0 AND remaining <= received_quantity",
                           name="ck_stock_batches_remaining_within_received"),
        sa.CheckConstraint("expires_on IS NULL OR produced_on IS NULL OR expires_on >= produced_on",
                           name="ck_stock_batches_expires_after_produced"),
        sa.UniqueConstraint("tenant_id", "sku_id", "batch_number", name="uq_stock_batches_tenant_id_sku_id_batch_number"),
        *_key("stock_batches"),
    )
    op.create_index("ix_stock_batches_tenant_sku", "stock_batches", ["tenant_id", "sku_id", "expires_on", "id"])
    op.create_table(
        "batch_allocations", _id(),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("order_line_id", sa.Integer(), nullable=False),
        sa.Column("parcel_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("returned_quantity", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        *_tenant("batch_allocations"),
        _points_at("batch_allocations", "batch_id", "stock_batches"),
        _points_at("batch_allocations", "order_id", "orders"),
        _points_at("batch_allocations", "order_line_id", "order_lines", "CASCADE"),
        _points_at("batch_allocations", "parcel_id", "parcels"),
        sa.CheckConstraint("quantity > 0", name="ck_batch_allocations_quantity_positive"),
        sa.CheckConstraint("returned_quantity >= 0 AND returned_quantity <= quantity",
                           name="ck_batch_allocations_returned_within_quantity"),
        *_key("batch_allocations"),
    )
    op.create_index("ix_batch_allocations_tenant_batch", "batch_allocations", ["tenant_id", "batch_id", "id"])
    op.create_index("ix_batch_allocations_tenant_line", "batch_allocations", ["tenant_id", "order_line_id"])
    for table in TABLES:
        enable_tenant_rls(op, table)


def downgrade():
    for table in reversed(TABLES):
        disable_tenant_rls(op, table)
        op.drop_table(table)
