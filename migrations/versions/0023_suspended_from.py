"""suspended from: a suspended subscription remembers the status it was suspended from, so
resuming returns it there (a trial stays a trial, past due stays past due)

Revision ID: 0023
Revises: 0022
"""
import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def _see_every_store():
    """Row-level security is forced even for the owner: data fixes must say they span stores."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("SET LOCAL duoshop.unscoped = 'on'")


def upgrade():
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("suspended_from", sa.String(length=16), nullable=True))
    _see_every_store()
    # Stores suspended before: only a lapse sets past_due_since (pay, resume and trial extensions
    # clear it, a suspension keeps it); a trial's period still ends when its trial does (a paid
    # period starts there); anything else was active.
    op.execute("""
        UPDATE subscriptions SET suspended_from = CASE
            WHEN past_due_since IS NOT NULL THEN 'past_due'
            WHEN trial_ends_at IS NOT NULL AND current_period_end = trial_ends_at THEN 'trialing'
            ELSE 'active' END
        WHERE status = 'suspended'
    """)


def downgrade():
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.drop_column("suspended_from")
