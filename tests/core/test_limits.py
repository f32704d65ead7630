"""core/limits.py: views with no rate limit skip Flask-Limiter's per-request work; a view
with one is always checked (the limits themselves are tested where they are: sign-in,
sign-up, bargains, the beacon)."""
import pytest

from core.extensions import limiter


def verdict(app, path, method="GET", host="duoshop.test"):
    with app.test_request_context(path, method=method, base_url=f"http://{host}"):
        return app.extensions["duoshop_no_limit_applies"]()


def test_a_view_without_a_limit_is_skipped(app):
    assert verdict(app, "/") is True
    assert verdict(app, "/", host="demo.duoshop.test") is True  # the storefront's home
    assert verdict(app, "/products/1", host="demo.duoshop.test") is True


@pytest.mark.parametrize(("path", "method", "host"), [
    ("/console/login", "POST", "duoshop.test"),
    ("/console/login", "GET", "duoshop.test"),  # the limit counts POSTs; Flask-Limiter decides that
    ("/signup", "POST", "duoshop.test"),
    ("/platform/login", "POST", "duoshop.test"),
])
def test_a_view_with_a_limit_is_always_checked(app, path, method, host):
    assert verdict(app, path, method, host) is False


def test_a_limit_met_inside_a_view_is_checked_from_then_on(app):
    assert verdict(app, "/products", host="demo.duoshop.test") is True
    with app.test_request_context("/products", base_url="http://demo.duoshop.test"):
        limiter.limit_manager.add_endpoint_hint("storefront.products", "somewhere.inside")
    try:
        assert verdict(app, "/products", host="demo.duoshop.test") is False
    finally:
        limiter.limit_manager._endpoint_hints.pop("storefront.products", None)


def test_flask_limiter_still_keeps_what_the_filter_reads():
    """The filter reads Flask-Limiter's own record of limited views: an upgrade that moves it fails here."""
    assert isinstance(limiter._marked_for_limiting, set) and limiter._marked_for_limiting
    assert isinstance(limiter.limit_manager._blueprint_limits, dict)
    assert isinstance(limiter._meta_limits, list) and isinstance(limiter._in_memory_fallback, list)
    assert any(name.endswith(".login") for name in limiter._marked_for_limiting)
