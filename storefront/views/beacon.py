"""``POST /t``: the beacon a store page sends when it is shown (``beacon.js``), so pages
served whole from the cache are counted without a database write on their way out. It
answers 204 at once: the event goes to the process's buffer (``commerce.analytics.collect``),
the visitor and channel cookies are set, nothing is read or written in the database."""
from flask import Response

from commerce.analytics.events import PAGE_VIEW, PRODUCT_VIEW
from core.extensions import csrf, limiter
from core.security import require_same_origin
from storefront.blueprints import storefront_bp
from storefront.forms import BeaconForm
from storefront.visits import remember_visit, track_visit, visit_channel

BEACON_RATE_LIMIT = "120 per minute"  # per client address: a page a second and more, never a flood


@storefront_bp.route("/t", methods=["POST"])
@csrf.exempt  # sent from cached pages, which carry no per-session token: checked by origin instead
@limiter.limit(BEACON_RATE_LIMIT)
def beacon():
    """Count a page shown; 204 whatever it said (a beacon's answer is never read), 403 from another site."""
    require_same_origin()
    form = BeaconForm()
    response = Response(status=204)
    if not form.validate():
        return response
    channel = visit_channel(form.utm_source.data)
    visitor = remember_visit(response, channel)
    product_id = form.product_id.data if form.page.data == "product" else None
    track_visit(PRODUCT_VIEW if product_id else PAGE_VIEW, visitor=visitor, channel=channel, page=form.page.data,
                product_id=product_id)
    return response
