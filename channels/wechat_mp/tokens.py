"""The official account's access token (two hours; kept encrypted on the account row and
refreshed this long before it expires, or at once when WeChat calls it invalid) and its
JS-SDK ticket (cached per store with the same margin).

A refresh re-reads the account row ``FOR UPDATE`` (PostgreSQL), so two workers that both
find the token stale ask WeChat once: the second waits and takes the first one's token."""
from datetime import timedelta

from sqlalchemy import select

from channels.wechat_mp import client
from channels.wechat_mp.models import OfficialAccount
from channels.wechat_open.errors import WeChatOpenError
from core.cache import cache_get, cache_set
from core.extensions import db
from core.models import utcnow

MARGIN = timedelta(minutes=5)
TICKET_KEY = "wechat_mp:jsapi_ticket"


def _fresh(account, now):
    return bool(account.access_token) and account.access_token_expires_at is not None \
        and account.access_token_expires_at - MARGIN > now


def access_token(account, *, force=False, now=None):
    """A working access token of ``account``; ``force`` fetches a new one (WeChat refused the last)."""
    now = now or utcnow()
    if not force and _fresh(account, now):
        return account.access_token
    stale = account.access_token
    db.session.scalar(select(OfficialAccount).where(OfficialAccount.id == account.id)
                      .with_for_update().execution_options(populate_existing=True))
    if _fresh(account, now) and (not force or account.access_token != stale):
        return account.access_token  # another worker refreshed it while this one waited
    token, expires_in = client.fetch_access_token(account.appid, account.app_secret)
    account.access_token, account.access_token_expires_at = token, now + timedelta(seconds=expires_in)
    db.session.flush()
    return token


def with_token(account, call):
    """``call(token)``, once more with a fresh token when WeChat says the token expired."""
    try:
        return call(access_token(account))
    except WeChatOpenError as refusal:
        if refusal.errcode not in client.TOKEN_ERRCODES:
            raise
        return call(access_token(account, force=True))


def jsapi_ticket(account):
    """The account's JS-SDK ticket, cached per store (the cache key is in the store's space)."""
    ticket = cache_get(account.tenant_id, TICKET_KEY)
    if ticket:
        return ticket
    ticket, expires_in = with_token(account, client.fetch_jsapi_ticket)
    cache_set(account.tenant_id, TICKET_KEY, ticket, ttl=max(expires_in - int(MARGIN.total_seconds()), 60))
    return ticket
