"""WeChat share cards on the store's pages. Every page carries ``share.js`` (its HTML is the
same for every visitor: anonymous pages are served from a shared cache); inside WeChat's
browser the script loads WeChat's JS-SDK (pinned by its SRI hash, allowed by this request's
CSP), asks ``/wechat/share-config`` for the page's signed ``wx.config`` and sets the card
(``updateAppMessageShareData`` / ``updateTimelineShareData``) from the page's
``duoshop:share-*`` meta tags (og: tags and the title otherwise)."""
from urllib.parse import urlsplit

from flask import abort, g, jsonify, request

from channels.wechat_mp.errors import NotBound
from channels.wechat_mp.jssdk import share_config
from core.script_integrity import inventory, script_available
from core.security import allow_script_from
from storefront.blueprints import storefront_bp
from storefront.shopper import in_wechat
from storefront.wechat_address import JSSDK_ORIGIN, JSSDK_SCRIPT, JSSDK_URL
from tenants.middleware import STORE


# App-wide (the store's home ``/`` is the app's own route), for store hosts only.
@storefront_bp.app_context_processor
def _share_cards():
    """``share_cards``: whether the page carries ``share.js`` — when the JS-SDK is pinned, and
    not on the payment pages (``pinned_scripts``), which load nothing beyond paying."""
    return {"share_cards": g.get("site") == STORE and not g.get("scripts_pinned")
            and script_available(JSSDK_SCRIPT)}


@storefront_bp.before_app_request
def _allow_the_sdk_inside_wechat():
    if g.get("site") == STORE and in_wechat() and script_available(JSSDK_SCRIPT):
        allow_script_from(JSSDK_ORIGIN)


@storefront_bp.route("/wechat/share-config")
def share_config_json():
    """The signed ``wx.config`` for a page of this store (``?url=``, its fragment dropped), and the
    JS-SDK's address and SRI hash."""
    url = (request.args.get("url") or "").split("#")[0]
    if urlsplit(url).netloc != request.host or urlsplit(url).scheme not in ("http", "https"):
        abort(400)  # only this store's own pages: WeChat would refuse a config for another domain anyway
    if not script_available(JSSDK_SCRIPT):
        abort(404)
    try:
        config = share_config(url)
    except NotBound as refusal:
        abort(refusal.status)
    # Where the script loads the JS-SDK from, pinned by its hash: kept out of the cached page's HTML.
    response = jsonify({**config, "sdk": {"src": JSSDK_URL, "integrity": inventory().integrity[JSSDK_SCRIPT]}})
    response.headers["Cache-Control"] = "private, no-store"  # signed for one page and moment
    return response
