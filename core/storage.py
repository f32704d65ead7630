"""Media files of stores (logos, banners, pictures in rich text): where they are kept, and
the one way in for uploaded images.

``media_storage()`` is the configured backend. Every backend keeps each store's files
apart under its tenant id and answers the same three calls:

- ``save(tenant_id, filename, content)`` → the public URL path ``/media/<tenant_id>/<filename>``;
- ``open(tenant_id, filename)`` → a local path to send, or None when there is no such file;
- ``delete(tenant_id, filename)``.

Only the local-disk backend exists (``MEDIA_STORAGE = "local"``, files under
``MEDIA_ROOT``, by default ``instance/media/<tenant_id>/``). An S3-compatible backend is
planned for running several web hosts; until it exists, any other ``MEDIA_STORAGE`` value
refuses to start rather than silently writing to one host's disk.

``prepare_image`` accepts only real images: it opens and verifies the upload with Pillow,
checks its size, and re-encodes the pixels so no metadata (EXIF, GPS, comments) and no
bytes smuggled after the image survive.
"""
import io
import os
import re
import secrets
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from core.errors import DomainError

MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_IMAGE_SIDE = 4000
# Source format → what we write back and its file extension. Other formats are refused.
# MPO is how Pillow names the multi-picture JPEGs many phones write; we keep its first picture.
REENCODE = {"JPEG": ("JPEG", "jpg"), "MPO": ("JPEG", "jpg"), "PNG": ("PNG", "png"), "WEBP": ("WEBP", "webp")}
# Names we hand out: random hex and one of our extensions. Anything else is not ours.
MEDIA_NAME = re.compile(r"^[0-9a-f]{32}\.(?:jpg|png|webp)$")


class StorageConfigError(RuntimeError):
    """``MEDIA_STORAGE`` names a backend that does not exist."""


class InvalidImage(DomainError):
    """The upload is not an image we accept; nothing was written."""


def media_url(tenant_id, filename):
    return f"/media/{int(tenant_id)}/{filename}"


def is_media_name(filename):
    return bool(MEDIA_NAME.match(filename or ""))


class LocalMediaStorage:
    """Files on this host's disk under ``root/<tenant_id>/``."""

    name = "local"

    def __init__(self, root):
        self.root = Path(root)

    def _path(self, tenant_id, filename):
        """The file's path; None for a name we never hand out (so no ``..``, no slashes)."""
        if not is_media_name(filename):
            return None
        return self.root / str(int(tenant_id)) / filename

    def save(self, tenant_id, filename, content):
        path = self._path(tenant_id, filename)
        if path is None:
            raise ValueError(f"not a media file name: {filename!r}")
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write beside the target, then rename: a reader never sees half a file.
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(content)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return media_url(tenant_id, filename)

    def open(self, tenant_id, filename):
        path = self._path(tenant_id, filename)
        return path if path is not None and path.is_file() else None

    def delete(self, tenant_id, filename):
        path = self._path(tenant_id, filename)
        if path is not None:
            path.unlink(missing_ok=True)


def media_storage(app=None):
    """The backend ``MEDIA_STORAGE`` names (default ``local`` under ``MEDIA_ROOT``)."""
    app = app or current_app
    backend = app.config.get("MEDIA_STORAGE") or "local"
    if backend != "local":
        raise StorageConfigError(f"MEDIA_STORAGE={backend!r}: only 'local' is implemented")
    return LocalMediaStorage(app.config.get("MEDIA_ROOT") or os.path.join(app.instance_path, "media"))


@dataclass(frozen=True)
class PreparedImage:
    """Re-encoded image bytes under a fresh random name, not yet stored."""

    content: bytes
    filename: str
    width: int
    height: int


def prepare_image(upload):
    """Verify and re-encode an uploaded image; ``upload`` is bytes or a readable file.

    :raise InvalidImage: not a JPEG, PNG or WebP image, larger than 5 MB or 4000×4000 pixels
    """
    raw = upload if isinstance(upload, bytes) else upload.read(MAX_IMAGE_BYTES + 1)
    if not raw:
        raise InvalidImage(_l("Choose an image file to upload."), field="file")
    if len(raw) > MAX_IMAGE_BYTES:
        raise InvalidImage(_l("The image is larger than 5 MB. Make it smaller and try again."), field="file")
    image, target_format, extension = _open_checked(raw)
    clean = _without_metadata(image, target_format)
    out = io.BytesIO()
    options = {"JPEG": {"quality": 85, "optimize": True, "progressive": True},
               "PNG": {"optimize": True}, "WEBP": {"quality": 85, "method": 4}}[target_format]
    clean.save(out, format=target_format, **options)
    return PreparedImage(out.getvalue(), f"{secrets.token_hex(16)}.{extension}", clean.width, clean.height)


def save_image(tenant_id, upload):
    """``prepare_image`` then store it; returns the public URL path."""
    prepared = prepare_image(upload)
    return media_storage().save(tenant_id, prepared.filename, prepared.content)


def _not_an_image():
    return InvalidImage(_l("This file is not an image we can use. Upload a JPEG, PNG or WebP picture."),
                        field="file")


def _open_checked(raw):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(raw))
            if probe.format not in REENCODE:
                raise _not_an_image()
            # The header's size, checked before a single pixel is decoded.
            if probe.width > MAX_IMAGE_SIDE or probe.height > MAX_IMAGE_SIDE:
                raise InvalidImage(_l("The image is larger than %(n)d × %(n)d pixels. Make it smaller and try again.",
                                      n=MAX_IMAGE_SIDE), field="file")
            probe.verify()
            # verify() leaves the image unusable: decode a fresh copy, fully.
            image = Image.open(io.BytesIO(raw))
            image.load()
    except InvalidImage:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning,
            OSError, SyntaxError, ValueError, EOFError):
        raise _not_an_image() from None
    target_format, extension = REENCODE[image.format]
    return image, target_format, extension


def _without_metadata(image, target_format):
    """Pixels only: upright (EXIF orientation applied), in sRGB, with no metadata left."""
    image = ImageOps.exif_transpose(image)
    image = _to_srgb(image)
    if "transparency" in image.info and target_format != "JPEG":
        image = image.convert("RGBA")  # keep transparency, which lives in the metadata we drop
    allowed = {"JPEG": ("RGB", "L"), "PNG": ("RGB", "RGBA", "L", "LA", "P"), "WEBP": ("RGB", "RGBA")}[target_format]
    if image.mode not in allowed:
        image = image.convert("RGBA" if "A" in image.getbands() and target_format != "JPEG" else "RGB")
    clean = image.copy()
    clean.info.clear()  # EXIF, XMP, ICC, comments: encoders read these from ``info``
    return clean


def _to_srgb(image):
    """Photos from phones often carry a wide-gamut profile; convert so they look the same without it."""
    profile = image.info.get("icc_profile")
    if not profile or image.mode not in ("RGB", "RGBA"):
        return image
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
        return ImageCms.profileToProfile(image, source, ImageCms.createProfile("sRGB"), outputMode=image.mode)
    except (ImageCms.PyCMSError, OSError, ValueError):
        return image  # an unreadable profile: keep the pixels as they are
