"""member ledgers: levels, points and stored value (储值) with append-only ledgers; the
member row caches points, balance and growth; top-ups; each store's member settings

Revision ID: 0011
Revises: 0010
"""
import sqlalchemy as sa
from alembic import op

from tenants.rls import disable_tenant_rls, enable_tenant_rls

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

NEW_TENANT_TABLES = ("member_settings", "member_levels", "points_entries", "balance_entries", "top_ups")


def _tenant_columns(table, timestamps=True):
    columns = [
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    ]
    if timestamps:
        columns.append(sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False))
    return columns + [
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=f"fk_{table}_tenant_id_tenants",
                                ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=f"pk_{table}"),
        sa.UniqueConstraint("tenant_id", "id", name=f"uq_{table}_tenant_id_id"),
    ]


def _member_fk(table, ondelete=None):
    return sa.ForeignKeyConstraint(["tenant_id", "member_id"], ["members.tenant_id", "members.id"],
                                   name=f"fk_{table}_tenant_id_member_id_members", ondelete=ondelete)


def _ledger(table):
    op.create_table(
        table,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("delta", sa.Integer(), nullable=False),
        sa.Column("balance_after", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("source_ref", sa.String(length=64), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(length=200), nullable=True),
        *_tenant_columns(table, timestamps=False),
        _member_fk(table, ondelete="CASCADE"),
        sa.UniqueConstraint("tenant_id", "source_ref", name=f"uq_{table}_tenant_id_source_ref"),
        sa.CheckConstraint("delta <> 0", name=f"ck_{table}_delta_not_zero"),
        sa.CheckConstraint("balance_after >= 0", name=f"ck_{table}_balance_after_not_negative"),
    )
    op.create_index(f"ix_{table}_tenant_member", table, ["tenant_id", "member_id", "id"])


def upgrade():
    op.create_table(
        "member_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("points_per_yuan", sa.Integer(), nullable=False),
        sa.Column("sign_in_points", sa.Integer(), nullable=False),
        sa.Column("points_expire_months", sa.Integer(), nullable=True),
        sa.Column("points_per_yuan_off", sa.Integer(), nullable=False),
        sa.Column("redeem_cap_percent", sa.Integer(), nullable=False),
        sa.Column("top_up_bonuses", sa.JSON(), nullable=False),
        *_tenant_columns("member_settings"),
        sa.UniqueConstraint("tenant_id", name="uq_member_settings_tenant_id"),
    )
    op.create_table(
        "member_levels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("growth_threshold", sa.Integer(), nullable=False),
        sa.Column("discount_percent", sa.Integer(), nullable=True),
        sa.Column("member_price", sa.Boolean(), nullable=False),
        *_tenant_columns("member_levels"),
        sa.UniqueConstraint("tenant_id", "growth_threshold", name="uq_member_levels_tenant_id_growth_threshold"),
        sa.CheckConstraint("discount_percent IS NULL OR (discount_percent > 0 AND discount_percent <= 100)",
                           name="ck_member_levels_discount_percent_range"),
    )
    with op.batch_alter_table("members") as batch:
        batch.add_column(sa.Column("points", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("balance", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("growth", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("level_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("signed_in_on", sa.Date(), nullable=True))
        batch.create_check_constraint(op.f("ck_members_points_not_negative"), "points >= 0")
        batch.create_check_constraint(op.f("ck_members_balance_not_negative"), "balance >= 0")
        batch.create_foreign_key("fk_members_tenant_id_level_id_member_levels", "member_levels",
                                 ["tenant_id", "level_id"], ["tenant_id", "id"])
    _ledger("points_entries")
    _ledger("balance_entries")
    op.create_table(
        "top_ups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("bonus", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("transaction_id", sa.String(length=32), nullable=True),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        *_tenant_columns("top_ups"),
        _member_fk("top_ups"),
        sa.UniqueConstraint("number", name="uq_top_ups_number"),
        sa.UniqueConstraint("tenant_id", "transaction_id", name="uq_top_ups_tenant_id_transaction_id"),
        sa.CheckConstraint("amount > 0 AND bonus >= 0", name="ck_top_ups_amounts_positive"),
    )
    op.create_index("ix_top_ups_tenant_member", "top_ups", ["tenant_id", "member_id"])
    for table in NEW_TENANT_TABLES:
        enable_tenant_rls(op, table)


def downgrade():
    for table in NEW_TENANT_TABLES:
        disable_tenant_rls(op, table)
    op.drop_table("top_ups")
    op.drop_table("balance_entries")
    op.drop_table("points_entries")
    with op.batch_alter_table("members") as batch:
        batch.drop_constraint(op.f("fk_members_tenant_id_level_id_member_levels"), type_="foreignkey")
        batch.drop_constraint(op.f("ck_members_balance_not_negative"), type_="check")
        batch.drop_constraint(op.f("ck_members_points_not_negative"), type_="check")
        batch.drop_column("signed_in_on")
        batch.drop_column("level_id")
        batch.drop_column("growth")
        batch.drop_column("balance")
        batch.drop_column("points")
    op.drop_table("member_levels")
    op.drop_table("member_settings")
