"""login failures: failed sign-ins counted per account (a keyed hash of realm and e-mail),
with the moment the account's back-off ends

A platform table without row-level security, like ``outbox_events``: sign-in happens before
any store's context exists, and the table holds no store's data (no addresses, only hashes).

Revision ID: 0025
Revises: 0024
"""
import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "login_failures",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("blocked_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_login_failures")),
    )


def downgrade():
    op.drop_table("login_failures")
