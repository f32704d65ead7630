"""The member center for a mini-program: level, points and stored value with their ledgers
(keyset pages, newest first), the daily sign-in (once per China day: a double tap awards
once, the second is refused as ``already_signed_in``) and topping up stored value with
WeChat Pay (``wx.requestPayment`` in the store's mini-program)."""
from datetime import date, datetime
from typing import Literal

from flask import abort, jsonify, request
from flask_babel import lazy_gettext as _l
from pydantic import Field, model_validator
from sqlalchemy import select

from commerce.members.ledger import member_settings, reason_labels
from commerce.members.levels import level_of, levels
from commerce.members.models import BalanceEntry, PointsEntry
from commerce.members.points import sign_in_once, signed_in_today
from commerce.members.top_ups import member_top_up, settle_top_up_from_query, start_top_up_payment
from commerce.members.wallet import MAX_TOP_UP, start_top_up, top_up_plans
from commerce.members.wechat_login import paying_mini_program_appid
from core.pagination import BadCursor, Ordering, paginate
from core.transaction import committed
from payments.prepay import JSAPI
from storefront.api.blueprint import BadParameter, api_bp, current_api_member, private
from storefront.api.models import Body, Fen, Model, Page, PageQuery, RequestPaymentParams, SignedFen
from storefront.api.spec import MEMBER, responses, spec
from tenants.resolve import appid_from_request

TAG = "member"
POINTS_NEWEST = Ordering("api.points.newest", PointsEntry.id.desc())
BALANCE_NEWEST = Ordering("api.balance.newest", BalanceEntry.id.desc())


# --- models ----------------------------------------------------------------------------------

class LevelInfo(Model):
    name: str
    discount: int | None = Field(description="Percent of the price paid at this level (95 = 5 % off); "
                                             "null: no discount.")
    growth_threshold: int


class MemberCenter(Model):
    level: LevelInfo | None = Field(description="null until the member reaches the store's first level.")
    points: int
    balance: Fen
    growth: int = Field(description="成长值: whole yuan paid, less refunds.")
    next_level: LevelInfo | None = Field(description="The next level up, null at the top (or without levels).")
    signed_in_today: bool
    sign_in_points: int = Field(description="Points today's sign-in gives.")


class LedgerEntry(Model):
    id: int
    delta: SignedFen = Field(description="Points, or fen of stored value; negative when taken.")
    balance_after: int
    reason: str = Field(description="order, sign_in, redeem, refund, expire, top_up, adjust, commission, invite, "
                                    "account_closed.")
    reason_label: str
    note: str | None
    created_at: datetime


class SignInResult(Model):
    points_awarded: int
    points: int
    signed_in_on: date | None = Field(description="The China day signed in for (null: the store gives no sign-in points).")


class TopUpPlan(Model):
    id: int = Field(description="Pass as `plan_id`.")
    amount: Fen
    bonus: Fen


class TopUpPlans(Model):
    items: list[TopUpPlan]
    min_amount: Fen
    max_amount: Fen


class TopUpRequest(Body):
    plan_id: int | None = Field(None, ge=1, le=100)
    amount: int | None = Field(None, ge=1, le=MAX_TOP_UP, description="Any amount in fen, instead of a plan.")

    @model_validator(mode="after")
    def _one_of(self):
        if (self.plan_id is None) == (self.amount is None):
            raise ValueError("give plan_id or amount, not both")
        return self


class TopUpPayment(Model):
    params: RequestPaymentParams


class TopUpStatus(Model):
    top_up_no: str
    amount: Fen
    bonus: Fen
    status: Literal["pending", "paid"]
    balance: Fen = Field(description="The member's stored value now.")


class TopUpStarted(Model):
    top_up_no: str
    amount: Fen
    bonus: Fen
    payment: TopUpPayment


# --- helpers ---------------------------------------------------------------------------------

def level_json(level):
    return None if level is None else {"name": level.name, "discount": level.discount_percent,
                                       "growth_threshold": level.growth_threshold}


def request_mini_program_appid():
    """The AppID of the mini-program calling (its header or Referer), else the store's only
    mini-program's, else None (the account's own app pays)."""
    return paying_mini_program_appid(appid_from_request(request.headers.get("X-Duoshop-AppID"),
                                                        request.headers.get("Referer")))


def _plans():
    return [{"id": number, "amount": amount, "bonus": bonus}
            for number, (amount, bonus) in enumerate(top_up_plans(), start=1)]


def _ledger_page(entry_class, ordering, params, member):
    try:
        found = paginate(select(entry_class).where(entry_class.member_id == member.id), ordering,
                         per_page=params.limit, cursor=params.cursor)
    except BadCursor:
        raise BadParameter("cursor", _l("cursor is not valid for this list; start again without it.")) from None
    labels = reason_labels()
    return private(jsonify({"items": [{"id": e.id, "delta": e.delta, "balance_after": e.balance_after,
                                       "reason": e.reason, "reason_label": str(labels.get(e.reason, e.reason)),
                                       "note": e.note, "created_at": e.created_at.isoformat()}
                                      for e in found.items],
                            "next_cursor": found.next_cursor}))


# --- routes ----------------------------------------------------------------------------------

@api_bp.route("/me/member")
@spec.validate(resp=responses(MemberCenter, errors=(401, 404)), security=MEMBER, tags=[TAG])
def member_center():
    """The member card: level, points, stored value, the next level and today's sign-in."""
    member = current_api_member()
    level = level_of(member)
    above = [lvl for lvl in levels() if lvl.growth_threshold > (level.growth_threshold if level else -1)]
    return private(jsonify({"level": level_json(level), "points": member.points, "balance": member.balance,
                            "growth": member.growth, "next_level": level_json(above[0] if above else None),
                            "signed_in_today": signed_in_today(member),
                            "sign_in_points": member_settings().sign_in_points}))


@api_bp.route("/me/points")
@spec.validate(query=PageQuery, resp=responses(Page[LedgerEntry], errors=(400, 401, 404)), security=MEMBER,
               tags=[TAG])
def points_ledger():
    """The points ledger, newest first."""
    return _ledger_page(PointsEntry, POINTS_NEWEST, request.context.query, current_api_member())


@api_bp.route("/me/balance")
@spec.validate(query=PageQuery, resp=responses(Page[LedgerEntry], errors=(400, 401, 404)), security=MEMBER,
               tags=[TAG])
def balance_ledger():
    """The stored-value ledger (fen), newest first."""
    return _ledger_page(BalanceEntry, BALANCE_NEWEST, request.context.query, current_api_member())


@api_bp.route("/me/sign-in", methods=["POST"])
@spec.validate(resp=responses(SignInResult, errors=(401, 404, 409)), security=MEMBER, tags=[TAG])
def sign_in():
    """Today's sign-in points, once per China day. 409 `already_signed_in`: signed in today."""
    member = current_api_member()
    with committed():
        entry = sign_in_once(member)
    return private(jsonify({"points_awarded": entry.delta if entry else 0, "points": member.points,
                            "signed_in_on": member.signed_in_on.isoformat() if member.signed_in_on else None}))


@api_bp.route("/top-ups")
@spec.validate(resp=responses(TopUpPlans, errors=(404,)), tags=[TAG])
def top_up_choices():
    """The store's top-up plans ("充100送10"); any amount from `min_amount` to `max_amount` too."""
    return jsonify({"items": _plans(), "min_amount": 1, "max_amount": MAX_TOP_UP})


@api_bp.route("/top-ups", methods=["POST"])
@spec.validate(json=TopUpRequest, resp=responses(TopUpStarted, status=201, errors=(400, 401, 404, 409, 422, 502)),
               security=MEMBER, tags=[TAG])
def create_top_up():
    """Top up stored value: a pending top-up and the `wx.requestPayment` arguments to pay it in the
    mini-program. The balance grows when WeChat Pay confirms the payment (with the plan's bonus)."""
    member = current_api_member()
    body = request.context.json
    amount = body.amount
    if body.plan_id is not None:
        plan = next((plan for plan in _plans() if plan["id"] == body.plan_id), None)
        if plan is None:
            raise BadParameter("plan_id", _l("There is no such top-up plan."))
        amount = plan["amount"]
    with committed():
        started = start_top_up(member, amount)
    asked = start_top_up_payment(started, JSAPI, openid=member.openid, appid=request_mini_program_appid(),
                                 client_ip=request.remote_addr)
    response = jsonify({"top_up_no": started.number, "amount": started.amount, "bonus": started.bonus,
                        "payment": {"params": asked.jsapi}})
    response.status_code = 201
    return private(response)



@api_bp.route("/top-ups/<top_up_no>")
@spec.validate(resp=responses(TopUpStatus, errors=(401, 404, 502)), security=MEMBER, tags=[TAG])
def top_up_status(top_up_no):
    """A top-up of the member's: once `wx.requestPayment` succeeded, this asks WeChat Pay at once
    (rather than waiting for its notification) and answers `paid` with the balance credited."""
    member = current_api_member()
    found = member_top_up(member.id, top_up_no[:32])
    if found is None:
        abort(404)
    with committed():
        settle_top_up_from_query(found)
    return private(jsonify({"top_up_no": found.number, "amount": found.amount, "bonus": found.bonus,
                            "status": found.status, "balance": member.balance}))
