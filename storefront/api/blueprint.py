"""The /api/v1 blueprint and what every route shares: the store it answers for, the member
behind the bearer token, absolute links, and the caching rules (published content is public
for a minute; anything about a shopper is never stored)."""
from flask import Blueprint, g, request
from flask_babel import lazy_gettext as _l

from commerce.members.wechat_login import NotAuthenticated, member_from_api_token, member_id_in_api_token
from core.extensions import csrf
from storefront.api.spec import InvalidParameters
from tenants.resolve import StoreNotFound, store_origin

api_bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(api_bp)  # the API authenticates by token, never by cookie

STORE_FREE_ENDPOINTS = {"api.openapi_json"}  # served on the platform host without an AppID
MAX_ID = 2**31 - 1  # ids are 32-bit in the database; a larger one names nothing


class BadParameter(InvalidParameters):
    """One parameter the models accepted but the store cannot use (a cursor it never issued)."""

    code = "invalid_parameter"

    def __init__(self, name, message):
        super().__init__([{"loc": (name,), "msg": str(message)}])
        self.message = message


@api_bp.before_request
def api_needs_store():
    """:raise StoreNotFound: the request names no store (platform host without AppID)"""
    if request.endpoint in STORE_FREE_ENDPOINTS:
        return
    if g.get("tenant") is None:
        raise StoreNotFound("no AppID")


@api_bp.after_request
def cache_published_content(response):
    if (request.method in ("GET", "HEAD") and response.status_code == 200 and not response.cache_control.no_cache
            and not response.cache_control.no_store and response.cache_control.max_age is None):
        response.cache_control.public = True
        response.cache_control.max_age = 60
        response.vary.update(("X-Duoshop-AppID", "Referer", "Accept-Language"))
    return response


def private(response):
    """Mark an answer about one shopper: never kept by a cache on the way."""
    response.cache_control.private = True
    response.cache_control.no_store = True
    response.cache_control.max_age = 0
    return response


def current_api_member():
    """The member named by the ``Authorization: Bearer`` token, in this store.

    :raise NotAuthenticated: no token, or a forged, expired or other store's one
    """
    return member_from_api_token(_bearer_token(), g.tenant.id)


def check_api_token():
    """The bearer token's signature alone (no database work), for what must answer before
    any: the flash-sale gate. :raise NotAuthenticated: no token, or a forged, expired or other
    store's one; returns the member id it names"""
    return member_id_in_api_token(_bearer_token(), g.tenant.id)


def _bearer_token():
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise NotAuthenticated(_l("Send the token from POST /api/v1/session as Authorization: Bearer <token>."))
    return token.strip()


def absolute(path):
    """A path of the store's (``/media/…``, ``/p/12``) as a link anyone can open; None stays None."""
    if path is None or path.startswith(("http://", "https://")):
        return path
    return store_origin(g.tenant) + path
