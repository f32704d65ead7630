"""wechat login: a mini-program's AppSecret (encrypted) for code2session

Revision ID: 0013
Revises: 0012
"""
import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("mini_programs") as batch:
        batch.add_column(sa.Column("secret", sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table("mini_programs") as batch:
        batch.drop_column("secret")
