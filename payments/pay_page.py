"""What a WeChat Pay page shows, for every page that takes a payment (a store's order and
top-up pages, the console's invoice page): the channel the browser can pay with, the QR
code of a Native prepay, the signed JSAPI parameters, and in development the sandbox's
page where the payment can be made. The Flask views stay with their pages."""
import io
from urllib.parse import urlparse

import segno
from flask import current_app
from flask_babel import gettext as _
from markupsafe import Markup

from payments.prepay import H5, JSAPI, NATIVE

H5_PAY_ORIGIN = "https://wx.tenpay.com"  # where WeChat's H5 payment page lives


def choose_channel(*, in_wechat, on_phone, openid):
    """JSAPI inside WeChat (with the payer's openid), H5 in other phone browsers, else a
    Native QR code."""
    return JSAPI if in_wechat and openid else H5 if on_phone else NATIVE


def h5_redirect_origins():
    """Where an H5 payment sends the browser: WeChat's page (or the configured WeChat Pay,
    the sandbox in development); a form may redirect there."""
    return (_origin(current_app.config["WECHATPAY_BASE_URL"]), H5_PAY_ORIGIN)


def wechat_pay_view(prepay):
    """The pay page's part for a Native or JSAPI prepay (anything with ``code_url`` and
    perhaps ``jsapi``): ``qr`` (an SVG), ``jsapi`` and ``sandbox_url`` (None outside
    development)."""
    config = current_app.config
    sandbox = ((config.get("WECHATPAY_SANDBOX_URL") or f"http://{config['PLATFORM_DOMAIN']}/sandbox/wechatpay").rstrip("/")
               + "/" if config.get("WECHATPAY_SANDBOX") else None)
    return {"qr": Markup(_qr_svg(prepay.code_url)) if prepay.code_url else None,
            "jsapi": getattr(prepay, "jsapi", None), "sandbox_url": sandbox}


def _origin(url):
    parts = urlparse(url or "")
    return f"{parts.scheme}://{parts.netloc}"


def _qr_svg(content):
    return qr_svg(content, title=_("Scan with WeChat to pay"))


def qr_svg(content, *, title, xmldecl=False):
    """``content`` as a QR code in SVG (inline in a page, or with ``xmldecl`` a file of its own)."""
    out = io.BytesIO()
    segno.make(content, error="m").save(out, kind="svg", scale=6, border=2, xmldecl=xmldecl, svgns=True, title=title)
    return out.getvalue().decode()
