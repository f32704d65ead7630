"""Version counters behind the page cache: a bump shows at once in the process that made
it, and within CACHE_VERSION_MEMO_SECONDS in the others (simulated here by a bump made
straight in the shared backend, as another web process would)."""
from core import cache


def test_a_bump_elsewhere_shows_after_the_memo_expires_and_a_local_bump_at_once(app_ctx, monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(cache.time, "monotonic", lambda: clock[0])
    first, other_store = cache.current_versions(7, "pages")[0], cache.current_versions(8, "pages")
    app_ctx.extensions["duoshop_cache"].incr("t7:version:pages")  # another process publishes
    assert cache.current_versions(7, "pages") == [first]
    clock[0] += 1.01
    assert cache.current_versions(7, "pages") == [first + 1]
    cache.bump_version(7, "pages")  # this process publishes
    assert cache.current_versions(7, "pages") == [first + 2]
    clock[0] += 1.01
    assert cache.current_versions(8, "pages") == other_store  # another store's counter is its own


def test_the_memo_can_be_turned_off(app_ctx, monkeypatch):
    monkeypatch.setitem(app_ctx.config, "CACHE_VERSION_MEMO_SECONDS", 0)
    first = cache.current_versions(9, "catalog")[0]
    app_ctx.extensions["duoshop_cache"].incr("t9:version:catalog")
    assert cache.current_versions(9, "catalog") == [first + 1]
