"""Background work of the catalog (rq entry points: module-level, ids in, idempotent)."""
import hashlib
import io

from PIL import Image
from sqlalchemy import select

from commerce.catalog.models import ProductImage
from core.extensions import db
from core.storage import media_storage

THUMBNAIL_SIDE = 400
FORMATS = {"jpg": "JPEG", "png": "PNG", "webp": "WEBP"}


def thumbnail_name(filename):
    """A stable media name derived from the original: running the job twice writes one file."""
    stem, extension = filename.rsplit(".", 1)
    return f"{hashlib.md5(f'{stem}-thumb{THUMBNAIL_SIDE}'.encode()).hexdigest()}.{extension}"


def make_product_thumbnail(image_id):
    """Write a ``THUMBNAIL_SIDE`` px thumbnail of a product image; runs in the image's store."""
    image = db.session.scalar(select(ProductImage).where(ProductImage.id == image_id))
    if image is None:
        return None  # deleted meanwhile: nothing to do
    storage = media_storage()
    name = thumbnail_name(image.filename)
    if image.thumbnail == name and storage.read(image.tenant_id, name) is not None:
        return name
    original = storage.read(image.tenant_id, image.filename)
    if original is None:
        return None
    with Image.open(io.BytesIO(original)) as picture:
        picture.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE))
        out = io.BytesIO()
        picture.save(out, format=FORMATS[image.filename.rsplit(".", 1)[1]])
    storage.save(image.tenant_id, name, out.getvalue())
    image.thumbnail = name
    db.session.commit()
    return name
