"""The store's own WeChat Official Account (公众号): its binding (secrets encrypted), keyword
replies, the messages WeChat pushed (unique per store and MsgId/event key, so retries are
recognised), followers, scheduled pushes, and every message sent under a fixed key.

Tenant-first keys as since 0035: PRIMARY KEY (tenant_id, id) on PostgreSQL; ``id INTEGER
PRIMARY KEY`` + UNIQUE (tenant_id, id) on SQLite. Every table has forced row-level security.

Revision ID: 0036
Revises: 0038
"""
import sqlalchemy as sa
from alembic import op

import core.crypto
import core.models
from tenants.rls import disable_tenant_rls, enable_tenant_rls

revision = "0036"
down_revision = "0038"
branch_labels = None
depends_on = None

TABLES = ("official_accounts", "official_account_keyword_rules", "official_account_messages",
          "official_account_followers", "official_account_pushes", "official_account_sends")


def _key(table):
    """The tenant-first key of ``table`` on this database."""
    if op.get_bind().dialect.name == "postgresql":
        return (sa.PrimaryKeyConstraint("tenant_id", "id", name=f"pk_{table}"),)
    return (sa.PrimaryKeyConstraint("id", name=f"pk_{table}"),
            sa.UniqueConstraint("tenant_id", "id", name=f"uq_{table}_tenant_id_id"))


def upgrade():
    op.create_table('official_account_keyword_rules',
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('match', sa.String(length=16), nullable=False),
    sa.Column('keywords', sa.Text(), nullable=False),
    sa.Column('reply', sa.JSON(), nullable=False),
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_official_account_keyword_rules_tenant_id_tenants'), ondelete='RESTRICT'),
    *_key('official_account_keyword_rules')
    )
    op.create_table('official_account_messages',
    sa.Column('dedup_key', sa.String(length=160), nullable=False),
    sa.Column('msg_type', sa.String(length=16), nullable=False),
    sa.Column('event', sa.String(length=32), nullable=True),
    sa.Column('openid', sa.String(length=64), nullable=False),
    sa.Column('received_at', core.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_official_account_messages_tenant_id_tenants'), ondelete='RESTRICT'),
    *_key('official_account_messages'),
    sa.UniqueConstraint('tenant_id', 'dedup_key', name=op.f('uq_official_account_messages_tenant_id_dedup_key'))
    )
    with op.batch_alter_table('official_account_messages', schema=None) as batch_op:
        batch_op.create_index('ix_official_account_messages_tenant_received_at', ['tenant_id', 'received_at'], unique=False)

    op.create_table('official_account_pushes',
    sa.Column('title', sa.String(length=64), nullable=False),
    sa.Column('description', sa.String(length=120), nullable=False),
    sa.Column('picture_url', sa.String(length=500), nullable=True),
    sa.Column('target', sa.JSON(), nullable=False),
    sa.Column('send_at', core.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('sent', sa.Integer(), nullable=False),
    sa.Column('failed', sa.Integer(), nullable=False),
    sa.Column('skipped', sa.Integer(), nullable=False),
    sa.Column('staff_label', sa.String(length=255), nullable=True),
    sa.Column('finished_at', core.models.UtcDateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_official_account_pushes_tenant_id_tenants'), ondelete='RESTRICT'),
    *_key('official_account_pushes')
    )
    with op.batch_alter_table('official_account_pushes', schema=None) as batch_op:
        batch_op.create_index('ix_official_account_pushes_tenant_send_at', ['tenant_id', 'send_at'], unique=False)

    op.create_table('official_accounts',
    sa.Column('appid', sa.String(length=32), nullable=False),
    sa.Column('app_secret', core.crypto.EncryptedText(), nullable=True),
    sa.Column('token', core.crypto.EncryptedText(), nullable=True),
    sa.Column('encoding_aes_key', core.crypto.EncryptedText(), nullable=True),
    sa.Column('access_token', core.crypto.EncryptedText(), nullable=True),
    sa.Column('access_token_expires_at', core.models.UtcDateTime(timezone=True), nullable=True),
    sa.Column('menu', sa.JSON(), nullable=True),
    sa.Column('menu_published_at', core.models.UtcDateTime(timezone=True), nullable=True),
    sa.Column('subscribe_reply', sa.JSON(), nullable=True),
    sa.Column('default_reply', sa.JSON(), nullable=True),
    sa.Column('notices', sa.JSON(), nullable=True),
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_official_accounts_tenant_id_tenants'), ondelete='RESTRICT'),
    *_key('official_accounts'),
    sa.UniqueConstraint('tenant_id', name=op.f('uq_official_accounts_tenant_id'))
    )
    op.create_table('official_account_sends',
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('openid', sa.String(length=64), nullable=False),
    sa.Column('push_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('msgid', sa.String(length=32), nullable=True),
    sa.Column('error', sa.String(length=255), nullable=True),
    sa.Column('created_at', core.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', core.models.UtcDateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'push_id'], ['official_account_pushes.tenant_id', 'official_account_pushes.id'], name=op.f('fk_official_account_sends_tenant_id_push_id_official_account_pushes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_official_account_sends_tenant_id_tenants'), ondelete='RESTRICT'),
    *_key('official_account_sends'),
    sa.UniqueConstraint('tenant_id', 'key', name=op.f('uq_official_account_sends_tenant_id_key'))
    )
    op.create_table('official_account_followers',
    sa.Column('openid', sa.String(length=64), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('following', sa.Boolean(), nullable=False),
    sa.Column('followed_at', core.models.UtcDateTime(timezone=True), nullable=True),
    sa.Column('unfollowed_at', core.models.UtcDateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'member_id'], ['members.tenant_id', 'members.id'], name=op.f('fk_official_account_followers_tenant_id_member_id_members'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_official_account_followers_tenant_id_tenants'), ondelete='RESTRICT'),
    *_key('official_account_followers'),
    sa.UniqueConstraint('tenant_id', 'openid', name=op.f('uq_official_account_followers_tenant_id_openid'))
    )
    with op.batch_alter_table('official_account_followers', schema=None) as batch_op:
        batch_op.create_index('ix_official_account_followers_tenant_member', ['tenant_id', 'member_id'], unique=False)

    for table in TABLES:
        enable_tenant_rls(op, table)


def downgrade():
    for table in reversed(TABLES):
        disable_tenant_rls(op, table)
    with op.batch_alter_table('official_account_followers', schema=None) as batch_op:
        batch_op.drop_index('ix_official_account_followers_tenant_member')

    op.drop_table('official_account_followers')
    op.drop_table('official_account_sends')
    op.drop_table('official_accounts')
    with op.batch_alter_table('official_account_pushes', schema=None) as batch_op:
        batch_op.drop_index('ix_official_account_pushes_tenant_send_at')

    op.drop_table('official_account_pushes')
    with op.batch_alter_table('official_account_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_official_account_messages_tenant_received_at')

    op.drop_table('official_account_messages')
    op.drop_table('official_account_keyword_rules')
