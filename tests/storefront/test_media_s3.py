"""Media storage backends: uploads land under ``<tenant_id>/<name>``, are served on their
own store's host only, and can be deleted — the same on local disk and on S3-compatible
storage, proven against a real S3 server on loopback (moto's), not a mock of boto3."""
import io
import threading
import uuid

import boto3
import pytest
from flask_babel import force_locale
from moto.server import ThreadedMotoServer
from PIL import Image
from sqlalchemy import select

from commerce.catalog.jobs import THUMBNAIL_SIDE, make_product_thumbnail
from commerce.catalog.models import ProductImage
from core.config import ConfigError
from core.extensions import db
from core.storage import S3MediaStorage, media_storage
from core.tenancy import tenant_context
from duoshop.app import create_app
from tests.conftest import PLATFORM_HOST, HostClient, csrf_from
from tests.factories import create_product, create_store, login_staff
from tests.storefront.test_media import image_bytes, stored_files, upload

S3_CREDENTIALS = {"MEDIA_S3_ACCESS_KEY_ID": "test-key-id", "MEDIA_S3_SECRET_ACCESS_KEY": "test-secret"}
NOT_OUR_NAMES = ("../x.png", "a/b.png", "x.exe", "0123456789abcdef0123456789abcdef.svg",
                 "ABCDEF0123456789abcdef0123456789.png", "")


@pytest.fixture(scope="session")
def s3_endpoint():
    """A real S3-compatible server on a free loopback port, for the whole session."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture(scope="session")
def s3_settings(s3_endpoint):
    return {"MEDIA_STORAGE": "s3", "MEDIA_S3_ENDPOINT_URL": s3_endpoint, "MEDIA_S3_REGION": "us-east-1",
            "MEDIA_S3_BUCKET": "unused-each-test-has-its-own", **S3_CREDENTIALS}


@pytest.fixture(scope="session")
def s3_app(app, app_overrides, s3_settings):
    """A second app on the same (migrated) database whose media go to S3; its jobs run at
    once, so its thumbnail job reads and writes that same bucket."""
    application = create_app("test", overrides={**app_overrides, **s3_settings, "JOB_MODE": "eager"})
    application.test_client_class = HostClient
    yield application
    with application.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def bucket_reader(s3_settings):
    """The test's own S3 client, to look into buckets independently of the code under test."""
    return boto3.client("s3", endpoint_url=s3_settings["MEDIA_S3_ENDPOINT_URL"], region_name="us-east-1",
                        aws_access_key_id="test-key-id", aws_secret_access_key="test-secret")


class Backend:
    """One storage backend under test: the app that uses it and a look at what it holds."""

    def __init__(self, name, app, stored_keys, plant):
        self.name, self.app, self.stored_keys, self.plant = name, app, stored_keys, plant

    def client(self, slug=None):
        return self.app.test_client(host=f"{slug}.{PLATFORM_HOST}" if slug else PLATFORM_HOST)


@pytest.fixture(params=["local", "s3"])
def backend(request, tmp_path, monkeypatch):
    """Each test runs on local disk and on S3 (a fresh bucket), inside that app's context."""
    if request.param == "local":
        app, root = request.getfixturevalue("app"), tmp_path / "media"
        monkeypatch.setitem(app.config, "MEDIA_ROOT", str(root))

        def plant(key, content):
            (root / key).parent.mkdir(parents=True, exist_ok=True)
            (root / key).write_bytes(content)

        chosen = Backend("local", app, lambda: stored_files(root), plant)
    else:
        app, reader = request.getfixturevalue("s3_app"), request.getfixturevalue("bucket_reader")
        bucket = f"media-{uuid.uuid4().hex[:16]}"
        reader.create_bucket(Bucket=bucket)
        monkeypatch.setitem(app.config, "MEDIA_S3_BUCKET", bucket)
        chosen = Backend("s3", app, lambda: sorted(item["Key"] for item in reader.list_objects_v2(
            Bucket=bucket).get("Contents", [])), lambda key, content: reader.put_object(
            Bucket=bucket, Key=key, Body=content))
    with app.app_context(), force_locale("en"):
        yield chosen


@pytest.fixture
def demo(backend):
    return create_store("demo", name="Demo Shop")


@pytest.fixture
def tea(backend):
    return create_store("tea", name="Tea House")


@pytest.fixture
def owner(backend, demo):
    console = backend.client()
    login_staff(console, demo)
    return console


def uploaded_name(console, content):
    response = upload(console, content)
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()["url"].rsplit("/", 1)[1]


def test_a_console_upload_lands_under_its_store_and_is_served_on_the_store_host(backend, demo, owner):
    name = uploaded_name(owner, image_bytes("JPEG", size=(40, 30)))
    assert backend.stored_keys() == [f"{demo.id}/{name}"]

    served = backend.client("demo").get(f"/media/{demo.id}/{name}")
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert Image.open(io.BytesIO(served.data)).size == (40, 30)
    assert "public" in served.headers["Cache-Control"] and "immutable" in served.headers["Cache-Control"]
    assert "max-age=31536000" in served.headers["Cache-Control"]
    again = backend.client("demo").get(f"/media/{demo.id}/{name}", headers={"If-None-Match": served.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""


def test_a_product_image_and_its_thumbnail_live_under_the_store(backend, demo, owner, jobs):
    product_id = create_product(demo, "特级绿茶礼盒")
    token = csrf_from(owner, f"/console/products/{product_id}")
    response = owner.post(f"/console/products/{product_id}/images", content_type="multipart/form-data",
                          data={"csrf_token": token, "file": (io.BytesIO(image_bytes(size=(900, 600))), "tea.png")})
    assert response.status_code == 302
    jobs.drain()
    db.session.expire_all()
    with tenant_context(demo.id):
        image = db.session.scalar(select(ProductImage))
        assert image.thumbnail and image.thumbnail != image.filename
        assert backend.stored_keys() == sorted([f"{demo.id}/{image.filename}", f"{demo.id}/{image.thumbnail}"])
        thumbnail = backend.client("demo").get(image.thumbnail_url())
        assert thumbnail.status_code == 200 and thumbnail.mimetype == "image/png"
        assert max(Image.open(io.BytesIO(thumbnail.data)).size) == THUMBNAIL_SIDE
        assert make_product_thumbnail(image.id) == image.thumbnail  # again: the same object, nothing new
        assert len(backend.stored_keys()) == 2


def test_another_stores_host_cannot_fetch_the_file(backend, demo, tea, owner):
    name = uploaded_name(owner, image_bytes())
    assert backend.client("demo").get(f"/media/{demo.id}/{name}").status_code == 200
    assert backend.client("tea").get(f"/media/{demo.id}/{name}").status_code == 404
    assert backend.client("demo").get(f"/media/{tea.id}/{name}").status_code == 404


def test_names_that_are_not_ours_are_refused_and_never_served(backend, demo):
    storage = media_storage()
    for name in NOT_OUR_NAMES:
        with pytest.raises(ValueError):
            storage.save(demo.id, name, image_bytes())
        assert storage.read(demo.id, name) is None
    assert backend.stored_keys() == []
    backend.plant(f"{demo.id}/notes.txt", b"private")
    backend.plant(f"{demo.id}/ABCDEF0123456789abcdef0123456789.png", image_bytes())
    backend.plant("secret.png", image_bytes())
    client = backend.client("demo")
    for path in ("notes.txt", "ABCDEF0123456789abcdef0123456789.png", "../secret.png", "..%2Fsecret.png",
                 "%2e%2e%2fsecret.png"):
        assert client.get(f"/media/{demo.id}/{path}").status_code == 404, path


def test_delete_removes_the_file(backend, demo):
    storage = media_storage()
    name = f"{uuid.uuid4().hex}.png"
    assert storage.save(demo.id, name, image_bytes()) == f"/media/{demo.id}/{name}"
    assert storage.read(demo.id, name) == image_bytes()
    storage.delete(demo.id, name)
    assert backend.stored_keys() == [] and storage.read(demo.id, name) is None
    assert backend.client("demo").get(f"/media/{demo.id}/{name}").status_code == 404
    storage.delete(demo.id, name)  # deleting what is gone is no error


def test_one_s3_client_serves_every_thread_of_an_app(s3_app):
    found = []
    with s3_app.app_context():
        threads = [threading.Thread(target=lambda: found.append(media_storage(s3_app).client)) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert isinstance(media_storage(), S3MediaStorage)
        assert len({id(client) for client in found}) == 1 and found[0] is media_storage().client


@pytest.mark.parametrize("missing", ["MEDIA_S3_BUCKET", "MEDIA_S3_ACCESS_KEY_ID", "MEDIA_S3_SECRET_ACCESS_KEY"])
def test_production_refuses_s3_without_its_bucket_or_keys(app_overrides, missing):
    settings = {"SECRET_KEY": "k" * 48, "SQLALCHEMY_DATABASE_URI": "postgresql://app@db.internal/duoshop",
                "PII_ENCRYPTION_KEY": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
                "DATABASE_PLATFORM_URL": "postgresql://platform@db.internal/duoshop",
                "RATELIMIT_STORAGE_URI": app_overrides["RATELIMIT_STORAGE_URI"],
                "RATELIMIT_KEY_PREFIX": app_overrides["RATELIMIT_KEY_PREFIX"],
                "MEDIA_STORAGE": "s3", "MEDIA_S3_BUCKET": "shop-media", **S3_CREDENTIALS}
    create_app("production", overrides=settings)  # complete: starts without calling S3
    with pytest.raises(ConfigError, match=f"MEDIA_STORAGE=s3 needs {missing}"):
        create_app("production", overrides={**settings, missing: None})
