"""The tokens WeChat's open platform runs on.

``component_access_token`` is the platform's: it lives two hours and each refresh needs the
latest component_verify_ticket. Every process may find it stale at once; the refresh locks
the credential row (``SELECT … FOR UPDATE`` on PostgreSQL; a process lock covers threads
on SQLite, which has no row locks), looks again, and only the first asks WeChat — the others
wait for the lock and take its token. An authoriser's access token is refreshed with the
refresh token stored, encrypted, on its authorisation."""
import threading
from contextlib import nullcontext
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from channels.wechat_open import client
from channels.wechat_open.errors import PublishingRefused
from channels.wechat_open.models import ComponentCredential
from core.extensions import db
from core.models import utcnow
from tenants.models import MiniProgram

REFRESH_MARGIN = timedelta(minutes=10)  # refresh this long before WeChat's expiry
_in_process = threading.Lock()


def _fresh(token, expires_at, now):
    return bool(token) and expires_at is not None and expires_at - REFRESH_MARGIN > now


def store_verify_ticket(ticket, *, now=None):
    """Keep the newest component_verify_ticket (pushed every ten minutes), in a transaction
    of its own so a slow request never holds the row."""
    now = now or utcnow()
    table = ComponentCredential.__table__
    appid = client.component_appid()
    with db.engine.begin() as conn:
        changed = conn.execute(update(table).where(table.c.component_appid == appid)
                               .values(verify_ticket=ticket, verify_ticket_at=now, updated_at=now)).rowcount
        if not changed:
            conn.execute(table.insert().values(component_appid=appid, verify_ticket=ticket, verify_ticket_at=now,
                                               refreshes=0, created_at=now, updated_at=now))


def component_access_token(*, now=None):
    """The platform's component_access_token, refreshed at most once across processes.

    :raise PublishingRefused: no component_verify_ticket has arrived yet
    :raise WeChatOpenError, OutcomeUnknown: WeChat refused or could not be reached
    """
    now = now or utcnow()
    table = ComponentCredential.__table__
    appid = client.component_appid()
    with db.engine.connect() as conn:
        row = conn.execute(select(table.c.access_token, table.c.access_token_expires_at)
                           .where(table.c.component_appid == appid)).first()
    if row is not None and _fresh(row.access_token, row.access_token_expires_at, now):
        return row.access_token
    # SQLite has no row locks (a single-process database anyway): there threads queue here.
    with _in_process if db.engine.dialect.name == "sqlite" else nullcontext(), db.engine.begin() as conn:
        row = conn.execute(select(table).where(table.c.component_appid == appid).with_for_update()).first()
        if row is None or not row.verify_ticket:
            raise PublishingRefused(_l("WeChat has not sent the platform its ticket yet. Try again in a minute."),
                                    status=503)
        if _fresh(row.access_token, row.access_token_expires_at, now):
            return row.access_token  # another process refreshed it while this one waited for the lock
        token, expires_in = client.fetch_component_token(row.verify_ticket)
        conn.execute(update(table).where(table.c.component_appid == appid).values(
            access_token=token, access_token_expires_at=now + timedelta(seconds=expires_in),
            refreshes=table.c.refreshes + 1, updated_at=now))
    current_app.logger.info("component_access_token refreshed")
    return token


def authorizer_access_token(authorization, *, now=None):
    """The authoriser's access token for code management (refreshed and kept when stale).

    :raise PublishingRefused: the merchant took the authorisation back
    """
    now = now or utcnow()
    if not authorization.is_active():
        raise PublishingRefused(_l("The mini-program is not authorised to Duoshop. Authorise it again."))
    if _fresh(authorization.access_token, authorization.access_token_expires_at, now):
        return authorization.access_token
    appid = authorization_appid(authorization)
    body = client.refresh_authorizer_token(component_access_token(now=now), appid, authorization.refresh_token)
    authorization.access_token = body["authorizer_access_token"]
    authorization.access_token_expires_at = now + timedelta(seconds=int(body.get("expires_in") or 7200))
    authorization.refresh_token = body.get("authorizer_refresh_token") or authorization.refresh_token
    db.session.flush()
    return authorization.access_token


def authorization_appid(authorization):
    return db.session.get(MiniProgram, authorization.mini_program_id).appid
