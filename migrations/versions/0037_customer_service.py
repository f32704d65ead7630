"""Customer service (客服): members' conversations with the store and their messages, the
tickets with their 30-minute first-reply timer (one open per conversation, one per
after-sales request), the reminders and escalations (one per ticket and kind), the staff as
agents (categories, last seen in the inbox), the store's service settings and quick replies.

Revision ID: 0037
Revises: 0040
"""
import sqlalchemy as sa
from alembic import op

from tenants.rls import disable_tenant_rls, enable_tenant_rls

TABLES = ("support_quick_replies", "support_settings", "support_agents", "support_conversations",
          "support_messages", "support_tickets", "support_notices")

revision = "0037"
down_revision = "0040"
branch_labels = None
depends_on = None


def _key(table):
    """The tenant-first key (migration 0035): (tenant_id, id) on PostgreSQL; on SQLite ``id
    INTEGER PRIMARY KEY`` (the key it numbers by itself) and UNIQUE (tenant_id, id)."""
    if op.get_bind().dialect.name == "postgresql":
        return (sa.PrimaryKeyConstraint("tenant_id", "id", name=f"pk_{table}"),)
    return (sa.PrimaryKeyConstraint("id", name=f"pk_{table}"),
            sa.UniqueConstraint("tenant_id", "id", name=f"uq_{table}_tenant_id_id"))


def upgrade():
    op.create_table('support_quick_replies',
    sa.Column('body', sa.String(length=500), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_support_quick_replies_tenant_id_tenants'), ondelete='RESTRICT'),
    *_key('support_quick_replies'),
    )
    op.create_index('ix_support_quick_replies_tenant', 'support_quick_replies', ['tenant_id', 'position'])
    op.create_table('support_settings',
    sa.Column('assign_mode', sa.String(length=12), nullable=False),
    sa.Column('online_minutes', sa.Integer(), nullable=False),
    sa.Column('last_assigned_staff_id', sa.Integer(), nullable=True),
    sa.Column('shipping_answer', sa.Text(), nullable=True),
    sa.Column('returns_answer', sa.Text(), nullable=True),
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_support_settings_tenant_id_tenants'), ondelete='RESTRICT'),
    *_key('support_settings'),
    sa.UniqueConstraint('tenant_id', name=op.f('uq_support_settings_tenant_id'))
    )
    op.create_table('support_agents',
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('categories', sa.JSON(), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'staff_id'], ['staff_users.tenant_id', 'staff_users.id'], name=op.f('fk_support_agents_tenant_id_staff_id_staff_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_support_agents_tenant_id_tenants'), ondelete='RESTRICT'),
    *_key('support_agents'),
    sa.UniqueConstraint('tenant_id', 'staff_id', name=op.f('uq_support_agents_tenant_id_staff_id'))
    )
    op.create_table('support_conversations',
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('topic', sa.String(length=32), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=True),
    sa.Column('order_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_message_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_preview', sa.String(length=80), nullable=False),
    sa.Column('staff_unread', sa.Integer(), nullable=False),
    sa.Column('member_unread', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'member_id'], ['members.tenant_id', 'members.id'], name=op.f('fk_support_conversations_tenant_id_member_id_members'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_support_conversations_tenant_id_tenants'), ondelete='RESTRICT'),
    *_key('support_conversations'),
    sa.UniqueConstraint('tenant_id', 'member_id', 'topic', name=op.f('uq_support_conversations_tenant_id_member_id_topic'))
    )
    op.create_index('ix_support_conversations_tenant_last', 'support_conversations', ['tenant_id', 'last_message_at'])
    op.create_table('support_messages',
    sa.Column('conversation_id', sa.Integer(), nullable=False),
    sa.Column('sender', sa.String(length=8), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'conversation_id'], ['support_conversations.tenant_id', 'support_conversations.id'], name=op.f('fk_support_messages_tenant_id_conversation_id_support_conversations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_support_messages_tenant_id_tenants'), ondelete='RESTRICT'),
    *_key('support_messages'),
    )
    op.create_index('ix_support_messages_tenant_conversation', 'support_messages', ['tenant_id', 'conversation_id', 'id'])
    op.create_table('support_tickets',
    sa.Column('conversation_id', sa.Integer(), nullable=False),
    sa.Column('after_sale_id', sa.Integer(), nullable=True),
    sa.Column('category', sa.String(length=12), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('timer_started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('first_reply_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_activity_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reminded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('escalated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'conversation_id'], ['support_conversations.tenant_id', 'support_conversations.id'], name=op.f('fk_support_tickets_tenant_id_conversation_id_support_conversations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_support_tickets_tenant_id_tenants'), ondelete='RESTRICT'),
    *_key('support_tickets'),
    sa.UniqueConstraint('tenant_id', 'after_sale_id', name=op.f('uq_support_tickets_tenant_id_after_sale_id')),
    )
    op.create_index('ix_support_tickets_one_open', 'support_tickets', ['tenant_id', 'conversation_id'], unique=True, postgresql_where=sa.text("status = 'open'"), sqlite_where=sa.text("status = 'open'"))
    op.create_index('ix_support_tickets_tenant_timer', 'support_tickets', ['tenant_id', 'timer_started_at'])
    op.create_table('support_notices',
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'ticket_id'], ['support_tickets.tenant_id', 'support_tickets.id'], name=op.f('fk_support_notices_tenant_id_ticket_id_support_tickets'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_support_notices_tenant_id_tenants'), ondelete='RESTRICT'),
    *_key('support_notices'),
    sa.UniqueConstraint('tenant_id', 'ticket_id', 'kind', name=op.f('uq_support_notices_tenant_id_ticket_id_kind'))
    )
    op.create_index('ix_support_notices_tenant_staff', 'support_notices', ['tenant_id', 'staff_id', 'read_at'])

    for table in TABLES:
        enable_tenant_rls(op, table)


def downgrade():
    for table in reversed(TABLES):
        disable_tenant_rls(op, table)
        op.drop_table(table)
