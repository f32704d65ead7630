"""Bargains on the storefront: start one from a product page, the bargain page friends open
from the share link (progress, helpers, "help cut"), and the starter's checkout of one unit
at the price reached. Starting and helping need a WeChat sign-in: friends are WeChat users."""
from types import SimpleNamespace

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from commerce.catalog.models import SKU, Product
from commerce.marketing.bargains.models import Bargain, BargainCampaign
from commerce.marketing.bargains.queries import bargain_helps
from commerce.marketing.bargains.service import help_cut, start_bargain
from commerce.members.addresses import member_addresses, save_address
from commerce.members.models import Member
from commerce.orders.cart import CartLine
from commerce.orders.service import Wanted, member_address, place_order
from commerce.pricing import Campaign
from core.errors import DomainError
from core.extensions import csrf, db, limiter
from core.money import format_money
from core.security import require_same_origin
from storefront.shopper import current_member
from storefront.views import storefront_bp
from storefront.views.shopping import render_checkout

HELP_RATE_LIMIT = "20 per minute"  # per client address, on top of the per-member daily cap
ADDRESS_FIELDS = ("name", "phone", "province_code", "city", "district", "detail")


@storefront_bp.route("/bargain-campaigns/<int:campaign_id>/start", methods=["POST"])
@csrf.exempt  # posted from cached product pages: checked by origin instead
def bargain_start(campaign_id):
    require_same_origin()
    campaign = db.session.scalar(select(BargainCampaign).where(BargainCampaign.id == campaign_id)) or abort(404)
    member = _wechat_member()
    if member is None:
        product_id = db.session.scalar(select(SKU.product_id).where(SKU.id == campaign.sku_id))
        return redirect(url_for("storefront.login", next=url_for("storefront.product_detail", product_id=product_id)))
    try:
        bargain = start_bargain(campaign, member)
    except DomainError:
        db.session.rollback()
        raise  # the error page says why
    db.session.commit()
    return redirect(url_for("storefront.bargain_page", bargain_id=bargain.id))


@storefront_bp.route("/bargains/<int:bargain_id>")
def bargain_page(bargain_id):
    return _render_bargain(_bargain(bargain_id))


def _render_bargain(bargain, *, error=None, status=200):
    campaign = db.session.get(BargainCampaign, bargain.campaign_id)
    sku, product = _sku_and_product(bargain)
    member = current_member()
    starter = db.session.get(Member, bargain.starter_member_id)
    helps = bargain_helps(bargain)
    return render_template("storefront/bargain.html", bargain=bargain, campaign=campaign, sku=sku, product=product,
                           starter=starter, helps=helps, is_starter=member is not None and member.id == starter.id,
                           helped=member is not None and any(m.id == member.id for _h, m in helps),
                           share_url=url_for("storefront.bargain_page", bargain_id=bargain.id, _external=True),
                           error=error), status


@storefront_bp.route("/bargains/<int:bargain_id>/help", methods=["POST"])
@limiter.limit(HELP_RATE_LIMIT)
def bargain_help(bargain_id):
    bargain = _bargain(bargain_id)
    helper = _wechat_member()
    if helper is None:
        return redirect(url_for("storefront.login", next=url_for("storefront.bargain_page", bargain_id=bargain.id)))
    try:
        cut = help_cut(bargain, helper)
    except DomainError as refusal:
        db.session.rollback()
        return _render_bargain(db.session.get(Bargain, bargain.id, populate_existing=True), error=refusal,
                               status=refusal.status)
    db.session.commit()
    flash(_("You cut %(amount)s off the price. Thank you!", amount=format_money(cut.cut)), "info")
    return redirect(url_for("storefront.bargain_page", bargain_id=bargain.id))


@storefront_bp.route("/bargains/<int:bargain_id>/checkout", methods=["GET", "POST"])
def bargain_checkout(bargain_id):
    """Only the starter, while the bargain can be bought."""
    bargain = _bargain(bargain_id)
    member = current_member()
    if member is None or member.id != bargain.starter_member_id:
        abort(404)
    if not bargain.is_buyable():
        flash(_("This bargain can no longer be bought."), "error")
        return redirect(url_for("storefront.bargain_page", bargain_id=bargain.id))
    sku, product = _sku_and_product(bargain)
    line = CartLine(SimpleNamespace(quantity=1, seen_price=bargain.current_price), sku, product,
                    bargain.current_price, None)
    addresses = member_addresses(member.id)
    if request.method == "GET":
        return _render_checkout(bargain, line, addresses)
    try:
        chosen = request.form.get("address_id", "")
        address = (member_address(member.id, int(chosen)) if chosen.isdigit()
                   else save_address(member.id, **{name: request.form.get(name, "") for name in ADDRESS_FIELDS}))
        order = place_order(member_id=member.id, address=address, note=request.form.get("note"),
                            wanted=[Wanted(sku.id, 1)], campaign=Campaign("bargain", bargain.id))
    except DomainError as refusal:
        db.session.rollback()
        return _render_checkout(bargain, line, addresses, error=refusal, status=refusal.status)
    db.session.commit()
    return redirect(url_for("storefront.order_pay", number=order.number))


def _render_checkout(bargain, line, addresses, *, error=None, status=200):
    return render_checkout([line], addresses, campaign=Campaign("bargain", bargain.id), error=error, status=status,
                           form_action=url_for("storefront.bargain_checkout", bargain_id=bargain.id))


def _wechat_member():
    """The signed-in member if WeChat knows them (an openid), else None: sign in first."""
    member = current_member()
    return member if member is not None and member.openid else None


def _bargain(bargain_id):
    """:raise 404: no such bargain in this store"""
    return db.session.scalar(select(Bargain).where(Bargain.id == bargain_id)) or abort(404)


def _sku_and_product(bargain):
    return db.session.execute(select(SKU, Product).join(Product, Product.id == SKU.product_id)
                              .where(SKU.id == bargain.sku_id)).one()
