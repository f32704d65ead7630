"""The store's image library (图片空间): every picture a merchant uploads is filed here with a
name and a folder, and every image field of the console picks from here.

An image can be in use in many places (a product's pictures, a SKU, a product's details, a
page, the store's logo). Packages that hold such references register a *usage finder*
(``@usage_finder``): a function of the image that returns a line per place that uses it.
Deleting an image in use is refused with those lines; deleting one not in use returns the
media name to remove from storage once the deletion is committed.
"""
from flask_babel import gettext as _
from sqlalchemy import select

from commerce.catalog.errors import ImageInUse, InvalidLibraryImage
from commerce.catalog.models import SKU, LibraryImage, Product, ProductImage
from core.audit import record_audit
from core.extensions import db
from core.storage import media_storage, prepare_image
from tenants.entitlements import require

_USAGE_FINDERS = []


def usage_finder(finder):
    """Register ``finder(image) -> [str, …]``: where the store uses ``image``, one line each."""
    _USAGE_FINDERS.append(finder)
    return finder


def where_used(image):
    """Every place of the store that shows ``image``, as lines for the merchant."""
    return [line for finder in _USAGE_FINDERS for line in finder(image)]


def _clean_name(name, fallback=""):
    name = " ".join((name or "").split())[:LibraryImage.MAX_NAME]
    return name or fallback


def clean_folder(folder):
    """``folder`` as stored: spaces collapsed; ``""`` is 未分组.

    :raise InvalidLibraryImage: longer than ``LibraryImage.MAX_FOLDER`` characters
    """
    folder = " ".join((folder or "").split())
    if len(folder) > LibraryImage.MAX_FOLDER:
        raise InvalidLibraryImage(_("A folder name can be at most %(n)d characters.", n=LibraryImage.MAX_FOLDER),
                                  field="folder")
    return folder


def file_upload(prepared, *, tenant_id, name, folder="", actor):
    """File an already prepared and stored image in the library (``add_product_image``,
    the logo and the page editor's upload come through here)."""
    image = LibraryImage(tenant_id=tenant_id, filename=prepared.filename, name=_clean_name(name, _("Image")),
                         folder=clean_folder(folder), width=prepared.width, height=prepared.height,
                         size=len(prepared.content))
    db.session.add(image)
    db.session.flush()
    record_audit("library.image_added", actor=actor, tenant_id=tenant_id, details={"image_id": image.id})
    return image


def upload_to_library(upload, *, tenant_id, name, folder="", actor):
    """Verify, store and file ``upload`` (bytes or a file) in the library.

    :raise InvalidImage: not a usable JPEG, PNG or WebP (``core.storage`` rules)
    :raise UpgradeRequired: the plan's storage is full
    :raise InvalidLibraryImage: the folder name is too long
    """
    folder = clean_folder(folder)
    prepared = prepare_image(upload)
    require("storage", adding=len(prepared.content))
    media_storage().save(tenant_id, prepared.filename, prepared.content)
    return file_upload(prepared, tenant_id=tenant_id, name=name, folder=folder, actor=actor)


def rename_library_image(image, *, name, actor):
    """:raise InvalidLibraryImage: an empty name"""
    name = _clean_name(name)
    if not name:
        raise InvalidLibraryImage(_("Give the image a name."), field="name")
    image.name = name
    record_audit("library.image_renamed", actor=actor, tenant_id=image.tenant_id, details={"image_id": image.id})
    return image


def move_library_image(image, *, folder, actor):
    """:raise InvalidLibraryImage: the folder name is too long"""
    image.folder = clean_folder(folder)
    record_audit("library.image_moved", actor=actor, tenant_id=image.tenant_id,
                 details={"image_id": image.id, "folder": image.folder})
    return image


def delete_library_image(image, *, actor):
    """Delete an image nothing uses; returns its media name, to remove after the commit.

    :raise ImageInUse: something shows it (the message says what)
    """
    places = where_used(image)
    if places:
        raise ImageInUse(_("「%(name)s」 is in use and was not deleted. Used by: %(places)s",
                           name=image.name, places=_("; ").join(places)), extra={"used_by": places})
    record_audit("library.image_deleted", actor=actor, tenant_id=image.tenant_id,
                 details={"image_id": image.id, "name": image.name})
    db.session.delete(image)
    db.session.flush()
    return image.filename


def library_holds(tenant_id, filenames):
    """The names of ``filenames`` that the library keeps (so not to be removed with a product)."""
    if not filenames:
        return set()
    return set(db.session.scalars(select(LibraryImage.filename).where(LibraryImage.tenant_id == tenant_id,
                                                                       LibraryImage.filename.in_(filenames))))


@usage_finder
def _products_showing(image):
    titles = db.session.scalars(select(Product.title).join(ProductImage, ProductImage.product_id == Product.id)
                                .where(ProductImage.filename == image.filename).distinct().order_by(Product.title))
    return [_("product 「%(title)s」 (pictures)", title=title) for title in titles]


@usage_finder
def _skus_showing(image):
    rows = db.session.execute(select(Product.title, SKU.spec_values).join(SKU, SKU.product_id == Product.id)
                              .where(SKU.image == image.filename).order_by(Product.title, SKU.id))
    return [_("product 「%(title)s」 SKU %(sku)s", title=title, sku=" / ".join(values)) for title, values in rows]


@usage_finder
def _product_details_showing(image):
    titles = db.session.scalars(select(Product.title).where(Product.description.contains(image.filename))
                                .order_by(Product.title))
    return [_("product 「%(title)s」 (details)", title=title) for title in titles]
