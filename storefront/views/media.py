"""Serving stores' media: ``GET /media/<tenant_id>/<name>``.

On a store host a file is served only when the id is that store's own, so one store's
address never shows another store's files. On the platform host (the console's editor
preview) only signed-in staff of that store get it. Names are random and never reused, so
a file can be cached for a year.

Both storage backends are served the same way: the bytes come from
``media_storage().read`` and go out from here, with the type of the name's extension and
an ETag of the content. With S3 we stream rather than redirect to the bucket or a CDN:
the bucket stays private, and the rules above (a store host, staff only on the platform
host) keep holding — a public bucket URL would answer anyone. A CDN goes in front of the
store hosts instead; the storefront answers are ``public, immutable`` for a year.
"""
import hashlib

from flask import Blueprint, abort, current_app, g, request
from flask_login import current_user

from core.storage import media_storage, media_type
from tenants.middleware import PLATFORM, STORE
from tenants.models import StaffUser

media_bp = Blueprint("media", __name__)  # both sites: the rules differ, see ``may_see_media``

YEAR = 365 * 24 * 3600


def may_see_media(tenant_id):
    if g.get("site") == STORE:
        return g.get("tenant") is not None and g.tenant.id == tenant_id
    if g.get("site") == PLATFORM:
        user = current_user._get_current_object()
        return isinstance(user, StaffUser) and user.tenant_id == tenant_id
    return False


@media_bp.route("/media/<int:tenant_id>/<name>")
def media_file(tenant_id, name):
    """:raise 404: not this store's file, not signed in as its staff, or no such file"""
    if not may_see_media(tenant_id):
        abort(404)
    content = media_storage().read(tenant_id, name)
    if content is None:
        abort(404)
    response = current_app.response_class(content, mimetype=media_type(name))
    response.set_etag(hashlib.sha256(content).hexdigest()[:32])
    response.cache_control.max_age = YEAR
    if g.site == STORE:
        response.cache_control.public = True
        response.cache_control.immutable = True
    else:
        response.cache_control.private = True  # staff-only on the platform host: no shared caches
    return response.make_conditional(request)
