"""analytics: behaviour events (append-only; on PostgreSQL partitioned by month on
occurred_at, with a default partition and a SECURITY DEFINER function that makes the
months ahead) and the hourly/daily roll-ups the console reads

Revision ID: 0031
Revises: 0030
"""
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from commerce.analytics.partitions import ensure_partitions, partition_function_sql
from core.models import UtcDateTime
from tenants.rls import disable_tenant_rls, enable_tenant_rls

revision = '0031'
down_revision = '0030'
branch_labels = None
depends_on = None

ROLLUPS = ('analytics_hourly', 'analytics_daily', 'analytics_product_daily', 'analytics_search_daily',
           'analytics_buyer_daily', 'analytics_rollups')
EVENT_INDEXES = {
    'ix_analytics_events_tenant_occurred': ['tenant_id', 'occurred_at'],
    'ix_analytics_events_tenant_member': ['tenant_id', 'member_id'],
    'ix_analytics_events_tenant_order': ['tenant_id', 'order_id'],
}
# Columns after id and tenant_id, in the order of the model.
EVENT_COLUMNS = """
    occurred_at TIMESTAMP WITH TIME ZONE NOT NULL,
    kind VARCHAR(20) NOT NULL,
    visitor_id VARCHAR(40),
    member_id INTEGER,
    channel VARCHAR(16) NOT NULL,
    page VARCHAR(12),
    product_id INTEGER,
    order_id INTEGER,
    coupon_id INTEGER,
    amount INTEGER,
    words VARCHAR(60),
    result_count INTEGER
"""


def _create_events_table():
    if op.get_bind().dialect.name != 'postgresql':
        op.create_table('analytics_events',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('occurred_at', UtcDateTime(timezone=True), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('visitor_id', sa.String(length=40), nullable=True),
        sa.Column('member_id', sa.Integer(), nullable=True),
        sa.Column('channel', sa.String(length=16), nullable=False),
        sa.Column('page', sa.String(length=12), nullable=True),
        sa.Column('product_id', sa.Integer(), nullable=True),
        sa.Column('order_id', sa.Integer(), nullable=True),
        sa.Column('coupon_id', sa.Integer(), nullable=True),
        sa.Column('amount', sa.Integer(), nullable=True),
        sa.Column('words', sa.String(length=60), nullable=True),
        sa.Column('result_count', sa.Integer(), nullable=True),
        sa.Column('tenant_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_analytics_events_tenant_id_tenants'),
                                ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_analytics_events')),
        )
        for name, columns in EVENT_INDEXES.items():
            op.create_index(name, 'analytics_events', columns)
        return
    # The primary key holds the partition key (PostgreSQL requires it), tenant first.
    op.execute(f"""
CREATE TABLE analytics_events (
    id BIGSERIAL NOT NULL,
    tenant_id INTEGER NOT NULL,
    {EVENT_COLUMNS.strip()},
    CONSTRAINT pk_analytics_events PRIMARY KEY (tenant_id, occurred_at, id),
    CONSTRAINT fk_analytics_events_tenant_id_tenants FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE RESTRICT
) PARTITION BY RANGE (occurred_at)""")
    op.execute("CREATE TABLE analytics_events_default PARTITION OF analytics_events DEFAULT")
    for name, columns in EVENT_INDEXES.items():
        op.create_index(name, 'analytics_events', columns)
    enable_tenant_rls(op, 'analytics_events')
    enable_tenant_rls(op, 'analytics_events_default')
    op.execute(partition_function_sql())
    ensure_partitions(datetime.now(UTC), op.get_bind())


def upgrade():
    op.create_table('analytics_buyer_daily',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('paid_orders', sa.Integer(), nullable=False),
    sa.Column('gmv', sa.Integer(), nullable=False),
    sa.Column('first_purchase', sa.Boolean(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_analytics_buyer_daily_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_analytics_buyer_daily')),
    sa.UniqueConstraint('tenant_id', 'day', 'member_id', name=op.f('uq_analytics_buyer_daily_tenant_id_day_member_id')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_analytics_buyer_daily_tenant_id_id'))
    )
    with op.batch_alter_table('analytics_buyer_daily', schema=None) as batch_op:
        batch_op.create_index('ix_analytics_buyer_daily_tenant_member', ['tenant_id', 'member_id', 'day'], unique=False)

    op.create_table('analytics_daily',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('visitors', sa.Integer(), nullable=False),
    sa.Column('product_viewers', sa.Integer(), nullable=False),
    sa.Column('cart_visitors', sa.Integer(), nullable=False),
    sa.Column('checkout_visitors', sa.Integer(), nullable=False),
    sa.Column('buyers', sa.Integer(), nullable=False),
    sa.Column('paid_orders', sa.Integer(), nullable=False),
    sa.Column('gmv', sa.Integer(), nullable=False),
    sa.Column('refunds', sa.Integer(), nullable=False),
    sa.Column('refunded', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_analytics_daily_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_analytics_daily')),
    sa.UniqueConstraint('tenant_id', 'day', 'channel', name=op.f('uq_analytics_daily_tenant_id_day_channel')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_analytics_daily_tenant_id_id'))
    )
    _create_events_table()

    op.create_table('analytics_hourly',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('hour', UtcDateTime(timezone=True), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('events', sa.Integer(), nullable=False),
    sa.Column('visitors', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_analytics_hourly_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_analytics_hourly')),
    sa.UniqueConstraint('tenant_id', 'hour', 'channel', 'kind', name=op.f('uq_analytics_hourly_tenant_id_hour_channel_kind')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_analytics_hourly_tenant_id_id'))
    )
    op.create_table('analytics_product_daily',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('views', sa.Integer(), nullable=False),
    sa.Column('cart_adds', sa.Integer(), nullable=False),
    sa.Column('units_sold', sa.Integer(), nullable=False),
    sa.Column('sales', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_analytics_product_daily_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_analytics_product_daily')),
    sa.UniqueConstraint('tenant_id', 'day', 'product_id', name=op.f('uq_analytics_product_daily_tenant_id_day_product_id')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_analytics_product_daily_tenant_id_id'))
    )
    with op.batch_alter_table('analytics_product_daily', schema=None) as batch_op:
        batch_op.create_index('ix_analytics_product_daily_tenant_product', ['tenant_id', 'product_id', 'day'], unique=False)

    op.create_table('analytics_rollups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('rolled_up_at', UtcDateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_analytics_rollups_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_analytics_rollups')),
    sa.UniqueConstraint('tenant_id', 'day', name=op.f('uq_analytics_rollups_tenant_id_day')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_analytics_rollups_tenant_id_id'))
    )
    op.create_table('analytics_search_daily',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('words', sa.String(length=60), nullable=False),
    sa.Column('searches', sa.Integer(), nullable=False),
    sa.Column('empty_searches', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_analytics_search_daily_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_analytics_search_daily')),
    sa.UniqueConstraint('tenant_id', 'day', 'words', name=op.f('uq_analytics_search_daily_tenant_id_day_words')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_analytics_search_daily_tenant_id_id'))
    )
    for table in ROLLUPS:
        enable_tenant_rls(op, table)


def downgrade():
    for table in reversed(ROLLUPS):
        disable_tenant_rls(op, table)
    op.drop_table('analytics_search_daily')
    op.drop_table('analytics_rollups')
    with op.batch_alter_table('analytics_product_daily', schema=None) as batch_op:
        batch_op.drop_index('ix_analytics_product_daily_tenant_product')

    op.drop_table('analytics_product_daily')
    op.drop_table('analytics_hourly')
    for name in EVENT_INDEXES:
        op.drop_index(name, table_name='analytics_events')
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP FUNCTION IF EXISTS duoshop_analytics_partitions(timestamptz, integer)")
    op.drop_table('analytics_events')  # with its partitions
    op.drop_table('analytics_daily')
    with op.batch_alter_table('analytics_buyer_daily', schema=None) as batch_op:
        batch_op.drop_index('ix_analytics_buyer_daily_tenant_member')

    op.drop_table('analytics_buyer_daily')
