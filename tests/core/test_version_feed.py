"""The version feed: a bump made by another web process (another host) shows at once in this
one, although this one remembers versions for a second; when the feed is cut, nothing
remembered is trusted. "Another process" is a second app on the same Redis and prefix."""
import pytest

from core import cache
from duoshop.app import create_app

pytestmark = pytest.mark.redis

CLOSED_PORT = "redis://127.0.0.1:1/0"


@pytest.fixture
def other_host(app_overrides):
    """A second web process of the same deployment: same Redis, same key prefix."""
    return create_app("test", overrides=app_overrides)


def versions(app, tenant_id, name):
    with app.app_context():
        return cache.current_versions(tenant_id, name)[0]


def test_a_bump_on_another_host_shows_at_once_although_versions_are_remembered(app, other_host):
    before, other_store = versions(app, 61, "catalog"), versions(app, 62, "catalog")  # both remembered here now
    with other_host.app_context():
        cache.bump_version(61, "catalog")
    assert versions(app, 61, "catalog") == before + 1
    assert versions(app, 62, "catalog") == other_store  # another store's counter is its own
    with app.app_context():
        cache.bump_version(61, "catalog")
    assert versions(other_host, 61, "catalog") == before + 2


def test_while_the_feed_is_cut_remembered_versions_are_not_trusted(app, other_host):
    before = versions(app, 63, "pages")
    feed = app.extensions["duoshop_version_feed"]
    with app.app_context():
        feed.catch_up(app.extensions["duoshop_version_memo"])
    _, port = feed._pubsub.connection._sock.getsockname()  # noqa: SLF001 — which connection is the feed's
    app.extensions["duoshop_cache"].redis.client_kill(f"127.0.0.1:{port}")  # it drops, as when Redis restarts
    app.extensions["duoshop_cache"].incr("t63:version:pages")  # a bump whose announcement this process misses
    assert versions(app, 63, "pages") == before + 1
    with other_host.app_context():
        cache.bump_version(63, "pages")
    assert versions(app, 63, "pages") == before + 2  # connected again, and hearing bumps
    feed._pubsub.connection.disconnect()  # noqa: SLF001 — redis-py would connect again by itself,
    app.extensions["duoshop_cache"].incr("t63:version:pages")  # deaf to what was said in between
    assert versions(app, 63, "pages") == before + 3


def test_with_redis_away_the_feed_steps_aside_and_versions_are_unknown(app_overrides):
    away = create_app("test", overrides={**app_overrides, "REDIS_URL": CLOSED_PORT,
                                         "RATELIMIT_STORAGE_URI": "memory://", "JOB_MODE": "eager"})
    with away.app_context():
        assert cache.current_versions(64, "pages")[0] < 0
        assert away.extensions["duoshop_version_feed"].catch_up({}) is False


def test_a_store_changed_on_another_host_is_routed_afresh_at_once(app, other_host, app_ctx):
    from tenants import resolve
    from tests.factories import create_store

    create_store("demo", name="Demo Shop")
    route = lambda: resolve.resolve_tenant("demo.duoshop.test", platform_domain="duoshop.test").tenant  # noqa: E731
    with app.app_context():
        kept = route()
        assert cache.hear_other_processes()  # caught up with what came before (the store's own creation)
        resolve._routes[("host", "demo.duoshop.test")] = (  # noqa: SLF001 — as this process remembers it,
            float("inf"), resolve.StoreRef(**{**kept.__dict__, "name": "Old Name"}))  # before the rename elsewhere
        assert route().name == "Old Name"
    with other_host.app_context():  # another host commits a change to the store and tells everyone
        assert cache.announce(resolve.ROUTES_CHANGED) is True
    with app.app_context():
        assert route().name == "Demo Shop"


def test_a_version_read_while_another_thread_hears_a_bump_is_not_remembered(app, other_host, monkeypatch):
    before = versions(app, 65, "catalog")
    backend = app.extensions["duoshop_cache"]
    read = backend.get_many

    def read_then_hear_a_bump(keys):
        values = read(keys)  # the old value is on its way back to this request …
        with other_host.app_context():
            cache.bump_version(65, "catalog")
        assert cache.hear_other_processes()  # … while another request of this process hears the bump
        return values

    with app.app_context():
        app.extensions["duoshop_version_memo"].clear()
        monkeypatch.setattr(backend, "get_many", read_then_hear_a_bump)
        assert cache.current_versions(65, "catalog") == [before]
        monkeypatch.setattr(backend, "get_many", read)
        assert cache.current_versions(65, "catalog") == [before + 1]  # not the old value, remembered
