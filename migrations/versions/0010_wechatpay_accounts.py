"""wechatpay accounts: each store's service-provider sub-merchant or its own (encrypted) keys

Revision ID: 0010
Revises: 0009
"""
import sqlalchemy as sa
from alembic import op

from tenants.rls import disable_tenant_rls, enable_tenant_rls

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "wechatpay_accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=20), nullable=False),
        sa.Column("sub_mchid", sa.String(length=32), nullable=True),
        sa.Column("mchid", sa.String(length=32), nullable=True),
        sa.Column("appid", sa.String(length=32), nullable=True),
        sa.Column("private_key", sa.Text(), nullable=True),
        sa.Column("cert_serial_no", sa.String(length=64), nullable=True),
        sa.Column("apiv3_key", sa.Text(), nullable=True),
        sa.Column("public_key", sa.Text(), nullable=True),
        sa.Column("public_key_id", sa.String(length=64), nullable=True),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_wechatpay_accounts_tenant_id_tenants"),
                                ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wechatpay_accounts")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_wechatpay_accounts_tenant_id_id")),
        sa.UniqueConstraint("tenant_id", name=op.f("uq_wechatpay_accounts_tenant_id")),
    )
    enable_tenant_rls(op, "wechatpay_accounts")


def downgrade():
    disable_tenant_rls(op, "wechatpay_accounts")
    op.drop_table("wechatpay_accounts")
