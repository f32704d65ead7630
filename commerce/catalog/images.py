"""Product images: upload (validated and re-encoded by ``core.storage``), order, remove.

The file is written before the row commits; a rolled-back upload leaves an unreferenced
file behind, never a row pointing at nothing. Thumbnails come later, from an outbox event.
"""
from flask_babel import gettext as _
from sqlalchemy import func, select

from commerce.catalog.errors import InvalidProduct
from commerce.catalog.jobs import make_product_thumbnail
from commerce.catalog.library import file_upload
from commerce.catalog.models import ProductImage
from core.audit import record_audit
from core.extensions import db
from core.outbox import publish, subscriber
from core.storage import media_storage, prepare_image
from tenants.entitlements import require

MAX_IMAGES = 20


def add_product_image(product, upload, *, actor, name=None):
    """Store ``upload`` as the product's last image, filed in the image library too (under
    ``name``, the uploaded file's name, or the product's title).

    :raise InvalidImage: not a usable JPEG, PNG or WebP (``core.storage`` rules)
    :raise InvalidProduct: the product already has ``MAX_IMAGES`` images
    """
    _check_room(product)
    prepared = prepare_image(upload)
    require("storage", adding=len(prepared.content))
    media_storage().save(product.tenant_id, prepared.filename, prepared.content)
    file_upload(prepared, tenant_id=product.tenant_id, name=name or product.title, actor=actor)
    return _append(product, prepared.filename, prepared.width, prepared.height, actor=actor)


def add_library_image_to_product(product, library_image, *, actor):
    """Show a picture of the image library as the product's last image (the file is shared).

    :raise InvalidProduct: the product already has ``MAX_IMAGES`` images
    """
    _check_room(product)
    return _append(product, library_image.filename, library_image.width, library_image.height, actor=actor)


def _check_room(product):
    count = db.session.scalar(select(func.count(ProductImage.id)).where(ProductImage.product_id == product.id))
    if count >= MAX_IMAGES:
        raise InvalidProduct(_("A product can have at most %(n)d images.", n=MAX_IMAGES), field="file")


def _append(product, filename, width, height, *, actor):
    last = db.session.scalar(select(func.max(ProductImage.position)).where(ProductImage.product_id == product.id))
    image = ProductImage(product_id=product.id, tenant_id=product.tenant_id, filename=filename,
                         width=width, height=height, position=(last or 0) + 1)
    db.session.add(image)
    db.session.flush()
    record_audit("product.image_added", actor=actor, tenant_id=product.tenant_id, target=product,
                 details={"image_id": image.id})
    return image


def shift_product_image(image, *, actor, offset):
    """Move an image earlier (``-1``) or later (``+1``) in its product's list."""
    images = list(db.session.scalars(select(ProductImage).where(ProductImage.product_id == image.product_id)
                                     .order_by(ProductImage.position, ProductImage.id)))
    index = next(i for i, other in enumerate(images) if other.id == image.id)
    target = index + offset
    if 0 <= target < len(images):
        images[index], images[target] = images[target], images[index]
    for position, other in enumerate(images):
        other.position = position
    record_audit("product.image_moved", actor=actor, tenant_id=image.tenant_id, details={"image_id": image.id})
    return image


def remove_product_image(image, *, actor):
    db.session.delete(image)
    record_audit("product.image_removed", actor=actor, tenant_id=image.tenant_id, details={"image_id": image.id})


THUMBNAIL_WANTED = "product_image.thumbnail_wanted"


def request_thumbnail(image):
    """Ask for the image's thumbnail, in the transaction that adds the image."""
    publish(THUMBNAIL_WANTED, tenant_id=image.tenant_id, image_id=image.id)


@subscriber(THUMBNAIL_WANTED, queue="low")
def make_thumbnail_when_wanted(event):
    make_product_thumbnail(event.payload["image_id"])
