"""group buys (拼团): campaigns, teams and each member's place in a team

Revision ID: 0015
Revises: 0014
"""
import sqlalchemy as sa
from alembic import op

from tenants.rls import disable_tenant_rls, enable_tenant_rls

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

NEW_TENANT_TABLES = ("group_buys", "group_teams", "group_team_members")


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


def upgrade():
    op.create_table(
        "group_buys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=40), nullable=False),
        sa.Column("sku_id", sa.Integer(), nullable=False),
        sa.Column("group_price", sa.Integer(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("hours", sa.Integer(), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("virtual_success", sa.Boolean(), nullable=False),
        sa.CheckConstraint("size >= 2", name=op.f("ck_group_buys_size_at_least_two")),
        sa.CheckConstraint("group_price >= 0", name=op.f("ck_group_buys_price_not_negative")),
        sa.ForeignKeyConstraint(["tenant_id", "sku_id"], ["skus.tenant_id", "skus.id"],
                                name=op.f("fk_group_buys_tenant_id_sku_id_skus"), ondelete="CASCADE"),
        *_common("group_buys"),
    )
    op.create_table(
        "group_teams",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_buy_id", sa.Integer(), nullable=False),
        sa.Column("leader_member_id", sa.Integer(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("seats_taken", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("seats_taken >= 0", name=op.f("ck_group_teams_seats_not_negative")),
        sa.ForeignKeyConstraint(["tenant_id", "group_buy_id"], ["group_buys.tenant_id", "group_buys.id"],
                                name=op.f("fk_group_teams_tenant_id_group_buy_id_group_buys"), ondelete="CASCADE"),
        *_common("group_teams"),
    )
    op.create_table(
        "group_team_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id", "team_id"], ["group_teams.tenant_id", "group_teams.id"],
                                name=op.f("fk_group_team_members_tenant_id_team_id_group_teams"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["tenant_id", "order_id"], ["orders.tenant_id", "orders.id"],
                                name=op.f("fk_group_team_members_tenant_id_order_id_orders"), ondelete="CASCADE"),
        sa.UniqueConstraint("tenant_id", "order_id", name=op.f("uq_group_team_members_tenant_id_order_id")),
        *_common("group_team_members"),
    )
    for table in NEW_TENANT_TABLES:
        enable_tenant_rls(op, table)


def downgrade():
    for table in NEW_TENANT_TABLES:
        disable_tenant_rls(op, table)
    for table in reversed(NEW_TENANT_TABLES):
        op.drop_table(table)
