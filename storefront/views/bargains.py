"""Bargains on the storefront: start one from a product page, the bargain page friends open
from the share link (progress, helpers, "help cut"), and the starter's checkout of one unit
at the price reached (``storefront.checkout``). Starting and helping need a WeChat sign-in:
friends are WeChat users."""
from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from commerce.marketing.bargains.queries import bargain_helps, bargain_starter, find_bargain, find_bargain_campaign
from commerce.marketing.bargains.service import help_cut, start_bargain
from commerce.orders.cart import sku_and_product
from commerce.pricing.rules import Campaign
from core.extensions import csrf, limiter
from core.money import format_money
from core.refusals import Attempt
from core.security import require_same_origin
from storefront.blueprints import storefront_bp
from storefront.checkout import Purchase, check_out, one_unit
from storefront.shopper import current_member

HELP_RATE_LIMIT = "20 per minute"  # per client address, on top of the per-member daily cap


@storefront_bp.route("/bargain-campaigns/<int:campaign_id>/start", methods=["POST"])
@csrf.exempt  # posted from cached product pages: checked by origin instead
def bargain_start(campaign_id):
    require_same_origin()
    campaign = find_bargain_campaign(campaign_id) or abort(404)
    member = _wechat_member()
    if member is None:
        _sku, product = sku_and_product(campaign.sku_id)
        return redirect(url_for("storefront.login", next=url_for("storefront.product_detail", product_id=product.id)))
    with Attempt(flash=False) as attempt:
        bargain = start_bargain(campaign, member)
    if attempt.refused:
        raise attempt.refusal  # the error page says why
    return redirect(url_for("storefront.bargain_page", bargain_id=bargain.id))


@storefront_bp.route("/bargains/<int:bargain_id>")
def bargain_page(bargain_id):
    return _render_bargain(_bargain(bargain_id))


def _render_bargain(bargain, *, error=None, status=200):
    campaign = find_bargain_campaign(bargain.campaign_id)
    sku, product = sku_and_product(bargain.sku_id)
    member = current_member()
    starter = bargain_starter(bargain)
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
    with Attempt(flash=False) as attempt:
        cut = help_cut(bargain, helper)
    if attempt.refused:
        return _render_bargain(bargain, error=attempt.refusal, status=attempt.status)  # reloaded after the rollback
    flash(_("You cut %(amount)s off the price. Thank you!", amount=format_money(cut.cut)), "info")
    return redirect(url_for("storefront.bargain_page", bargain_id=bargain.id))


@storefront_bp.route("/bargains/<int:bargain_id>/checkout", methods=["GET", "POST"])
def bargain_checkout(bargain_id):
    """One unit at the price reached; only the starter, while the bargain can be bought."""
    bargain = _bargain(bargain_id)
    member = current_member()
    if member is None or member.id != bargain.starter_member_id:
        abort(404)
    if not bargain.is_buyable():
        flash(_("This bargain can no longer be bought."), "error")
        return redirect(url_for("storefront.bargain_page", bargain_id=bargain.id))
    return check_out(Purchase(
        lambda: [one_unit(bargain.sku_id, bargain.current_price, seen_price=None)],  # the price friends cut to
        campaign=Campaign("bargain", bargain.id),
        form_action=url_for("storefront.bargain_checkout", bargain_id=bargain.id)))


def _wechat_member():
    """The signed-in member if WeChat knows them (an openid), else None: sign in first."""
    member = current_member()
    return member if member is not None and member.openid else None


def _bargain(bargain_id):
    """:raise 404: no such bargain in this store"""
    return find_bargain(bargain_id) or abort(404)
