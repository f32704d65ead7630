"""An oversized upload (over MAX_CONTENT_LENGTH) keeps the merchant on the page that sent it,
with the image limit stated; API and JSON callers get a problem body that states it."""
import io

import pytest

from core.config import MAX_IMAGE_MB
from tests.conftest import PLATFORM_HOST, csrf_from
from tests.factories import create_product, create_store, login_staff

TWENTY_MB = b"\xff" * (20 * 1024 * 1024)


@pytest.fixture
def demo(app_ctx):
    return create_store("demo")


@pytest.fixture
def console(demo, platform_client):
    login_staff(platform_client, demo)
    return platform_client


def send_huge(client, path, token, **headers):
    return client.post(path, content_type="multipart/form-data", headers=headers,
                       data={"csrf_token": token, "file": (io.BytesIO(TWENTY_MB), "huge.jpg")})


def test_a_20_mb_upload_on_the_product_page_returns_to_the_form_with_the_limit_in_chinese(console, demo):
    product_id = create_product(demo, "纯棉T恤")
    form = f"/console/products/{product_id}"
    token = csrf_from(console, form)
    response = send_huge(console, f"{form}/images", token, Referer=f"http://{PLATFORM_HOST}{form}",
                         **{"Accept-Language": "zh-CN,zh;q=0.9"})
    assert response.status_code == 303
    assert response.headers["Location"] == form
    page = console.get(form, headers={"Accept-Language": "zh-CN,zh;q=0.9"}).get_data(as_text=True)
    assert f"文件太大：图片最大 {MAX_IMAGE_MB} MB" in page
    assert 'name="file"' in page and "纯棉T恤" in page  # the product form, still signed in


@pytest.mark.parametrize("referrer", [
    "http://evil.example/console/products", "//evil.example/x", "javascript:alert(1)",
    f"http://{PLATFORM_HOST}\\@evil.example/", f"https://{PLATFORM_HOST}.evil.example/console", f"http://{PLATFORM_HOST}//evil.example", "",
])
def test_an_oversized_upload_from_elsewhere_gets_the_error_page_stating_the_limit(console, demo, referrer):
    token = csrf_from(console, "/console/media")
    response = send_huge(console, "/console/media/library", token, Referer=referrer, **{"Accept-Language": "en"})
    assert response.status_code == 413
    assert f"an image can be at most {MAX_IMAGE_MB} MB" in response.get_data(as_text=True)


def test_the_page_editors_upload_gets_a_problem_body_stating_the_limit(console):
    token = csrf_from(console, "/console/media")
    response = send_huge(console, "/console/media", token, Accept="application/json",
                         Referer=f"http://{PLATFORM_HOST}/console/pages/1", **{"Accept-Language": "zh"})
    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"
    assert response.json["status"] == 413 and f"{MAX_IMAGE_MB} MB" in response.json["detail"]
    assert response.json["max_bytes"] == MAX_IMAGE_MB * 1024 * 1024


def test_an_oversized_api_request_gets_a_problem_body(demo, store_client):
    response = store_client("demo").post("/api/v1/session", data=TWENTY_MB, content_type="application/json",
                                          headers={"Accept-Language": "en"})
    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"
    assert f"at most {MAX_IMAGE_MB} MB" in response.json["detail"]


def test_every_page_carries_the_browsers_own_file_check_with_the_limit(console, demo, store_client):
    for page in (console.get("/console/media"), store_client("demo").get("/")):
        body = page.get_data(as_text=True)
        assert "js/file-limits.js" in body and f'data-max-bytes="{MAX_IMAGE_MB * 1024 * 1024}"' in body
