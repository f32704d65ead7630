"""refunds that never diverge: the amount refunds have claimed on an order, refunds'
returned goods and refusal, a status index for the reconciler, and one open after-sales
request per order

Revision ID: 0021
Revises: 0020
"""
import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

OPEN_REQUEST = "status = 'requested'"


def _see_every_store():
    """Row-level security is forced even for the owner: data fixes must say they span stores."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("SET LOCAL duoshop.unscoped = 'on'")


def upgrade():
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("refund_reserved", sa.Integer(), server_default="0", nullable=False))
    with op.batch_alter_table("refunds", schema=None) as batch_op:
        batch_op.add_column(sa.Column("returned", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("failure", sa.String(length=200), nullable=True))
    op.create_index("ix_refunds_tenant_status", "refunds", ["tenant_id", "status"])
    _see_every_store()
    # What refunds already claimed: every refund that has not failed.
    op.execute("UPDATE orders SET refund_reserved = (SELECT COALESCE(SUM(refunds.amount), 0) FROM refunds "
               "WHERE refunds.order_id = orders.id AND refunds.tenant_id = orders.tenant_id "
               "AND refunds.status <> 'failed')")
    # The old check-then-insert let races open a second request; the newest ones are closed
    # as withdrawn so the one-open-request index can be built.
    op.execute("UPDATE after_sales SET status = 'withdrawn' WHERE status = 'requested' AND EXISTS ("
               "SELECT 1 FROM after_sales AS older WHERE older.tenant_id = after_sales.tenant_id "
               "AND older.order_id = after_sales.order_id AND older.status = 'requested' AND older.id < after_sales.id)")
    op.create_index("ix_after_sales_one_open_per_order", "after_sales", ["tenant_id", "order_id"], unique=True,
                    postgresql_where=sa.text(OPEN_REQUEST), sqlite_where=sa.text(OPEN_REQUEST))


def downgrade():
    op.drop_index("ix_after_sales_one_open_per_order", table_name="after_sales")
    op.drop_index("ix_refunds_tenant_status", table_name="refunds")
    _see_every_store()
    op.execute("UPDATE refunds SET status = 'processing' WHERE status = 'submitted'")
    with op.batch_alter_table("refunds", schema=None) as batch_op:
        batch_op.drop_column("failure")
        batch_op.drop_column("returned")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_column("refund_reserved")
