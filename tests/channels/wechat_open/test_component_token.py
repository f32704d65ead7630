"""component_access_token: cached, refreshed before it expires, and however many callers
find it stale at once, WeChat is asked once."""
import threading
from datetime import timedelta

import pytest
from sqlalchemy import update

from channels.wechat_open.errors import PublishingRefused
from channels.wechat_open.models import ComponentCredential
from channels.wechat_open.tokens import REFRESH_MARGIN, component_access_token
from core.extensions import db
from core.models import utcnow


def expire_token(app, *, at):
    db.session.execute(update(ComponentCredential).where(
        ComponentCredential.component_appid == app.config["WECHAT_COMPONENT_APPID"]).values(access_token_expires_at=at))
    db.session.commit()


def test_the_token_is_fetched_once_and_then_reused(open_platform):
    tokens = {component_access_token() for _ in range(5)}
    assert len(tokens) == 1
    assert open_platform.component_tokens_issued == 1


def test_the_token_is_refreshed_before_it_expires(app, open_platform):
    first = component_access_token()
    expire_token(app, at=utcnow() + REFRESH_MARGIN - timedelta(seconds=30))  # still valid at WeChat, but soon not
    second = component_access_token()
    assert second != first
    assert open_platform.component_tokens_issued == 2
    open_platform.check_component_token(second)


def test_without_a_ticket_there_is_no_token_and_wechat_is_not_asked(app, app_ctx):
    with pytest.raises(PublishingRefused):
        component_access_token()


@pytest.mark.postgres
def test_concurrent_callers_cause_one_refresh_at_wechat(app, open_platform):
    """Eight threads, each its own connection (as separate processes would be), find the
    token expired at the same moment: the row lock lets one ask WeChat."""
    component_access_token()
    expire_token(app, at=utcnow() - timedelta(minutes=1))
    count, barrier, seen, errors = 8, threading.Barrier(8, timeout=60), [], []

    def caller():
        with app.app_context():
            try:
                barrier.wait(timeout=10)
                seen.append(component_access_token())
            except Exception as error:  # noqa: BLE001 — reported by the assertion below
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=caller) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert len(seen) == count and len(set(seen)) == 1
    assert open_platform.component_tokens_issued == 2  # the first fetch and ONE refresh
