"""Who is shopping on this store host: a member id in the store's session (cookies are
host-only, so one store's session never reaches another), and the guest cart token in
its own cookie until then.

WeChat login comes with the members work; until then a guest becomes a member when they
first check out, and their guest cart is merged into the member's cart at that moment —
the same merge a WeChat login will do.
"""
from urllib.parse import urlencode

from flask import redirect, request, session, url_for
from flask_babel import gettext as _

from commerce.members.queries import find_member
from commerce.members.service import add_member
from commerce.orders.cart import find_cart, merge_carts, open_cart
from core.crypto import mask_phone
from core.security import allow_form_redirect_to
from payments.pay_page import choose_channel, h5_redirect_origins
from payments.prepay import H5
from storefront.referrals import bind_remembered_referrer

CART_COOKIE = "cart"
MEMBER_KEY = "member_id"


def current_member():
    member_id = session.get(MEMBER_KEY)
    if member_id is None:
        return None
    member = find_member(member_id)  # another store's id finds nothing
    if member is None or member.is_erased():  # a closed account's session ends with it
        return None
    return member


def sign_in_member(member):
    """Start the member's session and bring the guest cart along."""
    session[MEMBER_KEY] = member.id
    bind_remembered_referrer(member)  # the ?ref= link they came by, if any
    guest = find_cart(token=request.cookies.get(CART_COOKIE))
    return merge_carts(guest, member.id)


def become_member():
    """The current member, or a new one for a guest who is checking out."""
    member = current_member()
    if member is None:
        member = add_member()
        sign_in_member(member)
    return member


def shopper_cart(*, create=False):
    """The member's cart, else the guest's (made when ``create``), else None."""
    member = current_member()
    if member is not None:
        return open_cart(member_id=member.id) if create else find_cart(member_id=member.id)
    token = request.cookies.get(CART_COOKIE)
    return open_cart(token=token) if create else find_cart(token=token)


def remember_cart(response, cart):
    """Set the guest cart cookie (30 days, this host only, not readable by scripts)."""
    if cart is not None and cart.token and request.cookies.get(CART_COOKIE) != cart.token:
        response.set_cookie(CART_COOKIE, cart.token, max_age=30 * 24 * 3600, httponly=True, samesite="Lax",
                            secure=request.is_secure)
    return response


def in_wechat():
    return "MicroMessenger" in (request.user_agent.string or "")


def on_phone():
    agent = request.user_agent.string or ""
    return any(word in agent for word in ("iPhone", "Android", "Mobile"))


def wechat_pay_channel(member):
    """WeChat Pay's channel for this browser (``payments.pay_page.choose_channel``); for H5,
    the form that starts the payment may redirect to WeChat's page."""
    channel = choose_channel(in_wechat=in_wechat(), on_phone=on_phone(), openid=member.openid)
    if channel == H5:
        for origin in h5_redirect_origins():
            allow_form_redirect_to(origin)
    return channel


def wants_json():
    """The page's script asked (``Accept: application/json``): answer in place, no redirect."""
    return request.accept_mimetypes.best == "application/json"


def h5_pay_redirect(h5_url, endpoint, **values):
    """Send the browser to WeChat's H5 cashier with ``redirect_url``: the page of this store
    (``endpoint``, absolute) where WeChat returns the shopper once they have paid."""
    joiner = "&" if "?" in h5_url else "?"
    back = url_for(endpoint, _external=True, **values)
    return redirect(f"{h5_url}{joiner}{urlencode({'redirect_url': back})}")


def shopper_name(member):
    """What the store calls a shopper: the WeChat nickname, else the masked mobile number,
    else 「微信用户」 (signed in with WeChat) or 「顾客」 — never a bare member number."""
    if member.nickname:
        return member.nickname
    if member.phone:
        return mask_phone(member.phone)
    return _("WeChat user") if member.openid else _("Shopper")
