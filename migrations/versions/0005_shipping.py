"""shipping: per-store shipping templates (运费模板) and their rules by province

A store has at most one default template (a partial unique index); each rule prices a set
of provinces by weight, and a rule with no regions covers every other province.

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

from tenants.rls import disable_tenant_rls, enable_tenant_rls

NEW_TENANT_TABLES = ("shipping_templates", "shipping_rules")

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "shipping_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.Column("free_over", sa.Integer(), nullable=True),
        sa.Column("not_delivered", sa.JSON(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("free_over IS NULL OR free_over >= 0",
                           name=op.f("ck_shipping_templates_free_over_not_negative")),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_shipping_templates_tenant_id_tenants"),
                                ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shipping_templates")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_shipping_templates_tenant_id_id")),
        sa.UniqueConstraint("tenant_id", "name", name=op.f("uq_shipping_templates_tenant_id_name")),
    )
    op.create_index("ix_shipping_templates_one_default", "shipping_templates", ["tenant_id"], unique=True,
                    postgresql_where=sa.text("is_default"), sqlite_where=sa.text("is_default"))
    op.create_table(
        "shipping_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("template_id", sa.Integer(), nullable=False),
        sa.Column("regions", sa.JSON(), nullable=False),
        sa.Column("first_weight_g", sa.Integer(), nullable=False),
        sa.Column("first_fee", sa.Integer(), nullable=False),
        sa.Column("extra_weight_g", sa.Integer(), nullable=False),
        sa.Column("extra_fee", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.CheckConstraint("first_weight_g > 0", name=op.f("ck_shipping_rules_first_weight_positive")),
        sa.CheckConstraint("extra_weight_g > 0", name=op.f("ck_shipping_rules_extra_weight_positive")),
        sa.CheckConstraint("first_fee >= 0", name=op.f("ck_shipping_rules_first_fee_not_negative")),
        sa.CheckConstraint("extra_fee >= 0", name=op.f("ck_shipping_rules_extra_fee_not_negative")),
        sa.ForeignKeyConstraint(["tenant_id", "template_id"], ["shipping_templates.tenant_id", "shipping_templates.id"],
                                name=op.f("fk_shipping_rules_tenant_id_template_id_shipping_templates"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_shipping_rules_tenant_id_tenants"),
                                ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shipping_rules")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_shipping_rules_tenant_id_id")),
    )
    op.create_index("ix_shipping_rules_tenant_template", "shipping_rules", ["tenant_id", "template_id", "position"])
    for table in NEW_TENANT_TABLES:
        enable_tenant_rls(op, table)


def downgrade():
    for table in NEW_TENANT_TABLES:
        disable_tenant_rls(op, table)
    op.drop_index("ix_shipping_rules_tenant_template", table_name="shipping_rules")
    op.drop_table("shipping_rules")
    op.drop_index("ix_shipping_templates_one_default", table_name="shipping_templates")
    op.drop_table("shipping_templates")
