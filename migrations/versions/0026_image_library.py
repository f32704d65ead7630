"""image library (图片空间): every store's uploaded pictures with a name and a folder, the
product images uploaded before it filed there; an image per SKU

Revision ID: 0026
Revises: 0025
"""
import sqlalchemy as sa
from alembic import op

from tenants.rls import disable_tenant_rls, enable_tenant_rls

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None

UPLOADED_BEFORE = "商品图片"  # the folder the product images uploaded before the library are filed in


def _see_every_store():
    """Row-level security is forced even for the owner: the backfill spans stores."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("SET LOCAL duoshop.unscoped = 'on'")


def upgrade():
    op.create_table(
        "library_images",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("folder", sa.String(length=30), server_default="", nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("size", sa.Integer(), server_default="0", nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_library_images_tenant_id_tenants"),
                                ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_library_images")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_library_images_tenant_id_id")),
        sa.UniqueConstraint("tenant_id", "filename", name=op.f("uq_library_images_tenant_id_filename")),
    )
    op.create_index("ix_library_images_tenant_folder", "library_images", ["tenant_id", "folder", "id"])
    enable_tenant_rls(op, "library_images")
    with op.batch_alter_table("skus", schema=None) as batch_op:
        batch_op.add_column(sa.Column("image", sa.String(length=64), nullable=True))
    _see_every_store()
    # One library entry per stored file, named after its product (a file is shared by copies).
    op.execute(f"""
        INSERT INTO library_images (tenant_id, filename, name, folder, width, height, size, created_at, updated_at)
        SELECT pi.tenant_id, pi.filename, substr(p.title, 1, 80), '{UPLOADED_BEFORE}', pi.width, pi.height, 0,
               pi.created_at, pi.updated_at
        FROM product_images pi JOIN products p ON p.id = pi.product_id AND p.tenant_id = pi.tenant_id
        WHERE pi.id IN (SELECT min(id) FROM product_images GROUP BY tenant_id, filename)
    """)


def downgrade():
    with op.batch_alter_table("skus", schema=None) as batch_op:
        batch_op.drop_column("image")
    disable_tenant_rls(op, "library_images")
    op.drop_index("ix_library_images_tenant_folder", table_name="library_images")
    op.drop_table("library_images")
