"""balance payments: how an order was paid (WeChat Pay or stored value) and its member-level discount

Revision ID: 0018
Revises: 0017
"""
import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("member_discount", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("paid_with", sa.String(length=8), nullable=True))


def downgrade():
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_column("paid_with")
        batch_op.drop_column("member_discount")
