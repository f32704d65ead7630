"""Media uploads: only real images get in (re-encoded, metadata gone, under a random
name); a store's files are served on its own host and to its own staff only; nothing
else on disk can be reached through /media."""
import io
import os
import re

import pytest
from PIL import Image, ImageCms

from core.storage import LocalMediaStorage, StorageConfigError, media_storage
from tenants.models import StaffUser
from tests.conftest import csrf_from
from tests.factories import create_staff, create_store, login_staff

EN = {"Accept-Language": "en"}
MEDIA_URL = re.compile(r"^/media/(\d+)/([0-9a-f]{32}\.(?:png|jpg|webp))$")
EXIF_MAKE, EXIF_GPS_INFO, EXIF_ORIENTATION = 0x010F, 0x8825, 0x0112


def image_bytes(fmt="PNG", size=(40, 30), color=(200, 30, 30), **save_options):
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, fmt, **save_options)
    return out.getvalue()


def jpeg_with_exif(size=(40, 20), orientation=None):
    exif = Image.Exif()
    exif[EXIF_MAKE] = "SpyCam"
    exif[EXIF_GPS_INFO] = {1: "N", 2: (39.0, 54.0, 27.0), 3: "E", 4: (116.0, 23.0, 30.0)}
    if orientation:
        exif[EXIF_ORIENTATION] = orientation
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    return image_bytes("JPEG", size=size, exif=exif.tobytes(), comment=b"shot at home", icc_profile=profile)


@pytest.fixture
def media_root(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "MEDIA_ROOT", str(tmp_path / "media"))
    return tmp_path / "media"


def stored_files(root):
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.fixture
def demo(app_ctx, media_root):
    return create_store("demo", name="Demo Shop")


@pytest.fixture
def tea(app_ctx, media_root):
    return create_store("tea", name="Tea House")


@pytest.fixture
def owner(demo, platform_client):
    login_staff(platform_client, demo)
    return platform_client


def upload(client, content, filename="picture.png", *, token="form"):
    """POST /console/media with the CSRF token in the form (``token="form"``), in the
    X-CSRFToken header (``"header"``) or nowhere (None)."""
    csrf = csrf_from(client, "/console/design")
    data = {"file": (io.BytesIO(content), filename)}
    headers = {**EN, "Accept": "application/json"}
    if token == "form":
        data["csrf_token"] = csrf
    elif token == "header":
        headers["X-CSRFToken"] = csrf
    return client.post("/console/media", data=data, headers=headers, content_type="multipart/form-data")


def uploaded_url(client, content=None, **kwargs):
    response = upload(client, content or image_bytes(), **kwargs)
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()["url"]


def test_an_uploaded_png_is_served_back_on_the_store_host(demo, owner, store_client, media_root):
    response = upload(owner, image_bytes(size=(40, 30)))
    assert response.status_code == 201
    url = response.get_json()["url"]
    match = MEDIA_URL.match(url)
    assert match and int(match.group(1)) == demo.id and url.endswith(".png")
    assert stored_files(media_root) == [f"{demo.id}/{match.group(2)}"]

    served = store_client("demo").get(url)
    assert served.status_code == 200 and served.mimetype == "image/png"
    assert "max-age=31536000" in served.headers["Cache-Control"] and "immutable" in served.headers["Cache-Control"]
    assert "public" in served.headers["Cache-Control"]
    assert Image.open(io.BytesIO(served.data)).size == (40, 30)


@pytest.mark.parametrize(("fmt", "extension", "mimetype"), [
    ("JPEG", "jpg", "image/jpeg"), ("PNG", "png", "image/png"), ("WEBP", "webp", "image/webp")])
def test_each_accepted_format_keeps_its_format(owner, store_client, fmt, extension, mimetype):
    url = uploaded_url(owner, image_bytes(fmt), filename=f"photo.{extension}")
    assert url.endswith(f".{extension}")
    assert store_client("demo").get(url).mimetype == mimetype


def test_a_phones_multi_picture_jpeg_is_accepted_as_a_jpeg(owner, store_client):
    out = io.BytesIO()
    first, second = Image.new("RGB", (30, 20), (10, 10, 10)), Image.new("RGB", (30, 20), (250, 250, 250))
    first.save(out, "MPO", save_all=True, append_images=[second])
    assert Image.open(io.BytesIO(out.getvalue())).format == "MPO"
    url = uploaded_url(owner, out.getvalue(), filename="IMG_0001.jpg")
    assert url.endswith(".jpg") and store_client("demo").get(url).mimetype == "image/jpeg"


def transparent_png(mode):
    """20×20, transparent but for a red square in the middle; ``P`` keeps its transparent
    colour in the metadata the re-encoding drops."""
    out = io.BytesIO()
    if mode == "RGBA":
        image = Image.new("RGBA", (20, 20), (0, 0, 0, 0))
        image.paste((255, 0, 0, 255), (5, 5, 15, 15))
        image.save(out, "PNG")
    else:
        image = Image.new("P", (20, 20), 0)
        image.putpalette([0, 0, 0, 255, 0, 0])
        image.paste(1, (5, 5, 15, 15))
        image.save(out, "PNG", transparency=0)
    return out.getvalue()


@pytest.mark.parametrize("mode", ["RGBA", "P"])
def test_transparency_survives_the_re_encoding(owner, store_client, mode):
    url = uploaded_url(owner, transparent_png(mode))
    stored = Image.open(io.BytesIO(store_client("demo").get(url).data)).convert("RGBA")
    assert stored.getpixel((0, 0))[3] == 0 and stored.getpixel((10, 10)) == (255, 0, 0, 255)


def test_the_csrf_token_may_come_in_the_x_csrftoken_header(owner):
    assert upload(owner, image_bytes(), token="header").status_code == 201


def test_an_upload_without_csrf_token_is_refused(owner, media_root):
    assert upload(owner, image_bytes(), token=None).status_code == 400
    assert stored_files(media_root) == []


def test_the_stored_file_has_no_exif_gps_comment_or_colour_profile(demo, owner, media_root):
    original = jpeg_with_exif()
    assert Image.open(io.BytesIO(original)).getexif()[EXIF_MAKE] == "SpyCam"
    assert "icc_profile" in Image.open(io.BytesIO(original)).info
    url = uploaded_url(owner, original, filename="holiday.jpg")
    stored = (media_root / str(demo.id) / url.rsplit("/", 1)[1]).read_bytes()
    image = Image.open(io.BytesIO(stored))
    assert dict(image.getexif()) == {}
    assert "comment" not in image.info and "exif" not in image.info and "icc_profile" not in image.info
    assert b"SpyCam" not in stored and b"shot at home" not in stored and b"Exif" not in stored


def test_a_photo_taken_sideways_is_stored_upright(owner, store_client):
    url = uploaded_url(owner, jpeg_with_exif(size=(40, 20), orientation=6), filename="sideways.jpg")
    assert Image.open(io.BytesIO(store_client("demo").get(url).data)).size == (20, 40)


def test_bytes_smuggled_after_the_image_do_not_survive(owner, store_client):
    url = uploaded_url(owner, image_bytes() + b"<script>alert(1)</script>", filename="polyglot.png")
    assert b"<script>" not in store_client("demo").get(url).data


def test_an_uploaded_file_gets_a_fresh_name_every_time(owner):
    content = image_bytes()
    assert uploaded_url(owner, content, filename="../../evil.png") != uploaded_url(owner, content)


TOO_BIG = 5 * 1024 * 1024 + 1


@pytest.mark.parametrize(("content", "filename", "message"), [
    (b"just some text", "notes.png", "not an image we can use"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "logo.svg",
     "not an image we can use"),
    (b"<html><script>alert(1)</script></html>", "page.jpg", "not an image we can use"),
    (image_bytes("GIF"), "anim.gif", "Upload a JPEG, PNG or WebP picture"),
    (image_bytes("BMP"), "old.bmp", "Upload a JPEG, PNG or WebP picture"),
    (image_bytes()[:60], "cut.png", "not an image we can use"),
    (b"", "empty.png", "Choose an image file"),
    (b"\x89PNG\r\n\x1a\n" + b"\0" * TOO_BIG, "huge.png", "larger than 5 MB"),
    (image_bytes(size=(4001, 10)), "wide.png", "larger than 4000 × 4000 pixels"),
    (image_bytes(size=(10, 4001)), "tall.png", "larger than 4000 × 4000 pixels"),
])
def test_a_bad_file_is_refused_with_a_problem_and_nothing_is_written(owner, media_root, content, filename, message):
    response = upload(owner, content, filename=filename)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert problem["status"] == 422 and message in problem["detail"]
    assert stored_files(media_root) == []


def test_a_request_without_a_file_is_refused(owner, media_root):
    response = owner.post("/console/media", headers={**EN, "Accept": "application/json"},
                          data={"csrf_token": csrf_from(owner, "/console/design")})
    assert response.status_code == 422 and "Choose an image file" in response.get_json()["detail"]


def test_a_viewer_cannot_upload(demo, platform_client, media_root):
    create_staff(demo, "viewer@demo.example.com", StaffUser.VIEWER)
    login_staff(platform_client, demo, email="viewer@demo.example.com")
    assert upload(platform_client, image_bytes()).status_code == 403
    assert stored_files(media_root) == []


def test_signed_out_visitors_cannot_upload(demo, platform_client, media_root):
    response = platform_client.post("/console/media", data={"file": (io.BytesIO(image_bytes()), "a.png")},
                                    content_type="multipart/form-data")
    assert response.status_code in (302, 400, 401)
    assert stored_files(media_root) == []


def test_another_stores_media_is_not_found_on_a_store_host(demo, tea, owner, store_client):
    url = uploaded_url(owner)
    assert store_client("demo").get(url).status_code == 200
    assert store_client("tea").get(url).status_code == 404
    # The file exists on disk under demo's id, but tea's host never serves demo's folder,
    # nor demo's host a name put under tea's id.
    name = url.rsplit("/", 1)[1]
    assert store_client("demo").get(f"/media/{tea.id}/{name}").status_code == 404


def test_on_the_platform_host_only_the_stores_own_staff_see_its_media(demo, tea, owner, app):
    url = uploaded_url(owner)
    own = owner.get(url)
    assert own.status_code == 200 and "private" in own.headers["Cache-Control"]
    assert app.test_client().get(url).status_code == 404  # signed out
    tea_staff = app.test_client()
    login_staff(tea_staff, tea)
    assert tea_staff.get(url).status_code == 404


def test_a_file_that_is_not_an_upload_is_never_served(demo, store_client, media_root):
    folder = media_root / str(demo.id)
    folder.mkdir(parents=True)
    (folder / "notes.txt").write_text("private")
    (folder / "ABCDEF0123456789abcdef0123456789.png").write_bytes(image_bytes())  # upper case: not a name we hand out
    client = store_client("demo")
    assert client.get(f"/media/{demo.id}/notes.txt").status_code == 404
    assert client.get(f"/media/{demo.id}/ABCDEF0123456789abcdef0123456789.png").status_code == 404


@pytest.mark.parametrize("path", [
    "/media/{id}/../../etc/passwd",
    "/media/{id}/..%2F..%2Fetc%2Fpasswd",
    "/media/{id}/%2e%2e%2f%2e%2e%2fsecret.png",
    "/media/{id}/..",
    "/media/{id}/.",
    "/media/{id}/%00.png",
    "/media/{id}//etc/passwd",
    "/media/../{id}/x.png",
    "/media/{id}/sub%2F0123456789abcdef0123456789abcdef.png",
    "/media/-1/0123456789abcdef0123456789abcdef.png",
])
def test_path_traversal_attempts_are_not_found(demo, store_client, media_root, path):
    secret = media_root / "secret.png"
    media_root.mkdir(parents=True, exist_ok=True)
    secret.write_bytes(image_bytes())
    assert store_client("demo").get(path.format(id=demo.id)).status_code == 404


def test_the_design_form_uploads_a_logo_that_the_storefront_shows(demo, owner, store_client, media_root):
    form = {"csrf_token": csrf_from(owner, "/console/design"), "primary_color": "#07c160", "accent_color": "#ee0a24",
            "background_color": "#f5f5f5", "font": "system", "radius": "10", "logo": "",
            "logo_file": (io.BytesIO(image_bytes()), "logo.png")}
    assert owner.post("/console/design", data=form, content_type="multipart/form-data").status_code == 302
    [stored] = stored_files(media_root)
    body = owner.get("/console/design").get_data(as_text=True)
    assert f'value="/media/{stored}"' in body
    assert store_client("demo").get(f"/media/{stored}").status_code == 200


def test_a_bad_logo_file_writes_nothing(demo, owner, media_root):
    form = {"csrf_token": csrf_from(owner, "/console/design"), "primary_color": "#000000", "accent_color": "#ee0a24",
            "background_color": "#f5f5f5", "font": "system", "radius": "10", "logo": "",
            "logo_file": (io.BytesIO(b"not a picture"), "logo.png")}
    response = owner.post("/console/design", headers=EN, data=form, content_type="multipart/form-data")
    assert response.status_code == 422 and "not an image we can use" in response.get_data(as_text=True)
    assert stored_files(media_root) == []
    assert "#000000" not in owner.get("/console/design").get_data(as_text=True).split('id="primary_color"')[1][:60]


def test_a_valid_logo_with_other_invalid_settings_is_not_stored(demo, owner, media_root):
    form = {"csrf_token": csrf_from(owner, "/console/design"), "primary_color": "green", "accent_color": "#ee0a24",
            "background_color": "#f5f5f5", "font": "system", "radius": "10", "logo": "",
            "logo_file": (io.BytesIO(image_bytes()), "logo.png")}
    response = owner.post("/console/design", headers=EN, data=form, content_type="multipart/form-data")
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and "Choose the picture again" in body and not re.search(r"/media/\d+/", body)
    assert stored_files(media_root) == []


def test_local_storage_refuses_names_it_did_not_hand_out(tmp_path):
    storage = LocalMediaStorage(tmp_path)
    for name in ("../x.png", "a/b.png", "x.exe", "0123456789abcdef0123456789abcdef.svg", ""):
        with pytest.raises(ValueError):
            storage.save(1, name, b"x")
        assert storage.read(1, name) is None
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize(("settings", "complaint"), [
    ({"MEDIA_STORAGE": "ftp"}, "use 'local' or 's3'"),
    ({"MEDIA_STORAGE": "s3", "MEDIA_S3_BUCKET": None}, "MEDIA_S3_BUCKET"),
])
def test_local_is_the_default_backend_and_an_unusable_one_is_refused(app, monkeypatch, settings, complaint):
    with app.app_context():
        assert isinstance(media_storage(), LocalMediaStorage)
        for key, value in settings.items():
            monkeypatch.setitem(app.config, key, value)
        with pytest.raises(StorageConfigError, match=complaint):
            media_storage()
