"""RFM segments: each consenting member's scores (member_rfm), the computations that wrote
them (rfm_runs, one nightly run per store and China day), and coupons sent to a segment in one
step (segment_campaigns) with the member coupons each gave (segment_campaign_recipients,
unique per coupon and member)

Revision ID: 0033
Revises: 0032
"""
import sqlalchemy as sa
from alembic import op

from tenants.rls import disable_tenant_rls, enable_tenant_rls

TABLES = ("rfm_runs", "segment_campaigns", "member_rfm", "segment_campaign_recipients")

revision = '0033'
down_revision = '0032'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('rfm_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('nightly_on', sa.Date(), nullable=True),
    sa.Column('scored', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_rfm_runs_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rfm_runs')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_rfm_runs_tenant_id_id')),
    sa.UniqueConstraint('tenant_id', 'nightly_on', name=op.f('uq_rfm_runs_tenant_id_nightly_on'))
    )
    op.create_index('ix_rfm_runs_tenant_computed_at', 'rfm_runs', ['tenant_id', 'computed_at'])
    op.create_table('segment_campaigns',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('segment', sa.String(length=24), nullable=False),
    sa.Column('coupon_id', sa.Integer(), nullable=False),
    sa.Column('members_issued', sa.Integer(), nullable=False),
    sa.Column('members_skipped', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('staff_label', sa.String(length=255), nullable=True),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'coupon_id'], ['coupons.tenant_id', 'coupons.id'], name=op.f('fk_segment_campaigns_tenant_id_coupon_id_coupons'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_segment_campaigns_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_segment_campaigns')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_segment_campaigns_tenant_id_id'))
    )
    op.create_index('ix_segment_campaigns_tenant_issued_at', 'segment_campaigns', ['tenant_id', 'issued_at'])
    op.create_table('member_rfm',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('r', sa.Integer(), nullable=False),
    sa.Column('f', sa.Integer(), nullable=False),
    sa.Column('m', sa.Integer(), nullable=False),
    sa.Column('recency_days', sa.Integer(), nullable=False),
    sa.Column('frequency', sa.Integer(), nullable=False),
    sa.Column('monetary', sa.Integer(), nullable=False),
    sa.Column('segment', sa.String(length=24), nullable=False),
    sa.Column('computed_on', sa.Date(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.CheckConstraint('r BETWEEN 1 AND 5 AND f BETWEEN 1 AND 5 AND m BETWEEN 1 AND 5', name=op.f('ck_member_rfm_scores_1_to_5')),
    sa.ForeignKeyConstraint(['tenant_id', 'member_id'], ['members.tenant_id', 'members.id'], name=op.f('fk_member_rfm_tenant_id_member_id_members'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_member_rfm_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_member_rfm')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_member_rfm_tenant_id_id')),
    sa.UniqueConstraint('tenant_id', 'member_id', name=op.f('uq_member_rfm_tenant_id_member_id'))
    )
    op.create_index('ix_member_rfm_tenant_segment', 'member_rfm', ['tenant_id', 'segment'])
    op.create_table('segment_campaign_recipients',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('coupon_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('member_coupon_id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'campaign_id'], ['segment_campaigns.tenant_id', 'segment_campaigns.id'], name=op.f('fk_segment_campaign_recipients_tenant_id_campaign_id_segment_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id', 'member_coupon_id'], ['member_coupons.tenant_id', 'member_coupons.id'], name=op.f('fk_segment_campaign_recipients_tenant_id_member_coupon_id_member_coupons'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id', 'member_id'], ['members.tenant_id', 'members.id'], name=op.f('fk_segment_campaign_recipients_tenant_id_member_id_members'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_segment_campaign_recipients_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_segment_campaign_recipients')),
    sa.UniqueConstraint('tenant_id', 'coupon_id', 'member_id', name=op.f('uq_segment_campaign_recipients_tenant_id_coupon_id_member_id')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_segment_campaign_recipients_tenant_id_id'))
    )
    op.create_index('ix_segment_campaign_recipients_tenant_campaign', 'segment_campaign_recipients', ['tenant_id', 'campaign_id'])

    for table in TABLES:
        enable_tenant_rls(op, table)


def downgrade():
    for table in reversed(TABLES):
        disable_tenant_rls(op, table)
    op.drop_index('ix_segment_campaign_recipients_tenant_campaign', table_name='segment_campaign_recipients')
    op.drop_table('segment_campaign_recipients')
    op.drop_index('ix_member_rfm_tenant_segment', table_name='member_rfm')
    op.drop_table('member_rfm')
    op.drop_index('ix_segment_campaigns_tenant_issued_at', table_name='segment_campaigns')
    op.drop_table('segment_campaigns')
    op.drop_index('ix_rfm_runs_tenant_computed_at', table_name='rfm_runs')
    op.drop_table('rfm_runs')
