"""coupons: each store's coupon templates (满减, 折扣, 无门槛) and the copies members hold

Revision ID: 0012
Revises: 0011
"""
import sqlalchemy as sa
from alembic import op

from tenants.rls import disable_tenant_rls, enable_tenant_rls

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

NEW_TENANT_TABLES = ("coupons", "member_coupons")


def upgrade():
    op.create_table(
        "coupons",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("amount_off", sa.Integer(), nullable=True),
        sa.Column("threshold", sa.Integer(), nullable=False),
        sa.Column("percent_off", sa.Integer(), nullable=True),
        sa.Column("max_discount", sa.Integer(), nullable=True),
        sa.Column("scope", sa.String(length=12), nullable=False),
        sa.Column("target_ids", sa.JSON(), nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=True),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("valid_days", sa.Integer(), nullable=True),
        sa.Column("total_quantity", sa.Integer(), nullable=True),
        sa.Column("claimed_count", sa.Integer(), nullable=False),
        sa.Column("per_member_limit", sa.Integer(), nullable=False),
        sa.Column("stackable", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("claimed_count >= 0", name=op.f("ck_coupons_claimed_not_negative")),
        sa.CheckConstraint("total_quantity IS NULL OR claimed_count <= total_quantity",
                           name=op.f("ck_coupons_claimed_within_total")),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_coupons_tenant_id_tenants"),
                                ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coupons")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_coupons_tenant_id_id")),
    )
    op.create_index("ix_coupons_tenant_status", "coupons", ["tenant_id", "status"])
    op.create_table(
        "member_coupons",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("coupon_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("claim_number", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("claim_number >= 1", name=op.f("ck_member_coupons_claim_number_positive")),
        sa.ForeignKeyConstraint(["tenant_id", "coupon_id"], ["coupons.tenant_id", "coupons.id"],
                                name=op.f("fk_member_coupons_tenant_id_coupon_id_coupons"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["tenant_id", "member_id"], ["members.tenant_id", "members.id"],
                                name=op.f("fk_member_coupons_tenant_id_member_id_members"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["tenant_id", "order_id"], ["orders.tenant_id", "orders.id"],
                                name=op.f("fk_member_coupons_tenant_id_order_id_orders")),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_member_coupons_tenant_id_tenants"),
                                ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_member_coupons")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_member_coupons_tenant_id_id")),
        sa.UniqueConstraint("tenant_id", "coupon_id", "member_id", "claim_number",
                            name=op.f("uq_member_coupons_tenant_id_coupon_id_member_id_claim_number")),
    )
    op.create_index("ix_member_coupons_tenant_member_status", "member_coupons", ["tenant_id", "member_id", "status"])
    op.create_index("ix_member_coupons_tenant_order", "member_coupons", ["tenant_id", "order_id"])
    for table in NEW_TENANT_TABLES:
        enable_tenant_rls(op, table)


def downgrade():
    for table in NEW_TENANT_TABLES:
        disable_tenant_rls(op, table)
    op.drop_table("member_coupons")
    op.drop_table("coupons")
