"""Group buys on the storefront: start a team from a product page, join one from its share
link, and check out one unit at the group price (``storefront.checkout``)."""
from flask import abort, redirect, render_template, session, url_for

from commerce.marketing.group_buys.models import GroupBuy
from commerce.marketing.group_buys.queries import find_group_buy, find_group_team, team_places
from commerce.orders.cart import sku_and_product
from commerce.pricing.rules import Campaign
from core.extensions import csrf
from core.security import require_same_origin
from storefront.blueprints import storefront_bp
from storefront.checkout import Purchase, check_out, one_unit
from storefront.shopper import current_member

GROUP_CHECKOUT = "group_checkout"


@storefront_bp.route("/group-buys/<int:campaign_id>/start", methods=["POST"])
@csrf.exempt  # posted from cached product pages: checked by origin instead
def group_buy_start(campaign_id):
    require_same_origin()
    _live_campaign(campaign_id)
    session[GROUP_CHECKOUT] = {"campaign": campaign_id, "team": None}
    return redirect(url_for("storefront.group_checkout"))


@storefront_bp.route("/teams/<int:team_id>")
def team_page(team_id):
    team = find_group_team(team_id) or abort(404)
    campaign = find_group_buy(team.group_buy_id)
    sku, product = sku_and_product(campaign.sku_id)
    places = team_places(team)
    member = current_member()
    in_team = member is not None and (member.id == team.leader_member_id
                                      or any(place.member_id == member.id for place in places))
    return render_template("storefront/team.html", team=team, campaign=campaign, sku=sku, product=product,
                           places=places, in_team=in_team)


@storefront_bp.route("/teams/<int:team_id>/join", methods=["POST"])
def team_join(team_id):
    team = find_group_team(team_id) or abort(404)
    session[GROUP_CHECKOUT] = {"campaign": team.group_buy_id, "team": team.id}
    return redirect(url_for("storefront.group_checkout"))


@storefront_bp.route("/checkout/group", methods=["GET", "POST"])
def group_checkout():
    """One unit at the group price, opening the team chosen on the way here or joining it."""
    chosen = session.get(GROUP_CHECKOUT) or abort(404)
    campaign = _live_campaign(chosen["campaign"])
    team = find_group_team(chosen["team"]) if chosen["team"] else None
    return check_out(Purchase(
        lambda: [one_unit(campaign.sku_id, campaign.group_price, seen_price=campaign.group_price)],
        campaign=Campaign("group_buy", campaign.id, join=team.id if team else None),
        form_action=url_for("storefront.group_checkout"),
        placed=lambda lines: session.pop(GROUP_CHECKOUT, None),
        shown={"group": campaign, "team": team}))


def _live_campaign(campaign_id):
    """:raise 404: no such group buy in this store, or not running"""
    campaign = find_group_buy(campaign_id)
    if campaign is None or campaign.status != GroupBuy.ACTIVE:
        abort(404)
    return campaign
