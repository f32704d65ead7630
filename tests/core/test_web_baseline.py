"""Errors, security headers, CSRF and request ids: the same everywhere."""
import logging

import pytest
from flask import abort

from core.security import frameable_by_console
from duoshop.app import create_app
from tests.conftest import HostClient
from tests.factories import create_store, login_staff


@pytest.fixture
def demo(app_ctx):
    return create_store("demo")


def test_security_headers_on_every_page(demo, platform_client, store_client):
    for response in (platform_client.get("/"), store_client("demo").get("/")):
        csp = response.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_unknown_page_is_a_friendly_404_page(demo, platform_client):
    response = platform_client.get("/no/such/page", headers={"Accept-Language": "en"})
    assert response.status_code == 404
    assert "We could not find what you were looking for." in response.get_data(as_text=True)


def test_api_errors_are_problem_details(demo, store_client):
    response = store_client("demo").get("/api/v1/products/999999", headers={"Accept-Language": "en"})
    assert response.status_code == 404 and response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["title"] == "Page not found" and body["status"] == 404 and body["instance"] == "/api/v1/products/999999"
    assert body["request_id"] == response.headers["X-Request-ID"]


def test_wrong_method_is_405_with_allow_header(demo, platform_client):
    response = platform_client.delete("/signup")
    assert response.status_code == 405 and "GET" in response.headers["Allow"]


@pytest.fixture
def probe_app(app_overrides):
    """A second app on the same database, with routes that fail or log on purpose."""
    probe = create_app("test", overrides=app_overrides)
    probe.test_client_class = HostClient

    @probe.route("/boom-for-test")
    def boom():
        raise RuntimeError("secret internal detail")

    @probe.route("/preview-for-test")
    @frameable_by_console
    def preview():
        return "preview"

    @probe.route("/log-for-test")
    def log_line():
        logging.getLogger("duoshop.test").warning("hello")
        abort(418)

    return probe


def test_unexpected_error_shows_a_page_without_a_traceback_and_logs_it(probe_app, demo, caplog):
    with caplog.at_level(logging.ERROR):
        response = probe_app.test_client().get("/boom-for-test", headers={"Accept-Language": "en"})
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Something went wrong" in body and "secret internal detail" not in body and "Traceback" not in body
    record = next(r for r in caplog.records if r.levelno == logging.ERROR)
    assert record.request_id == response.headers["X-Request-ID"]


def test_log_lines_carry_the_tenant_of_the_request(probe_app, demo, caplog):
    with caplog.at_level(logging.WARNING):
        probe_app.test_client(host="demo.duoshop.test").get("/log-for-test")
    record = next(r for r in caplog.records if r.getMessage() == "hello")
    assert record.tenant_id == demo.id and len(record.request_id) == 32


def test_incoming_request_id_is_kept(demo, platform_client):
    response = platform_client.get("/", headers={"X-Request-ID": "abc123def456"})
    assert response.headers["X-Request-ID"] == "abc123def456"


@pytest.mark.parametrize("path", ["/console/logout", "/console/staff/invite", "/console/settings", "/lang/en"])
def test_console_posts_without_csrf_token_are_refused(demo, platform_client, path):
    login_staff(platform_client, demo)
    assert platform_client.post(path, data={"email": "a@example.com", "role": "viewer", "name": "x"}).status_code == 400


def test_login_post_without_csrf_token_is_refused(demo, platform_client):
    response = platform_client.post("/console/login", data={"slug": "demo", "email": demo.owner_email,
                                                            "password": demo.password})
    assert response.status_code == 400


def test_session_cookie_flags(demo, platform_client):
    response = login_staff(platform_client, demo)
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Domain" not in cookie


def test_only_views_marked_for_the_builder_preview_may_be_framed_by_the_console(probe_app, demo):
    client = probe_app.test_client(host="demo.duoshop.test")
    preview = client.get("/preview-for-test")
    assert "X-Frame-Options" not in preview.headers
    assert "frame-ancestors http://duoshop.test" in preview.headers["Content-Security-Policy"]
    assert client.get("/").headers["X-Frame-Options"] == "DENY"
