"""Group buys on the storefront: start a team from a product page, join one from its share
link, and check out one unit at the group price."""
from types import SimpleNamespace

from flask import abort, redirect, render_template, request, session, url_for
from sqlalchemy import select

from commerce.catalog.models import SKU, Product
from commerce.marketing.group_buys.models import GroupBuy, GroupTeam
from commerce.marketing.group_buys.queries import team_places
from commerce.members.addresses import member_addresses, save_address
from commerce.orders.cart import CartLine
from commerce.orders.service import Wanted, member_address, place_order
from commerce.pricing import Campaign
from core.errors import DomainError
from core.extensions import csrf, db
from core.security import require_same_origin
from storefront.shopper import become_member, current_member
from storefront.views import storefront_bp
from storefront.views.shopping import render_checkout

GROUP_CHECKOUT = "group_checkout"


@storefront_bp.route("/group-buys/<int:campaign_id>/start", methods=["POST"])
@csrf.exempt  # posted from cached product pages: checked by origin instead
def group_buy_start(campaign_id):
    require_same_origin()
    _campaign(campaign_id)
    session[GROUP_CHECKOUT] = {"campaign": campaign_id, "team": None}
    return redirect(url_for("storefront.group_checkout"))


@storefront_bp.route("/teams/<int:team_id>")
def team_page(team_id):
    team = db.session.scalar(select(GroupTeam).where(GroupTeam.id == team_id)) or abort(404)
    campaign = db.session.get(GroupBuy, team.group_buy_id)
    sku, product = _sku_and_product(campaign)
    return render_template("storefront/team.html", team=team, campaign=campaign, sku=sku, product=product,
                           places=team_places(team))


@storefront_bp.route("/teams/<int:team_id>/join", methods=["POST"])
def team_join(team_id):
    team = db.session.scalar(select(GroupTeam).where(GroupTeam.id == team_id)) or abort(404)
    session[GROUP_CHECKOUT] = {"campaign": team.group_buy_id, "team": team.id}
    return redirect(url_for("storefront.group_checkout"))


@storefront_bp.route("/checkout/group", methods=["GET", "POST"])
def group_checkout():
    chosen = session.get(GROUP_CHECKOUT) or abort(404)
    campaign = _campaign(chosen["campaign"])
    team = db.session.scalar(select(GroupTeam).where(GroupTeam.id == chosen["team"])) if chosen["team"] else None
    sku, product = _sku_and_product(campaign)
    line = CartLine(SimpleNamespace(quantity=1, seen_price=campaign.group_price), sku, product, campaign.group_price,
                    None)
    member = current_member()
    addresses = member_addresses(member.id) if member else []
    if request.method == "GET":
        return _render(line, addresses, campaign, team)
    try:
        member = become_member()
        address = (member_address(member.id, int(request.form["address_id"]))
                   if request.form.get("address_id", "").isdigit()
                   else save_address(member.id, **{name: request.form.get(name, "") for name in
                                                   ("name", "phone", "province_code", "city", "district", "detail")}))
        order = place_order(member_id=member.id, address=address, note=request.form.get("note"),
                            wanted=[Wanted(sku.id, 1, campaign.group_price)], campaign=_chosen(campaign, team))
    except DomainError as refusal:
        db.session.rollback()
        return _render(line, addresses, campaign, team, error=refusal, status=refusal.status)
    db.session.commit()
    session.pop(GROUP_CHECKOUT, None)
    return redirect(url_for("storefront.order_pay", number=order.number))


def _render(line, addresses, campaign, team, *, error=None, status=200):
    return render_checkout([line], addresses, campaign=_chosen(campaign, team), error=error, status=status,
                           group=campaign, team=team, form_action=url_for("storefront.group_checkout"))


def _chosen(campaign, team):
    return Campaign("group_buy", campaign.id, join=team.id if team else None)


def _campaign(campaign_id):
    campaign = db.session.scalar(select(GroupBuy).where(GroupBuy.id == campaign_id))
    if campaign is None or campaign.status != GroupBuy.ACTIVE:
        abort(404)
    return campaign


def _sku_and_product(campaign):
    return db.session.execute(select(SKU, Product).join(Product, Product.id == SKU.product_id)
                              .where(SKU.id == campaign.sku_id)).one()
