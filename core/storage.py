"""Media files of stores (logos, banners, pictures in rich text, product images): where
they are kept, and the one way in for uploaded images.

``media_storage()`` is the configured backend. Every backend keeps each store's files
apart under the key ``<tenant_id>/<filename>``, accepts only names we hand out
(``MEDIA_NAME``: random hex and our extension, so no ``..`` and no slashes), and answers
the same three calls:

- ``save(tenant_id, filename, content)`` → the public URL path ``/media/<tenant_id>/<filename>``;
- ``read(tenant_id, filename)`` → the file's bytes, or None when there is no such file;
- ``delete(tenant_id, filename)``.

Backends (``MEDIA_STORAGE``):

- ``local`` (default): files on this host's disk under ``MEDIA_ROOT``, by default
  ``instance/media/<tenant_id>/``. Fine for one web host.
- ``s3``: objects in one bucket of any S3-compatible service (AWS S3, MinIO, Tencent COS,
  Aliyun OSS) named by ``MEDIA_S3_BUCKET``, ``MEDIA_S3_ENDPOINT_URL``, ``MEDIA_S3_REGION``,
  ``MEDIA_S3_ADDRESSING_STYLE`` and the ``MEDIA_S3_ACCESS_KEY_ID`` /
  ``MEDIA_S3_SECRET_ACCESS_KEY`` environment variables. Every web host sees the same files.
  The bucket stays private: ``storefront.views.media`` reads through ``read`` and serves the bytes
  itself, so the rules of who may see a store's files hold for both backends.

Any other ``MEDIA_STORAGE`` value is refused rather than silently writing to one host's disk.

``private_storage()`` is the private area beside it, for files no URL serves (a shopper's
data export): the same backend, under ``PRIVATE_ROOT`` (default ``instance/private/``,
outside ``MEDIA_ROOT``) on disk and under the key prefix ``private/`` in the bucket, each
store's files under ``<tenant_id>/``; the media route cannot reach it (its keys are
``<tenant_id>/<media name>``). Names are ours too (``PRIVATE_NAME``).

``prepare_image`` accepts only real images: it opens and verifies the upload with Pillow,
checks its size, and re-encodes the pixels so no metadata (EXIF, GPS, comments) and no
bytes smuggled after the image survive.
"""
import io
import os
import re
import secrets
import tempfile
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from core.config import MAX_IMAGE_MB
from core.errors import DomainError

MAX_IMAGE_BYTES = MAX_IMAGE_MB * 1024 * 1024
MAX_IMAGE_SIDE = 4000
# Source format → what we write back and its file extension. Other formats are refused.
# MPO is how Pillow names the multi-picture JPEGs many phones write; we keep its first picture.
REENCODE = {"JPEG": ("JPEG", "jpg"), "MPO": ("JPEG", "jpg"), "PNG": ("PNG", "png"), "WEBP": ("WEBP", "webp")}
# Names we hand out: random hex and one of our extensions. Anything else is not ours.
MEDIA_NAME = re.compile(r"^[0-9a-f]{32}\.(?:jpg|png|webp)$")
MEDIA_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}
PRIVATE_NAME = re.compile(r"^[0-9a-f]{32}\.zip$")
PRIVATE_PREFIX = "private/"


class StorageConfigError(RuntimeError):
    """``MEDIA_STORAGE`` names a backend that does not exist, or one that lacks its settings."""


class InvalidImage(DomainError):
    """The upload is not an image we accept; nothing was written."""


def media_url(tenant_id, filename):
    return f"/media/{int(tenant_id)}/{filename}"


def is_media_name(filename):
    return bool(MEDIA_NAME.match(filename or ""))


def media_type(filename):
    """The Content-Type of a media name (``is_media_name`` must hold)."""
    return MEDIA_TYPES[filename.rsplit(".", 1)[1]]


def media_key(tenant_id, filename):
    """``<tenant_id>/<filename>``; None for a name we never hand out (so no ``..``, no slashes)."""
    if not is_media_name(filename):
        return None
    return f"{int(tenant_id)}/{filename}"


def _key_to_write(tenant_id, filename):
    key = media_key(tenant_id, filename)
    if key is None:
        raise ValueError(f"not a media file name: {filename!r}")
    return key


def write_whole_file(path, content):
    """Write beside ``path``, then rename: a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".write-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(content)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


class LocalMediaStorage:
    """Files on this host's disk under ``root/<tenant_id>/``."""

    name = "local"

    def __init__(self, root):
        self.root = Path(root)

    def save(self, tenant_id, filename, content):
        write_whole_file(self.root / _key_to_write(tenant_id, filename), content)
        return media_url(tenant_id, filename)

    def read(self, tenant_id, filename):
        key = media_key(tenant_id, filename)
        try:
            return (self.root / key).read_bytes() if key is not None else None
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            return None

    def delete(self, tenant_id, filename):
        key = media_key(tenant_id, filename)
        if key is not None:
            (self.root / key).unlink(missing_ok=True)


class S3MediaStorage:
    """Objects ``<tenant_id>/<filename>`` in one bucket of an S3-compatible service."""

    name = "s3"

    def __init__(self, client, bucket):
        self.client = client
        self.bucket = bucket

    def save(self, tenant_id, filename, content):
        # One PUT is atomic: a reader gets the old object, none, or the whole new one.
        self.client.put_object(Bucket=self.bucket, Key=_key_to_write(tenant_id, filename), Body=content,
                               ContentType=media_type(filename))
        return media_url(tenant_id, filename)

    def read(self, tenant_id, filename):
        key = media_key(tenant_id, filename)
        if key is None:
            return None
        try:
            reply = self.client.get_object(Bucket=self.bucket, Key=key)
        except self.client.exceptions.NoSuchKey:
            return None
        with reply["Body"] as body:
            return body.read()

    def delete(self, tenant_id, filename):
        key = media_key(tenant_id, filename)
        if key is not None:
            self.client.delete_object(Bucket=self.bucket, Key=key)


def media_storage(app=None):
    """The backend ``MEDIA_STORAGE`` names (default ``local`` under ``MEDIA_ROOT``).

    :raise StorageConfigError: an unknown backend, or ``s3`` without ``MEDIA_S3_BUCKET``
    """
    app = app or current_app._get_current_object()
    backend = app.config.get("MEDIA_STORAGE") or "local"
    if backend == "local":
        return LocalMediaStorage(app.config.get("MEDIA_ROOT") or os.path.join(app.instance_path, "media"))
    if backend == "s3":
        if not app.config.get("MEDIA_S3_BUCKET"):
            raise StorageConfigError("MEDIA_STORAGE='s3' needs MEDIA_S3_BUCKET")
        return S3MediaStorage(_s3_client(app), app.config["MEDIA_S3_BUCKET"])
    raise StorageConfigError(f"MEDIA_STORAGE={backend!r}: use 'local' or 's3'")


class PrivateStorage:
    """A store's private files (``<tenant_id>/<name>``) in the configured backend, never served
    by a URL of their own: whoever hands one out reads it and checks who asks."""

    def __init__(self, *, root=None, client=None, bucket=None):
        self.root, self.client, self.bucket = (Path(root) if root else None), client, bucket
        self.name = "local" if root else "s3"

    @staticmethod
    def key(tenant_id, filename):
        """``<tenant_id>/<filename>``; None for a name we never hand out."""
        if not PRIVATE_NAME.match(filename or ""):
            return None
        return f"{int(tenant_id)}/{filename}"

    @staticmethod
    def new_name(extension="zip"):
        return f"{secrets.token_hex(16)}.{extension}"

    def save(self, tenant_id, filename, content):
        key = self.key(tenant_id, filename)
        if key is None:
            raise ValueError(f"not a private file name: {filename!r}")
        if self.root is None:
            self.client.put_object(Bucket=self.bucket, Key=PRIVATE_PREFIX + key, Body=content,
                                   ContentType="application/zip")
            return key
        write_whole_file(self.root / key, content)
        return key

    def read(self, tenant_id, filename):
        key = self.key(tenant_id, filename)
        if key is None:
            return None
        if self.root is None:
            try:
                reply = self.client.get_object(Bucket=self.bucket, Key=PRIVATE_PREFIX + key)
            except self.client.exceptions.NoSuchKey:
                return None
            with reply["Body"] as body:
                return body.read()
        try:
            return (self.root / key).read_bytes()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            return None

    def delete(self, tenant_id, filename):
        key = self.key(tenant_id, filename)
        if key is None:
            return
        if self.root is None:
            self.client.delete_object(Bucket=self.bucket, Key=PRIVATE_PREFIX + key)
        else:
            (self.root / key).unlink(missing_ok=True)


def private_storage(app=None):
    """The private area of the backend ``MEDIA_STORAGE`` names (see the module's docstring).

    :raise StorageConfigError: as ``media_storage``
    """
    app = app or current_app._get_current_object()
    public = media_storage(app)
    if public.name == "s3":
        return PrivateStorage(client=public.client, bucket=public.bucket)
    return PrivateStorage(root=app.config.get("PRIVATE_ROOT") or os.path.join(app.instance_path, "private"))


_s3_client_lock = threading.Lock()


def _s3_client(app):
    """The app's one boto3 S3 client, made on first use: clients are thread-safe and slow to
    build; the session that builds one is not thread-safe, hence the lock."""
    client = app.extensions.get("duoshop_media_s3")
    if client is None:
        with _s3_client_lock:
            client = app.extensions.get("duoshop_media_s3")
            if client is None:
                client = app.extensions["duoshop_media_s3"] = _new_s3_client(app.config)
    return client


def _new_s3_client(config):
    import boto3  # only deployments that use S3 pay for importing it
    from botocore.config import Config

    options = Config(
        connect_timeout=5, read_timeout=20, retries={"max_attempts": 3, "mode": "standard"},
        s3={"addressing_style": config.get("MEDIA_S3_ADDRESSING_STYLE") or "auto"},
        # Checksums only where S3 demands them: several S3-compatible services refuse the
        # CRC trailers newer botocore sends by default.
        request_checksum_calculation="when_required", response_checksum_validation="when_required",
    )
    return boto3.session.Session().client(
        "s3", endpoint_url=config.get("MEDIA_S3_ENDPOINT_URL"), region_name=config.get("MEDIA_S3_REGION"),
        aws_access_key_id=config.get("MEDIA_S3_ACCESS_KEY_ID"),
        aws_secret_access_key=config.get("MEDIA_S3_SECRET_ACCESS_KEY"), config=options)


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
