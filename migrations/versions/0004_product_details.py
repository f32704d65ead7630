"""product details: rich-text description, video and tags

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN (SQLite allows it with a default): no table rebuild, so the FTS5
    # triggers of 0003 stay in place.
    op.add_column("products", sa.Column("description", sa.Text(), nullable=False, server_default=""))
    op.add_column("products", sa.Column("video_url", sa.String(length=500), nullable=True))
    op.add_column("products", sa.Column("tags", sa.JSON(), nullable=False, server_default="[]"))


def downgrade():
    for column in ("tags", "video_url", "description"):
        op.drop_column("products", column)
