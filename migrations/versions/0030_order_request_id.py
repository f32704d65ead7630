"""orders.request_id: the idempotency key a mini-program sends with POST /api/v1/orders, unique
per store and member, so a retried placement finds the order it made instead of a second one

Revision ID: 0030
Revises: 0029
"""
import sqlalchemy as sa
from alembic import op

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("request_id", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_orders_tenant_id_member_id_request_id"),
                                          ["tenant_id", "member_id", "request_id"])


def downgrade():
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_orders_tenant_id_member_id_request_id"), type_="unique")
        batch_op.drop_column("request_id")
