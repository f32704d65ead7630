"""Pre-sales (预售): campaigns on a product's SKUs with their own units, ship-from date and
payment mode (presales, presale_items), the orders placed through them (presale_orders),
each store's pre-sale settings (presale_settings: the paid-order threshold above which
packing lists are spread over the warehouses), and the parts of an order paid in parts
(order_instalments: a deposit and a balance, each with its own out_trade_no).

Primary keys as 0035 made them: (tenant_id, id) on PostgreSQL; on SQLite ``id INTEGER
PRIMARY KEY`` and UNIQUE (tenant_id, id) for the composite foreign keys.

Revision ID: 0039
Revises: 0036
"""
import sqlalchemy as sa
from alembic import op

from tenants.rls import disable_tenant_rls, enable_tenant_rls

TABLES = ("presale_settings", "presales", "order_instalments", "presale_items", "presale_orders")

revision = '0039'
down_revision = "0036"
branch_labels = None
depends_on = None


def _key(table):
    if op.get_bind().dialect.name == "postgresql":
        return (sa.PrimaryKeyConstraint('tenant_id', 'id', name=f'pk_{table}'),)
    return (sa.PrimaryKeyConstraint('id', name=f'pk_{table}'),
            sa.UniqueConstraint('tenant_id', 'id', name=f'uq_{table}_tenant_id_id'))


def upgrade():
    op.create_table('presale_settings',
    sa.Column('split_threshold', sa.Integer(), nullable=False),
    sa.Column('warehouses', sa.String(length=200), nullable=True),
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.CheckConstraint('split_threshold >= 1', name=op.f('ck_presale_settings_threshold_positive')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_presale_settings_tenant_id_tenants'), ondelete='RESTRICT'),
    *_key('presale_settings'),
    sa.UniqueConstraint('tenant_id', name=op.f('uq_presale_settings_tenant_id'))
    )
    op.create_table('presales',
    sa.Column('title', sa.String(length=40), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ships_from', sa.DateTime(timezone=True), nullable=False),
    sa.Column('mode', sa.String(length=8), nullable=False),
    sa.Column('deposit', sa.Integer(), nullable=True),
    sa.Column('deposit_worth', sa.Integer(), nullable=True),
    sa.Column('balance_starts_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('balance_ends_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('unpaid_balance', sa.String(length=8), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("mode = 'full' OR (deposit > 0 AND deposit_worth >= deposit AND balance_starts_at IS NOT NULL AND balance_ends_at > balance_starts_at)", name=op.f('ck_presales_deposit_terms')),
    sa.CheckConstraint("mode IN ('full', 'deposit')", name=op.f('ck_presales_known_mode')),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_presales_ends_after_start')),
    sa.CheckConstraint('ships_from >= starts_at', name=op.f('ck_presales_ships_after_start')),
    sa.ForeignKeyConstraint(['tenant_id', 'product_id'], ['products.tenant_id', 'products.id'], name=op.f('fk_presales_tenant_id_product_id_products'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_presales_tenant_id_tenants'), ondelete='RESTRICT'),
    *_key('presales')
    )
    op.create_index('ix_presales_tenant_window', 'presales', ['tenant_id', 'status', 'starts_at', 'ends_at'])
    op.create_table('order_instalments',
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('out_trade_no', sa.String(length=32), nullable=False),
    sa.Column('amount', sa.Integer(), nullable=False),
    sa.Column('opens_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('kept_if_unpaid_later', sa.Boolean(), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('paid_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('transaction_id', sa.String(length=64), nullable=True),
    sa.Column('paid_with', sa.String(length=8), nullable=True),
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.CheckConstraint('amount > 0', name=op.f('ck_order_instalments_amount_positive')),
    sa.ForeignKeyConstraint(['tenant_id', 'order_id'], ['orders.tenant_id', 'orders.id'], name=op.f('fk_order_instalments_tenant_id_order_id_orders'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_order_instalments_tenant_id_tenants'), ondelete='RESTRICT'),
    *_key('order_instalments'),
    sa.UniqueConstraint('tenant_id', 'order_id', 'seq', name=op.f('uq_order_instalments_tenant_id_order_id_seq')),
    sa.UniqueConstraint('tenant_id', 'out_trade_no', name=op.f('uq_order_instalments_tenant_id_out_trade_no'))
    )
    op.create_table('presale_items',
    sa.Column('presale_id', sa.Integer(), nullable=False),
    sa.Column('sku_id', sa.Integer(), nullable=False),
    sa.Column('price', sa.Integer(), nullable=False),
    sa.Column('stock', sa.Integer(), nullable=False),
    sa.Column('initial_stock', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.CheckConstraint('price > 0', name=op.f('ck_presale_items_price_positive')),
    sa.CheckConstraint('stock >= 0', name=op.f('ck_presale_items_stock_not_negative')),
    sa.ForeignKeyConstraint(['tenant_id', 'presale_id'], ['presales.tenant_id', 'presales.id'], name=op.f('fk_presale_items_tenant_id_presale_id_presales'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id', 'sku_id'], ['skus.tenant_id', 'skus.id'], name=op.f('fk_presale_items_tenant_id_sku_id_skus'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_presale_items_tenant_id_tenants'), ondelete='RESTRICT'),
    *_key('presale_items'),
    sa.UniqueConstraint('tenant_id', 'presale_id', 'sku_id', name=op.f('uq_presale_items_tenant_id_presale_id_sku_id'))
    )
    op.create_table('presale_orders',
    sa.Column('presale_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('ships_from', sa.DateTime(timezone=True), nullable=False),
    sa.Column('units_back', sa.Boolean(), nullable=False),
    sa.Column('paid_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('released_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('warehouse', sa.String(length=32), nullable=True),
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'item_id'], ['presale_items.tenant_id', 'presale_items.id'], name=op.f('fk_presale_orders_tenant_id_item_id_presale_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id', 'order_id'], ['orders.tenant_id', 'orders.id'], name=op.f('fk_presale_orders_tenant_id_order_id_orders'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id', 'presale_id'], ['presales.tenant_id', 'presales.id'], name=op.f('fk_presale_orders_tenant_id_presale_id_presales'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_presale_orders_tenant_id_tenants'), ondelete='RESTRICT'),
    *_key('presale_orders'),
    sa.UniqueConstraint('tenant_id', 'order_id', name=op.f('uq_presale_orders_tenant_id_order_id'))
    )
    op.create_index('ix_presale_orders_tenant_presale_paid', 'presale_orders', ['tenant_id', 'presale_id', 'paid_at'])

    for table in TABLES:
        enable_tenant_rls(op, table)


def downgrade():
    for table in reversed(TABLES):
        disable_tenant_rls(op, table)
    op.drop_index('ix_presale_orders_tenant_presale_paid', table_name='presale_orders')
    op.drop_table('presale_orders')
    op.drop_table('presale_items')
    op.drop_table('order_instalments')
    op.drop_index('ix_presales_tenant_window', table_name='presales')
    op.drop_table('presales')
    op.drop_table('presale_settings')
