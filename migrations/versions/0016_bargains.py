"""bargains (砍价): campaigns, each shopper's bargain, friends' helps, the daily help
counter and the orders placed through a bargain

Revision ID: 0016
Revises: 0015
"""
import sqlalchemy as sa
from alembic import op

from tenants.rls import disable_tenant_rls, enable_tenant_rls

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

NEW_TENANT_TABLES = ("bargain_campaigns", "bargains", "bargain_helps", "bargain_help_days", "bargain_orders")


def _common(table, *, timestamps=True):
    columns = [sa.Column("tenant_id", sa.Integer(), nullable=False),
               sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f(f"fk_{table}_tenant_id_tenants"),
                                       ondelete="RESTRICT"),
               sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
               sa.UniqueConstraint("tenant_id", "id", name=op.f(f"uq_{table}_tenant_id_id"))]
    if timestamps:
        columns += [sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
                    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False)]
    return columns


def _tenant_fk(table, column, target, ondelete=None):
    return sa.ForeignKeyConstraint(["tenant_id", column], [f"{target}.tenant_id", f"{target}.id"],
                                   name=op.f(f"fk_{table}_tenant_id_{column}_{target}"), ondelete=ondelete)


def upgrade():
    op.create_table(
        "bargain_campaigns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=40), nullable=False),
        sa.Column("sku_id", sa.Integer(), nullable=False),
        sa.Column("floor_price", sa.Integer(), nullable=False),
        sa.Column("max_helps", sa.Integer(), nullable=False),
        sa.Column("hours", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.CheckConstraint("floor_price >= 0", name=op.f("ck_bargain_campaigns_floor_not_negative")),
        sa.CheckConstraint("max_helps BETWEEN 2 AND 50", name=op.f("ck_bargain_campaigns_max_helps_in_range")),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_bargain_campaigns_ends_after_start")),
        _tenant_fk("bargain_campaigns", "sku_id", "skus", "CASCADE"),
        *_common("bargain_campaigns"),
    )
    op.create_index("ix_bargain_campaigns_tenant_window", "bargain_campaigns",
                    ["tenant_id", "status", "starts_at", "ends_at"])
    op.create_table(
        "bargains",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("starter_member_id", sa.Integer(), nullable=False),
        sa.Column("sku_id", sa.Integer(), nullable=False),
        sa.Column("original_price", sa.Integer(), nullable=False),
        sa.Column("floor_price", sa.Integer(), nullable=False),
        sa.Column("max_helps", sa.Integer(), nullable=False),
        sa.Column("current_price", sa.Integer(), nullable=False),
        sa.Column("helps_count", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("current_price >= floor_price", name=op.f("ck_bargains_never_below_floor")),
        sa.CheckConstraint("helps_count >= 0 AND helps_count <= max_helps", name=op.f("ck_bargains_helps_within_max")),
        _tenant_fk("bargains", "campaign_id", "bargain_campaigns", "CASCADE"),
        _tenant_fk("bargains", "starter_member_id", "members", "CASCADE"),
        _tenant_fk("bargains", "sku_id", "skus", "CASCADE"),
        _tenant_fk("bargains", "order_id", "orders"),
        *_common("bargains"),
    )
    op.create_index("ix_bargains_one_live_per_starter", "bargains", ["tenant_id", "campaign_id", "starter_member_id"],
                    unique=True, postgresql_where=sa.text("status <> 'expired'"),
                    sqlite_where=sa.text("status <> 'expired'"))
    op.create_table(
        "bargain_helps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bargain_id", sa.Integer(), nullable=False),
        sa.Column("helper_member_id", sa.Integer(), nullable=False),
        sa.Column("cut", sa.Integer(), nullable=False),
        sa.Column("price_after", sa.Integer(), nullable=False),
        sa.CheckConstraint("cut >= 1", name=op.f("ck_bargain_helps_cut_at_least_one_fen")),
        _tenant_fk("bargain_helps", "bargain_id", "bargains", "CASCADE"),
        _tenant_fk("bargain_helps", "helper_member_id", "members", "CASCADE"),
        sa.UniqueConstraint("tenant_id", "bargain_id", "helper_member_id",
                            name=op.f("uq_bargain_helps_tenant_id_bargain_id_helper_member_id")),
        *_common("bargain_helps"),
    )
    op.create_table(
        "bargain_help_days",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("helps", sa.Integer(), nullable=False),
        sa.CheckConstraint("helps >= 0", name=op.f("ck_bargain_help_days_helps_not_negative")),
        _tenant_fk("bargain_help_days", "member_id", "members", "CASCADE"),
        sa.UniqueConstraint("tenant_id", "member_id", "day", name=op.f("uq_bargain_help_days_tenant_id_member_id_day")),
        *_common("bargain_help_days", timestamps=False),
    )
    op.create_table(
        "bargain_orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bargain_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        _tenant_fk("bargain_orders", "bargain_id", "bargains", "CASCADE"),
        _tenant_fk("bargain_orders", "order_id", "orders", "CASCADE"),
        sa.UniqueConstraint("tenant_id", "order_id", name=op.f("uq_bargain_orders_tenant_id_order_id")),
        *_common("bargain_orders", timestamps=False),
    )
    for table in NEW_TENANT_TABLES:
        enable_tenant_rls(op, table)


def downgrade():
    for table in NEW_TENANT_TABLES:
        disable_tenant_rls(op, table)
    for table in reversed(NEW_TENANT_TABLES):
        op.drop_table(table)
