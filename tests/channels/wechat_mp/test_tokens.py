"""The official account's access token: kept per store, refreshed when stale or refused, and
asked of WeChat once however many workers find it stale at the same moment."""
import threading

import pytest

from channels.wechat_mp.accounts import account_of
from channels.wechat_mp.tokens import access_token
from core.extensions import db
from core.tenancy import tenant_context
from tests.channels.wechat_mp.conftest import TEA_APPID, bind
from tests.factories import create_store


@pytest.fixture
def demo(app_ctx):
    store = create_store("demo")
    bind(store)
    return store


def token_of(store):
    with tenant_context(store.id):
        token = access_token(account_of())
        db.session.commit()
        return token


def test_the_token_is_kept_and_each_store_has_its_own(demo, mp, app_ctx):
    tea = create_store("tea")
    bind(tea, TEA_APPID)
    first = token_of(demo)
    assert token_of(demo) == first and mp.tokens_issued == 1  # kept, not asked again
    assert token_of(tea) != first and mp.tokens_issued == 2
    assert mp.appid_of(first, "/check") != mp.appid_of(token_of(tea), "/check")


@pytest.mark.postgres
def test_workers_finding_the_token_stale_at_once_ask_wechat_once(demo, mp, app):
    db.session.rollback()
    tokens, start = [], threading.Barrier(6)

    def work():
        with app.app_context():
            start.wait()
            tokens.append(token_of(demo))

    threads = [threading.Thread(target=work) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(tokens)) == 1 and len(tokens) == 6
    assert mp.tokens_issued == 1
