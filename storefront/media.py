"""Serving stores' media: ``GET /media/<tenant_id>/<name>``.

On a store host a file is served only when the id is that store's own, so one store's
address never shows another store's files. On the platform host (the console's editor
preview) only signed-in staff of that store get it. Names are random and never reused, so
a file can be cached for a year.
"""
from flask import Blueprint, abort, g, send_file
from flask_login import current_user

from core.storage import media_storage
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
    path = media_storage().open(tenant_id, name)
    if path is None:
        abort(404)
    response = send_file(path, max_age=YEAR, conditional=True, etag=True)
    if g.site == STORE:
        response.cache_control.public = True
        response.cache_control.immutable = True
    else:
        response.cache_control.private = True  # staff-only on the platform host: no shared caches
    return response
