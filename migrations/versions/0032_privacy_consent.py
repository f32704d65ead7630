"""Privacy policy versions per store and members' consent records (append-only)

Revision ID: 0032
Revises: 0031
"""
import sqlalchemy as sa
from alembic import op

from tenants.rls import disable_tenant_rls, enable_tenant_rls

revision = '0032'
down_revision = '0031'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('privacy_policies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_by', sa.Integer(), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.CheckConstraint('version >= 1', name=op.f('ck_privacy_policies_version_positive')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_privacy_policies_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_privacy_policies')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_privacy_policies_tenant_id_id')),
    sa.UniqueConstraint('tenant_id', 'version', name=op.f('uq_privacy_policies_tenant_id_version'))
    )
    op.create_table('member_consents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.String(length=16), nullable=False),
    sa.Column('granted', sa.Boolean(), nullable=False),
    sa.Column('policy_version', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.CheckConstraint("purpose IN ('account', 'marketing', 'profiling')", name=op.f('ck_member_consents_purpose_known')),
    sa.CheckConstraint("channel IN ('h5', 'miniprogram', 'console', 'system')", name=op.f('ck_member_consents_channel_known')),
    sa.CheckConstraint('policy_version >= 0', name=op.f('ck_member_consents_policy_version_not_negative')),
    sa.ForeignKeyConstraint(['tenant_id', 'member_id'], ['members.tenant_id', 'members.id'], name=op.f('fk_member_consents_tenant_id_member_id_members'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_member_consents_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_member_consents')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_member_consents_tenant_id_id'))
    )
    op.create_index('ix_member_consents_tenant_purpose_member', 'member_consents',
                    ['tenant_id', 'purpose', 'member_id', 'id'])
    enable_tenant_rls(op, 'privacy_policies')
    enable_tenant_rls(op, 'member_consents')


def downgrade():
    disable_tenant_rls(op, 'member_consents')
    disable_tenant_rls(op, 'privacy_policies')
    op.drop_index('ix_member_consents_tenant_purpose_member', table_name='member_consents')
    op.drop_table('member_consents')
    op.drop_table('privacy_policies')
