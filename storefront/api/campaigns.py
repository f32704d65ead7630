"""Campaigns for a mini-program: group buys (拼团: start a team, join one, the team's state),
bargains (砍价: start, friends help cut, buy at the price reached) and the running flash sale.

A campaign's purchase is one unit of its SKU placed by the order core (``place_order``
through the campaign's price rule, as the H5 checkout does); the answer names the order
(``order_no``), paid through ``POST /orders/{order_no}/payment``."""
from datetime import datetime

from flask import abort, jsonify, request
from flask_babel import gettext as _
from pydantic import Field

from commerce.catalog.models import Product
from commerce.marketing.bargains.queries import bargain_deals, bargain_helps, find_bargain, find_bargain_campaign
from commerce.marketing.bargains.service import help_cut, start_bargain
from commerce.marketing.flash_sales.queries import live_flash_items
from commerce.marketing.group_buys.errors import GroupBuyProblem
from commerce.marketing.group_buys.models import GroupBuy
from commerce.marketing.group_buys.queries import (
    find_group_buy,
    find_group_team,
    live_group_buys,
    open_teams,
    team_of_order,
    team_roster,
)
from commerce.members.queries import member_address, member_addresses
from commerce.orders.cart import sku_and_product
from commerce.orders.service import MAX_NOTE, Wanted, place_order
from commerce.pricing.rules import Campaign
from core.extensions import limiter
from core.models import utcnow
from core.transaction import committed
from storefront.api.blueprint import MAX_ID, api_bp, current_api_member, private
from storefront.api.catalog import product_json
from storefront.api.models import Body, Fen, Model
from storefront.api.models import Product as ProductModel
from storefront.api.spec import MEMBER, responses, spec

TAG = "campaigns"
MAX_LISTED = 50
HELP_RATE_LIMIT = "20 per minute"  # per client address, as on the H5 bargain page
ORDER_ERRORS = (400, 401, 403, 404, 409, 422)


# --- models ----------------------------------------------------------------------------------

class CampaignOrderRequest(Body):
    sku_id: int = Field(ge=1, le=MAX_ID, description="The campaign's SKU.")
    address_id: int | None = Field(None, ge=1, le=MAX_ID, description="Where to deliver; default: the member's "
                                                                       "default address.")
    remark: str | None = Field(None, max_length=MAX_NOTE)


class BargainBuyRequest(Body):
    address_id: int | None = Field(None, ge=1, le=MAX_ID, description="Where to deliver; default: the member's "
                                                                       "default address.")
    remark: str | None = Field(None, max_length=MAX_NOTE)


class GroupBuySummary(Model):
    id: int
    title: str
    sku_id: int
    group_price: Fen
    price: Fen = Field(description="The SKU's own price.")
    size: int = Field(description="Members a team needs.")
    hours: int = Field(description="A team's time to fill up.")
    ends_at: datetime
    product: ProductModel


class GroupBuyList(Model):
    items: list[GroupBuySummary]


class GroupTeamSeat(Model):
    nickname: str
    is_leader: bool
    paid: bool


class GroupTeamInfo(Model):
    id: int
    group_buy_id: int
    status: str = Field(description="open, succeeded or failed.")
    size: int
    seats_taken: int
    seats_left: int
    expires_at: datetime
    members: list[GroupTeamSeat]
    in_team: bool = Field(description="The signed-in member holds a seat.")


class OpenGroupTeam(Model):
    id: int
    leader: str
    seats_left: int
    expires_at: datetime


class GroupBuyDetail(GroupBuySummary):
    open_teams: list[OpenGroupTeam]


class TeamOrder(Model):
    team: GroupTeamInfo
    order_no: str


class BargainSummary(Model):
    id: int
    title: str
    sku_id: int
    price: Fen = Field(description="The SKU's price today, where a bargain starts.")
    floor_price: Fen
    max_helps: int
    hours: int
    ends_at: datetime
    product: ProductModel


class BargainList(Model):
    items: list[BargainSummary]


class BargainHelper(Model):
    nickname: str
    cut: Fen
    at: datetime


class BargainSession(Model):
    id: int
    bargain_id: int = Field(description="The bargain campaign.")
    title: str
    sku_id: int
    product: ProductModel
    original_price: Fen
    floor_price: Fen
    price_now: Fen
    cut_so_far: Fen
    progress_percent: int
    status: str = Field(description="open, floor_reached, ordered or expired.")
    expires_at: datetime
    helpers: list[BargainHelper]
    is_starter: bool
    helped: bool = Field(description="The signed-in member has helped already.")
    can_buy: bool


class BargainHelpResult(Model):
    cut: Fen
    price_now: Fen


class CampaignOrderPlaced(Model):
    order_no: str


class FlashItem(Model):
    product: ProductModel
    sku_id: int
    price: Fen
    original_price: Fen
    units_left: int
    per_member_limit: int
    ends_at: datetime


class FlashSaleInfo(Model):
    id: int
    title: str
    starts_at: datetime
    ends_at: datetime


class CurrentFlashSale(Model):
    sale: FlashSaleInfo | None = Field(description="The sale ending soonest of those running; null: none.")
    items: list[FlashItem]


# --- helpers ---------------------------------------------------------------------------------

def _created(body):
    response = jsonify(body)
    response.status_code = 201
    return private(response)


def _campaign_order(member, sku_id, seen_price, campaign, body):
    """One unit of ``sku_id`` through ``campaign``, placed by the order core; returns the order.

    :raise CheckoutProblem: no address, an address outside the delivery area …
    """
    if body.address_id is not None:
        address = member_address(member.id, body.address_id) or abort(404)
    else:
        address = next(iter(member_addresses(member.id)), None)
    return place_order(member_id=member.id, address=address, note=body.remark, campaign=campaign,
                       wanted=[Wanted(sku_id, 1, seen_price)])


def _group_buy_summary(campaign, sku, product):
    return {"id": campaign.id, "title": campaign.title, "sku_id": campaign.sku_id,
            "group_price": campaign.group_price, "price": sku.price, "size": campaign.size, "hours": campaign.hours,
            "ends_at": campaign.ends_at.isoformat(), "product": product_json(product)}


def _live_group_buy(campaign_id, now=None):
    """:raise 404: no such group buy in this store, or not running"""
    campaign = find_group_buy(campaign_id) if campaign_id <= MAX_ID else None
    if campaign is None or campaign.status != GroupBuy.ACTIVE or campaign.ends_at <= (now or utcnow()):
        abort(404)
    return campaign


def team_json(team, member):
    roster = team_roster(team)
    return {"id": team.id, "group_buy_id": team.group_buy_id, "status": team.status, "size": team.size,
            "seats_taken": team.seats_taken, "seats_left": max(team.size - team.seats_taken, 0),
            "expires_at": team.expires_at.isoformat(),
            "members": [{"nickname": someone.display_name(), "is_leader": someone.id == team.leader_member_id,
                         "paid": place.status == place.PAID} for place, someone in roster],
            "in_team": any(someone.id == member.id for _place, someone in roster)}


def _team_order(member, campaign, body, join=None):
    if body.sku_id != campaign.sku_id:
        raise GroupBuyProblem(_("This SKU is not this campaign's."), field="sku_id", status=422)
    with committed():
        order = _campaign_order(member, campaign.sku_id, campaign.group_price,
                                Campaign("group_buy", campaign.id, join=join), body)
        team = team_of_order(order)
        answer = {"team": team_json(team, member), "order_no": order.number}
    return _created(answer)


def _my_bargain(bargain_id):
    """:raise 404: no such bargain (session) in this store"""
    found = find_bargain(bargain_id) if bargain_id <= MAX_ID else None
    return found or abort(404)


def bargain_json(bargain, member):
    campaign = find_bargain_campaign(bargain.campaign_id)
    _sku, product = sku_and_product(bargain.sku_id)
    helps = bargain_helps(bargain)
    now = utcnow()
    return {"id": bargain.id, "bargain_id": bargain.campaign_id, "title": campaign.title, "sku_id": bargain.sku_id,
            "product": product_json(product), "original_price": bargain.original_price,
            "floor_price": bargain.floor_price, "price_now": bargain.current_price,
            "cut_so_far": bargain.cut_so_far(), "progress_percent": bargain.progress_percent(),
            "status": bargain.shown_status(now), "expires_at": bargain.expires_at.isoformat(),
            "helpers": [{"nickname": helper.display_name(), "cut": help_.cut, "at": help_.created_at.isoformat()}
                        for help_, helper in helps],
            "is_starter": member.id == bargain.starter_member_id,
            "helped": any(helper.id == member.id for _help, helper in helps),
            "can_buy": member.id == bargain.starter_member_id and bargain.is_buyable(now)}


# --- group buys ------------------------------------------------------------------------------

@api_bp.route("/group-buys")
@spec.validate(resp=responses(GroupBuyList, errors=(404,)), tags=[TAG])
def group_buys():
    """Group buys running now, soonest-ending first."""
    return jsonify({"items": [_group_buy_summary(*row) for row in live_group_buys(MAX_LISTED)]})


@api_bp.route("/group-buys/<int:group_buy_id>")
@spec.validate(resp=responses(GroupBuyDetail, errors=(404,)), tags=[TAG])
def group_buy(group_buy_id):
    """A running group buy with the teams a shopper can still join."""
    campaign = _live_group_buy(group_buy_id)
    sku, product = sku_and_product(campaign.sku_id)
    if product is None or product.status != Product.ON_SALE:
        abort(404)
    teams = open_teams(campaign.id)
    leaders = {team.id: team_roster(team) for team in teams}
    body = _group_buy_summary(campaign, sku, product)
    body["open_teams"] = [{"id": team.id, "seats_left": team.size - team.seats_taken,
                           "expires_at": team.expires_at.isoformat(),
                           "leader": next((m.display_name() for p, m in leaders[team.id]
                                           if m.id == team.leader_member_id), "")} for team in teams]
    return jsonify(body)


@api_bp.route("/group-buys/<int:group_buy_id>/teams", methods=["POST"])
@spec.validate(json=CampaignOrderRequest, resp=responses(TeamOrder, status=201, errors=ORDER_ERRORS),
               security=MEMBER, tags=[TAG])
def start_team(group_buy_id):
    """Open a team: one unit at the group price, ordered now (pay it through
    `POST /orders/{order_no}/payment`); the seat is held until the order is paid or cancelled."""
    member = current_api_member()
    return _team_order(member, _live_group_buy(group_buy_id), request.context.json)


@api_bp.route("/teams/<int:team_id>/join", methods=["POST"])
@spec.validate(json=CampaignOrderRequest, resp=responses(TeamOrder, status=201, errors=ORDER_ERRORS),
               security=MEMBER, tags=[TAG])
def join_team(team_id):
    """Join a team: one unit at the group price, ordered now. 409 `group_buy_problem`: full,
    ended, or the member is in it already."""
    member = current_api_member()
    team = find_group_team(team_id) if team_id <= MAX_ID else None
    if team is None:
        abort(404)
    return _team_order(member, _live_group_buy(team.group_buy_id), request.context.json, join=team.id)


@api_bp.route("/teams/<int:team_id>")
@spec.validate(resp=responses(GroupTeamInfo, errors=(401, 404)), security=MEMBER, tags=[TAG])
def team(team_id):
    """A team: its seats, who holds them and whether it succeeded."""
    member = current_api_member()
    found = find_group_team(team_id) if team_id <= MAX_ID else None
    if found is None:
        abort(404)
    return private(jsonify(team_json(found, member)))


# --- bargains --------------------------------------------------------------------------------

@api_bp.route("/bargains")
@spec.validate(resp=responses(BargainList, errors=(404,)), tags=[TAG])
def bargains():
    """Bargain campaigns running now, soonest-ending first."""
    return jsonify({"items": [{"id": deal.campaign.id, "title": deal.campaign.title, "sku_id": deal.sku.id,
                               "price": deal.price, "floor_price": deal.floor_price,
                               "max_helps": deal.campaign.max_helps, "hours": deal.campaign.hours,
                               "ends_at": deal.campaign.ends_at.isoformat(), "product": product_json(deal.product)}
                              for deal in bargain_deals(MAX_LISTED)]})


@api_bp.route("/bargains/<int:bargain_id>/start", methods=["POST"])
@spec.validate(resp=responses(BargainSession, status=201, errors=(401, 404, 409)), security=MEMBER, tags=[TAG])
def bargain_start(bargain_id):
    """Start bargaining (or get the member's bargain under way in this campaign): share it so
    friends help cut the price."""
    member = current_api_member()
    campaign = find_bargain_campaign(bargain_id) if bargain_id <= MAX_ID else None
    if campaign is None:
        abort(404)
    with committed():
        started = start_bargain(campaign, member)
        body = bargain_json(started, member)
    return _created(body)


@api_bp.route("/bargain-sessions/<int:session_id>")
@spec.validate(resp=responses(BargainSession, errors=(401, 404)), security=MEMBER, tags=[TAG])
def bargain_session(session_id):
    """A bargain under way: the price now, who helped, whether it can be bought."""
    member = current_api_member()
    return private(jsonify(bargain_json(_my_bargain(session_id), member)))


@api_bp.route("/bargain-sessions/<int:session_id>/help", methods=["POST"])
@limiter.limit(HELP_RATE_LIMIT)
@spec.validate(resp=responses(BargainHelpResult, errors=(401, 403, 404, 409, 429, 503)), security=MEMBER, tags=[TAG])
def bargain_help(session_id):
    """Help a friend: cut their price by a random amount, once per bargain. 403: your own
    bargain; 409: helped already or the bargain is over; 429: today's helps used up."""
    member = current_api_member()
    bargain = _my_bargain(session_id)
    with committed():
        cut = help_cut(bargain, member)
        body = {"cut": cut.cut, "price_now": cut.price_after}
    return private(jsonify(body))


@api_bp.route("/bargain-sessions/<int:session_id>/buy", methods=["POST"])
@spec.validate(json=BargainBuyRequest, resp=responses(CampaignOrderPlaced, status=201, errors=ORDER_ERRORS), security=MEMBER,
               tags=[TAG])
def bargain_buy(session_id):
    """Buy one unit at the price reached (the starter only): the order to pay through
    `POST /orders/{order_no}/payment`."""
    member = current_api_member()
    bargain = _my_bargain(session_id)
    if bargain.starter_member_id != member.id:
        abort(404)
    with committed():
        order = _campaign_order(member, bargain.sku_id, None, Campaign("bargain", bargain.id), request.context.json)
        body = {"order_no": order.number}
    return _created(body)


# --- flash sales -----------------------------------------------------------------------------

@api_bp.route("/flash-sales/current")
@spec.validate(resp=responses(CurrentFlashSale, errors=(404,)), tags=[TAG])
def current_flash_sale():
    """The running flash sale (the one ending soonest) and its items with the units left."""
    rows = live_flash_items(limit=MAX_LISTED)
    if not rows:
        return private(jsonify({"sale": None, "items": []}))
    sale = rows[0][1]
    items = []
    for item, item_sale in rows:
        if item_sale.id != sale.id:
            continue
        sku, product = sku_and_product(item.sku_id)
        if product is None or product.status != Product.ON_SALE:
            continue
        items.append({"product": product_json(product), "sku_id": item.sku_id, "price": item.price,
                      "original_price": sku.price, "units_left": item.stock,
                      "per_member_limit": item.per_member_limit, "ends_at": sale.ends_at.isoformat()})
    return private(jsonify({"sale": {"id": sale.id, "title": sale.title, "starts_at": sale.starts_at.isoformat(),
                                     "ends_at": sale.ends_at.isoformat()}, "items": items}))

