"""page builder: page versions, store themes, draft revisions, sold count

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

from tenants.rls import disable_tenant_rls, enable_tenant_rls

NEW_TENANT_TABLES = ("store_themes", "page_versions")


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('store_themes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('theme', sa.String(length=32), nullable=False),
    sa.Column('settings', sa.JSON(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_store_themes_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_store_themes')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_store_themes_tenant_id_id')),
    sa.UniqueConstraint('tenant_id', name=op.f('uq_store_themes_tenant_id'))
    )
    op.create_table('page_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('page_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('document', sa.JSON(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('author_label', sa.String(length=255), nullable=True),
    sa.Column('note', sa.String(length=120), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'page_id'], ['pages.tenant_id', 'pages.id'], name=op.f('fk_page_versions_tenant_id_page_id_pages'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_page_versions_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_page_versions')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_page_versions_tenant_id_id')),
    sa.UniqueConstraint('tenant_id', 'page_id', 'version', name=op.f('uq_page_versions_tenant_id_page_id_version'))
    )
    with op.batch_alter_table('pages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('draft_revision', sa.Integer(), nullable=False, server_default='0'))

    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sold_count', sa.Integer(), nullable=False, server_default='0'))

    for table in NEW_TENANT_TABLES:
        enable_tenant_rls(op, table)


def downgrade():
    for table in NEW_TENANT_TABLES:
        disable_tenant_rls(op, table)
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.drop_column('sold_count')

    with op.batch_alter_table('pages', schema=None) as batch_op:
        batch_op.drop_column('draft_revision')

    op.drop_table('page_versions')
    op.drop_table('store_themes')
