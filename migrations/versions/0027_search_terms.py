"""search terms: products carry the words shoppers find them by (characters and character
pairs of the title, subtitle, tags and category names; see commerce/catalog/search_terms.py)
and their normalized title, filled here for every existing product. Search no longer reads
SQLite's FTS5 title table, so it and its triggers go.

Revision ID: 0027
Revises: 0026
"""
import json

import sqlalchemy as sa
from alembic import op

from commerce.catalog.search_terms import product_index

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None

SQLITE_FTS_TRIGGERS = ("products_fts_insert", "products_fts_update", "products_fts_delete")
SQLITE_FTS = (  # 0003's statements, copied: a migration must not change when an older one is edited
    "CREATE VIRTUAL TABLE products_fts USING fts5(title, tenant_id UNINDEXED, tokenize='trigram')",
    "INSERT INTO products_fts (rowid, title, tenant_id) SELECT id, title, tenant_id FROM products",
    "CREATE TRIGGER products_fts_insert AFTER INSERT ON products BEGIN "
    "INSERT INTO products_fts (rowid, title, tenant_id) VALUES (new.id, new.title, new.tenant_id); END",
    "CREATE TRIGGER products_fts_update AFTER UPDATE OF title ON products BEGIN "
    "UPDATE products_fts SET title = new.title WHERE rowid = old.id; END",
    "CREATE TRIGGER products_fts_delete AFTER DELETE ON products BEGIN "
    "DELETE FROM products_fts WHERE rowid = old.id; END",
)


def upgrade():
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.add_column(sa.Column("search_terms", sa.Text(), server_default="", nullable=False))
        batch_op.add_column(sa.Column("search_title", sa.Text(), server_default="", nullable=False))
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("SET LOCAL duoshop.unscoped = 'on'")  # the backfill spans every store
        op.create_index("ix_products_search_terms_trgm", "products", ["search_terms"], postgresql_using="gin",
                        postgresql_ops={"search_terms": "gin_trgm_ops"})
    else:
        op.create_index("ix_products_search_terms_trgm", "products", ["search_terms"])
        for name in SQLITE_FTS_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS products_fts")
    _backfill(bind)


def _backfill(bind):
    categories = {row.id: row for row in bind.execute(sa.text("SELECT id, parent_id, name FROM categories"))}
    products = bind.execute(sa.text("SELECT id, title, subtitle, tags, category_id FROM products")).all()
    update = sa.text("UPDATE products SET search_terms = :terms, search_title = :title WHERE id = :id")
    for product in products:
        tags = json.loads(product.tags) if isinstance(product.tags, str) else product.tags
        names, category_id = [], product.category_id
        while category_id in categories and len(names) < 5:
            names.append(categories[category_id].name)
            category_id = categories[category_id].parent_id
        terms, title = product_index(product.title, product.subtitle, tags or (), names)
        bind.execute(update, {"terms": terms, "title": title, "id": product.id})


def downgrade():
    op.drop_index("ix_products_search_terms_trgm", table_name="products")
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_column("search_title")
        batch_op.drop_column("search_terms")
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_FTS:
            op.execute(statement)
