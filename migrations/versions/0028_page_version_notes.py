"""page version notes as codes: ``note`` holds a code ("created", "rollback", "demo") and the
new ``note_params`` its parameters, put into words in the reader's language when shown;
rollback notes written as text (in Chinese or English) become the code with their version

Revision ID: 0028
Revises: 0027
"""
import re

import sqlalchemy as sa
from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None

ROLLBACK_TEXT = re.compile(r"^(?:Rollback to version|回滚到版本)\s*(\d+)$")
page_versions = sa.table("page_versions", sa.column("id", sa.Integer), sa.column("note", sa.String),
                         sa.column("note_params", sa.JSON))


def _see_every_store():
    """Row-level security is forced even for the owner: data fixes must say they span stores."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("SET LOCAL duoshop.unscoped = 'on'")


def upgrade():
    with op.batch_alter_table("page_versions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("note_params", sa.JSON(), nullable=True))
    _see_every_store()
    bind = op.get_bind()
    rows = bind.execute(sa.select(page_versions.c.id, page_versions.c.note)
                        .where(sa.or_(page_versions.c.note.like("Rollback to version%"),
                                      page_versions.c.note.like("回滚到版本%")))).all()
    for row_id, note in rows:
        match = ROLLBACK_TEXT.match(note.strip())
        if match:
            bind.execute(page_versions.update().where(page_versions.c.id == row_id)
                         .values(note="rollback", note_params={"version": int(match.group(1))}))


def downgrade():
    _see_every_store()
    bind = op.get_bind()
    rows = bind.execute(sa.select(page_versions.c.id, page_versions.c.note_params)
                        .where(page_versions.c.note == "rollback")).all()
    for row_id, params in rows:
        bind.execute(page_versions.update().where(page_versions.c.id == row_id)
                     .values(note=f"Rollback to version {(params or {}).get('version', '?')}"))
    with op.batch_alter_table("page_versions", schema=None) as batch_op:
        batch_op.drop_column("note_params")
