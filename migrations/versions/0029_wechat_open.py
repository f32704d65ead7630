"""WeChat open platform (第三方平台): the component's ticket and token, applied events, each
store's authorisation of its mini-program (refresh token encrypted), its releases of a
template version, and the platform's rollouts

Revision ID: 0029
Revises: 0028
"""
import sqlalchemy as sa
from alembic import op

from tenants.rls import disable_tenant_rls, enable_tenant_rls

revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('wechat_component_credentials',
    sa.Column('component_appid', sa.String(length=32), nullable=False),
    sa.Column('verify_ticket', sa.Text(), nullable=True),
    sa.Column('verify_ticket_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('access_token', sa.Text(), nullable=True),
    sa.Column('access_token_expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('refreshes', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('component_appid', name=op.f('pk_wechat_component_credentials'))
    )
    op.create_table('wechat_open_events',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('appid', sa.String(length=32), nullable=True),
    sa.Column('applied_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wechat_open_events'))
    )
    op.create_table('wechat_open_rollouts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('template_id', sa.Integer(), nullable=False),
    sa.Column('user_version', sa.String(length=32), nullable=False),
    sa.Column('user_desc', sa.String(length=255), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('resume_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('started_by', sa.String(length=255), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wechat_open_rollouts'))
    )
    op.create_table('mini_program_authorizations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mini_program_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('refresh_token', sa.Text(), nullable=True),
    sa.Column('access_token', sa.Text(), nullable=True),
    sa.Column('access_token_expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('original_id', sa.String(length=32), nullable=True),
    sa.Column('func_scopes', sa.String(length=255), nullable=True),
    sa.Column('authorized_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'mini_program_id'], ['mini_programs.tenant_id', 'mini_programs.id'], name=op.f('fk_mini_program_authorizations_tenant_id_mini_program_id_mini_programs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_mini_program_authorizations_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mini_program_authorizations')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_mini_program_authorizations_tenant_id_id')),
    sa.UniqueConstraint('tenant_id', 'mini_program_id', name=op.f('uq_mini_program_authorizations_tenant_id_mini_program_id'))
    )
    op.create_table('mini_program_releases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mini_program_id', sa.Integer(), nullable=False),
    sa.Column('rollout_id', sa.Integer(), nullable=True),
    sa.Column('template_id', sa.Integer(), nullable=False),
    sa.Column('user_version', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=True),
    sa.Column('auditid', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('last_error', sa.String(length=255), nullable=True),
    sa.Column('committed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('submit_requested_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('audit_submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('audited_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('release_requested_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('released_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['rollout_id'], ['wechat_open_rollouts.id'], name=op.f('fk_mini_program_releases_rollout_id_wechat_open_rollouts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id', 'mini_program_id'], ['mini_programs.tenant_id', 'mini_programs.id'], name=op.f('fk_mini_program_releases_tenant_id_mini_program_id_mini_programs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_mini_program_releases_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mini_program_releases')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_mini_program_releases_tenant_id_id')),
    sa.UniqueConstraint('tenant_id', 'mini_program_id', 'template_id', name=op.f('uq_mini_program_releases_tenant_id_mini_program_id_template_id'))
    )
    op.create_index('ix_mini_program_releases_rollout', 'mini_program_releases', ['rollout_id'])
    enable_tenant_rls(op, 'mini_program_authorizations')
    enable_tenant_rls(op, 'mini_program_releases')


def downgrade():
    disable_tenant_rls(op, 'mini_program_releases')
    disable_tenant_rls(op, 'mini_program_authorizations')
    op.drop_index('ix_mini_program_releases_rollout', table_name='mini_program_releases')
    op.drop_table('mini_program_releases')
    op.drop_table('mini_program_authorizations')
    op.drop_table('wechat_open_rollouts')
    op.drop_table('wechat_open_events')
    op.drop_table('wechat_component_credentials')
