"""A shopper's visit as the dashboard sees it, on the H5 store: who (the first-party cookie
``ds_vid``, a random id made again every ``VISITOR_ROTATES``, and the member id of the
session) and where from (the last ``utm_source`` that named a channel, kept ``CHANNEL_LASTS``
in ``ds_ch``). Reading them touches no database: the session is a signed cookie."""
import re
import secrets
import time
from datetime import timedelta

from flask import request, session

from commerce.analytics.channels import CHANNELS, DIRECT, channel_of, mini_program_channel
from commerce.analytics.collect import track
from storefront.shopper import MEMBER_KEY

VISITOR_COOKIE = "ds_vid"
CHANNEL_COOKIE = "ds_ch"
VISITOR_ROTATES = timedelta(days=30)
CHANNEL_LASTS = timedelta(hours=24)


def _read_visitor(value, now):
    """``(id, issued)`` of a cookie value ``<id>.<issued, Unix seconds>`` still young enough, else None."""
    token, _, issued = (value or "").partition(".")
    if not (8 <= len(token) <= 32 and issued.isdigit()):
        return None
    if not 0 <= now - int(issued) < VISITOR_ROTATES.total_seconds():
        return None
    return token, int(issued)


def visitor_id():
    """The visitor id of this browser, or None before ``beacon.js`` gave it one."""
    found = _read_visitor(request.cookies.get(VISITOR_COOKIE), int(time.time()))
    return found[0] if found else None


def visit_channel(utm_source=None):
    """The channel of this request: its own ``utm_source`` if it names one, else the last
    one remembered in ``ds_ch``, else ``direct``."""
    channel = channel_of(utm_source=utm_source)
    if channel != DIRECT:
        return channel
    remembered = request.cookies.get(CHANNEL_COOKIE)
    return remembered if remembered in CHANNELS else DIRECT


def track_visit(kind, *, visitor=None, channel=None, **fields):
    """``track`` an event of this shopper: visitor, member and channel from the request."""
    track(kind, visitor_id=visitor or visitor_id(), member_id=session.get(MEMBER_KEY),
          channel=channel or visit_channel(), **fields)


def search_words(query):
    """The words of a search as the dashboard groups them: spaces collapsed, Latin lower-cased."""
    return " ".join(query.split()).lower()[:60]


def remember_visit(response, channel, *, now=None):
    """Give the browser its visitor id (a new one when it has none or it is ``VISITOR_ROTATES``
    old) and remember ``channel`` as the last touch when it is not ``direct``; returns the
    visitor id."""
    now = int(now if now is not None else time.time())
    found = _read_visitor(request.cookies.get(VISITOR_COOKIE), now)
    if found is None:
        found = (secrets.token_urlsafe(12), now)
        response.set_cookie(VISITOR_COOKIE, f"{found[0]}.{now}", max_age=int(VISITOR_ROTATES.total_seconds()),
                            httponly=True, samesite="Lax", secure=request.is_secure)
    if channel != DIRECT and request.cookies.get(CHANNEL_COOKIE) != channel:
        response.set_cookie(CHANNEL_COOKIE, channel, max_age=int(CHANNEL_LASTS.total_seconds()),
                            httponly=True, samesite="Lax", secure=request.is_secure)
    return found[0]


# --- the mini-program --------------------------------------------------------------------
# Its visitor id is random, made and kept by the client (``utils/track.js``), never derived
# from the member; api.js sends it and WeChat's scene value on every call.
VISITOR_HEADER = "X-Duoshop-Visitor"
SCENE_HEADER = "X-Duoshop-Scene"
SOURCE_HEADER = "X-Duoshop-Source"  # the utm_source of the share link it was opened by, which wins
VISITOR_ID = re.compile(r"^[A-Za-z0-9_-]{8,40}$")


def api_visitor():
    """``(visitor id or None, channel)`` of a mini-program request, from its headers."""
    visitor = request.headers.get(VISITOR_HEADER, "")
    scene = request.headers.get(SCENE_HEADER, "")
    channel = mini_program_channel(request.headers.get(SOURCE_HEADER), int(scene) if scene.isdigit() and len(scene) <= 6 else None)
    return (visitor if VISITOR_ID.match(visitor) else None), channel


def track_api(kind, *, member_id, **fields):
    """``track`` an event of a mini-program shopper (the member the token named)."""
    visitor, channel = api_visitor()
    track(kind, visitor_id=visitor, member_id=member_id, channel=channel, **fields)
