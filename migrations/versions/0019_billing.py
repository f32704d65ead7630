"""billing: subscription periods and dunning dates, invoices and their lines, credits,
reminders sent, and the development outbox of billing emails

Revision ID: 0019
Revises: 0018
"""
import sqlalchemy as sa
from alembic import op

from tenants.rls import disable_tenant_rls, enable_tenant_rls

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

NEW_TENANT_TABLES = ("invoices", "invoice_lines", "credits", "billing_notices", "outbox_emails")
SUBSCRIPTION_DATES = ("current_period_start", "past_due_since", "grace_ends_at", "suspended_at", "cancelled_at")


def _common(table):
    return [sa.Column("tenant_id", sa.Integer(), nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
            sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f(f"fk_{table}_tenant_id_tenants"),
                                    ondelete="RESTRICT"),
            sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
            sa.UniqueConstraint("tenant_id", "id", name=op.f(f"uq_{table}_tenant_id_id"))]


def upgrade():
    with op.batch_alter_table("subscriptions") as batch:
        batch.add_column(sa.Column("interval", sa.String(length=8), nullable=False, server_default="month"))
        for column in SUBSCRIPTION_DATES:
            batch.add_column(sa.Column(column, sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("pending_plan", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("pending_interval", sa.String(length=8), nullable=True))
        batch.add_column(sa.Column("suspended_reason", sa.String(length=255), nullable=True))
        batch.add_column(sa.Column("invoice_count", sa.Integer(), nullable=False, server_default="0"))
    op.create_table(
        "invoices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("out_trade_no", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("plan", sa.String(length=32), nullable=False),
        sa.Column("interval", sa.String(length=8), nullable=False),
        sa.Column("period_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("period_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("subtotal", sa.Integer(), nullable=False),
        sa.Column("credit_applied", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("transaction_id", sa.String(length=64), nullable=True),
        sa.Column("code_url", sa.String(length=255), nullable=True),
        sa.Column("dedupe_key", sa.String(length=64), nullable=True),
        sa.Column("refunded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.String(length=255), nullable=True),
        sa.CheckConstraint("subtotal >= 0 AND credit_applied >= 0 AND total >= 0",
                           name=op.f("ck_invoices_amounts_not_negative")),
        sa.CheckConstraint("total = subtotal - credit_applied", name=op.f("ck_invoices_total_is_subtotal_less_credit")),
        sa.UniqueConstraint("tenant_id", "number", name=op.f("uq_invoices_tenant_id_number")),
        sa.UniqueConstraint("tenant_id", "out_trade_no", name=op.f("uq_invoices_tenant_id_out_trade_no")),
        sa.UniqueConstraint("tenant_id", "dedupe_key", name=op.f("uq_invoices_tenant_id_dedupe_key")),
        *_common("invoices"),
    )
    op.create_index("ix_invoices_tenant_status", "invoices", ["tenant_id", "status"])
    op.create_table(
        "invoice_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("description", sa.String(length=255), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_amount", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id", "invoice_id"], ["invoices.tenant_id", "invoices.id"],
                                name=op.f("fk_invoice_lines_tenant_id_invoice_id_invoices"), ondelete="CASCADE"),
        *_common("invoice_lines"),
    )
    op.create_table(
        "credits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("remaining", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(length=255), nullable=False),
        sa.Column("granted_by", sa.String(length=255), nullable=True),
        sa.CheckConstraint("amount > 0", name=op.f("ck_credits_amount_positive")),
        sa.CheckConstraint("remaining >= 0 AND remaining <= amount", name=op.f("ck_credits_remaining_within_amount")),
        *_common("credits"),
    )
    op.create_table(
        "billing_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id", "invoice_id"], ["invoices.tenant_id", "invoices.id"],
                                name=op.f("fk_billing_notices_tenant_id_invoice_id_invoices"), ondelete="CASCADE"),
        sa.UniqueConstraint("tenant_id", "invoice_id", "key", name=op.f("uq_billing_notices_tenant_id_invoice_id_key")),
        *_common("billing_notices"),
    )
    op.create_table(
        "outbox_emails",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("to", sa.String(length=255), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        *_common("outbox_emails"),
    )
    for table in NEW_TENANT_TABLES:
        enable_tenant_rls(op, table)


def downgrade():
    for table in NEW_TENANT_TABLES:
        disable_tenant_rls(op, table)
    op.drop_table("outbox_emails")
    op.drop_table("billing_notices")
    op.drop_table("credits")
    op.drop_table("invoice_lines")
    op.drop_index("ix_invoices_tenant_status", table_name="invoices")
    op.drop_table("invoices")
    with op.batch_alter_table("subscriptions") as batch:
        for column in ("invoice_count", "suspended_reason", "pending_interval", "pending_plan",
                       *reversed(SUBSCRIPTION_DATES), "interval"):
            batch.drop_column(column)
