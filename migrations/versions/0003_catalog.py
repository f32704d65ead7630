"""catalog: product specs, SKUs and images, Chinese search indexes

Search (commerce/catalog/search.py): on PostgreSQL a pg_trgm GIN index on products.title;
on SQLite an FTS5 trigram table products_fts kept in sync by triggers.

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

from tenants.rls import disable_tenant_rls, enable_tenant_rls

NEW_TENANT_TABLES = ("product_specs", "skus", "product_images")

SQLITE_SEARCH = (
    "CREATE VIRTUAL TABLE products_fts USING fts5(title, tenant_id UNINDEXED, tokenize='trigram')",
    "INSERT INTO products_fts (rowid, title, tenant_id) SELECT id, title, tenant_id FROM products",
    "CREATE TRIGGER products_fts_insert AFTER INSERT ON products BEGIN "
    "INSERT INTO products_fts (rowid, title, tenant_id) VALUES (new.id, new.title, new.tenant_id); END",
    "CREATE TRIGGER products_fts_update AFTER UPDATE OF title ON products BEGIN "
    "UPDATE products_fts SET title = new.title WHERE rowid = old.id; END",
    "CREATE TRIGGER products_fts_delete AFTER DELETE ON products BEGIN "
    "DELETE FROM products_fts WHERE rowid = old.id; END",
)


def create_search_index():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.create_index("ix_products_title_trgm", "products", ["title"], postgresql_using="gin",
                        postgresql_ops={"title": "gin_trgm_ops"})
    elif op.get_bind().dialect.name == "sqlite":
        op.create_index("ix_products_title_trgm", "products", ["title"])
        for statement in SQLITE_SEARCH:
            op.execute(statement)


def drop_search_index():
    if op.get_bind().dialect.name == "sqlite":
        for name in ("products_fts_insert", "products_fts_update", "products_fts_delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS products_fts")
    op.drop_index("ix_products_title_trgm", table_name="products")


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('product_specs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=20), nullable=False),
    sa.Column('values', sa.JSON(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'product_id'], ['products.tenant_id', 'products.id'], name=op.f('fk_product_specs_tenant_id_product_id_products'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_product_specs_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_product_specs')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_product_specs_tenant_id_id')),
    sa.UniqueConstraint('tenant_id', 'product_id', 'name', name=op.f('uq_product_specs_tenant_id_product_id_name'))
    )
    op.create_table('skus',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('spec_values', sa.JSON(), nullable=False),
    sa.Column('price', sa.Integer(), nullable=False),
    sa.Column('market_price', sa.Integer(), nullable=True),
    sa.Column('stock', sa.Integer(), nullable=False),
    sa.Column('weight', sa.Integer(), nullable=True),
    sa.Column('code', sa.String(length=64), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('market_price IS NULL OR market_price >= price', name=op.f('ck_skus_market_price_not_below_price')),
    sa.CheckConstraint('price >= 0', name=op.f('ck_skus_price_not_negative')),
    sa.CheckConstraint('stock >= 0', name=op.f('ck_skus_stock_not_negative')),
    sa.CheckConstraint('weight IS NULL OR weight >= 0', name=op.f('ck_skus_weight_not_negative')),
    sa.ForeignKeyConstraint(['tenant_id', 'product_id'], ['products.tenant_id', 'products.id'], name=op.f('fk_skus_tenant_id_product_id_products'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_skus_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_skus')),
    sa.UniqueConstraint('tenant_id', 'code', name=op.f('uq_skus_tenant_id_code')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_skus_tenant_id_id'))
    )
    with op.batch_alter_table('skus', schema=None) as batch_op:
        batch_op.create_index('ix_skus_tenant_product', ['tenant_id', 'product_id'], unique=False)

    op.create_table('product_images',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=64), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('thumbnail', sa.String(length=64), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'product_id'], ['products.tenant_id', 'products.id'], name=op.f('fk_product_images_tenant_id_product_id_products'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_product_images_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_product_images')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_product_images_tenant_id_id'))
    )
    with op.batch_alter_table('product_images', schema=None) as batch_op:
        batch_op.create_index('ix_product_images_tenant_product', ['tenant_id', 'product_id', 'position'], unique=False)

    for table in NEW_TENANT_TABLES:
        enable_tenant_rls(op, table)
    create_search_index()


def downgrade():
    drop_search_index()
    for table in NEW_TENANT_TABLES:
        disable_tenant_rls(op, table)
    with op.batch_alter_table('skus', schema=None) as batch_op:
        batch_op.drop_index('ix_skus_tenant_product')

    with op.batch_alter_table('product_images', schema=None) as batch_op:
        batch_op.drop_index('ix_product_images_tenant_product')

    op.drop_table('product_images')
    op.drop_table('skus')
    op.drop_table('product_specs')
