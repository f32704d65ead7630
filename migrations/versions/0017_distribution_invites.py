"""distribution (分销) and invite rewards: settings, distributors, who referred whom,
commissions, invite tiers and the rewards granted

Revision ID: 0017
Revises: 0016
"""
import sqlalchemy as sa
from alembic import op

from tenants.rls import disable_tenant_rls, enable_tenant_rls

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

NEW_TENANT_TABLES = ("distribution_settings", "distributors", "referrals", "commissions", "invite_settings",
                     "invite_rewards")


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


def _member_fk(table, column):
    return sa.ForeignKeyConstraint(["tenant_id", column], ["members.tenant_id", "members.id"],
                                   name=op.f(f"fk_{table}_tenant_id_{column}_members"), ondelete="CASCADE")


def upgrade():
    op.create_table(
        "distribution_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("level1_percent", sa.Integer(), nullable=False),
        sa.Column("level2_percent", sa.Integer(), nullable=False),
        sa.Column("settle_days", sa.Integer(), nullable=False),
        sa.CheckConstraint("level1_percent >= 1 AND level1_percent <= 50",
                           name=op.f("ck_distribution_settings_level1_percent_range")),
        sa.CheckConstraint("level2_percent >= 0 AND level2_percent <= 50",
                           name=op.f("ck_distribution_settings_level2_percent_range")),
        sa.CheckConstraint("settle_days >= 0 AND settle_days <= 90",
                           name=op.f("ck_distribution_settings_settle_days_range")),
        sa.UniqueConstraint("tenant_id", name=op.f("uq_distribution_settings_tenant_id")),
        *_common("distribution_settings"),
    )
    op.create_table(
        "distributors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        _member_fk("distributors", "member_id"),
        sa.UniqueConstraint("tenant_id", "member_id", name=op.f("uq_distributors_tenant_id_member_id")),
        *_common("distributors"),
    )
    op.create_index("ix_distributors_tenant_status", "distributors", ["tenant_id", "status"])
    op.create_table(
        "referrals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("referrer_id", sa.Integer(), nullable=False),
        sa.Column("bound_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("member_id <> referrer_id", name=op.f("ck_referrals_not_self")),
        _member_fk("referrals", "member_id"),
        _member_fk("referrals", "referrer_id"),
        sa.UniqueConstraint("tenant_id", "member_id", name=op.f("uq_referrals_tenant_id_member_id")),
        *_common("referrals", timestamps=False),
    )
    op.create_index("ix_referrals_tenant_referrer", "referrals", ["tenant_id", "referrer_id"])
    op.create_table(
        "commissions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("base", sa.Integer(), nullable=False),
        sa.Column("percent", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("cancelled_amount", sa.Integer(), nullable=False),
        sa.Column("owed", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("settle_after", sa.DateTime(timezone=True), nullable=True),
        sa.Column("settled_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("level >= 1 AND level <= 2", name=op.f("ck_commissions_level_within_cap")),
        sa.CheckConstraint("amount >= 0 AND cancelled_amount >= 0 AND cancelled_amount <= amount",
                           name=op.f("ck_commissions_cancelled_within_amount")),
        sa.CheckConstraint("owed >= 0 AND owed <= cancelled_amount", name=op.f("ck_commissions_owed_within_cancelled")),
        sa.ForeignKeyConstraint(["tenant_id", "order_id"], ["orders.tenant_id", "orders.id"],
                                name=op.f("fk_commissions_tenant_id_order_id_orders"), ondelete="CASCADE"),
        _member_fk("commissions", "member_id"),
        sa.UniqueConstraint("tenant_id", "order_id", "level", name=op.f("uq_commissions_tenant_id_order_id_level")),
        *_common("commissions"),
    )
    op.create_index("ix_commissions_tenant_member_status", "commissions", ["tenant_id", "member_id", "status"])
    op.create_index("ix_commissions_tenant_status_settle_after", "commissions",
                    ["tenant_id", "status", "settle_after"])
    op.create_table(
        "invite_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("tiers", sa.JSON(), nullable=False),
        sa.UniqueConstraint("tenant_id", name=op.f("uq_invite_settings_tenant_id")),
        *_common("invite_settings"),
    )
    op.create_table(
        "invite_rewards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inviter_id", sa.Integer(), nullable=False),
        sa.Column("tier", sa.Integer(), nullable=False),
        sa.Column("invitee_id", sa.Integer(), nullable=False),
        sa.Column("coupon_id", sa.Integer(), nullable=True),
        sa.Column("coupon_issued", sa.Boolean(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("tier >= 1", name=op.f("ck_invite_rewards_tier_positive")),
        _member_fk("invite_rewards", "inviter_id"),
        _member_fk("invite_rewards", "invitee_id"),
        sa.UniqueConstraint("tenant_id", "inviter_id", "tier", name=op.f("uq_invite_rewards_tenant_id_inviter_id_tier")),
        *_common("invite_rewards", timestamps=False),
    )
    op.create_index("ix_invite_rewards_tenant_created", "invite_rewards", ["tenant_id", "created_at"])
    for table in NEW_TENANT_TABLES:
        enable_tenant_rls(op, table)


def downgrade():
    for table in NEW_TENANT_TABLES:
        disable_tenant_rls(op, table)
    for table in reversed(NEW_TENANT_TABLES):
        op.drop_table(table)
