"""Distribution (分销) and invites (邀请有礼) for a mini-program: applying, the distributor's
standing, team and commissions (keyset pages), the share code with its link and a QR image,
and who the member invited. A share link is the store's home with ``?ref=<code>``; the
code is signed for this store, so the QR image route draws only codes it issued."""
from datetime import datetime
from typing import Literal
from urllib.parse import quote

from flask import Response, abort, g, jsonify, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from pydantic import Field

from commerce.marketing.distribution.errors import DistributionProblem
from commerce.marketing.distribution.models import Distributor
from commerce.marketing.distribution.queries import (
    distribution_settings,
    distributor_of,
    earnings_of,
    member_commission_page,
    member_team,
    referrer_of,
    status_labels,
    team_counts,
)
from commerce.marketing.distribution.service import apply_as_distributor, referral_code, referrer_id_from_code
from commerce.marketing.invites.queries import counted_invitees, invite_settings, invitees_of
from core.pagination import BadCursor
from core.transaction import committed
from payments.pay_page import qr_svg
from storefront.api.blueprint import BadParameter, absolute, api_bp, current_api_member, private
from storefront.api.models import Fen, Model, Page, PageQuery, Url
from storefront.api.spec import MEMBER, responses, spec

TAG = "distribution"
MAX_CODE_LENGTH = 200
BAD_CURSOR = _l("cursor is not valid for this list; start again without it.")


# --- models ----------------------------------------------------------------------------------

class DistributionEarnings(Model):
    frozen: Fen = Field(description="Earned, waiting for the after-sales window.")
    settled: Fen = Field(description="Credited to the stored value.")
    cancelled: Fen = Field(description="Taken away by refunds.")
    owed: Fen = Field(description="Reversals the stored value could not cover.")


class DistributionTeamCounts(Model):
    level1: int = Field(description="Members the distributor brought.")
    level2: int = Field(description="Members those brought.")


class DistributorInfo(Model):
    enabled: bool = Field(description="The store runs a distribution program.")
    status: Literal["none", "pending", "approved", "rejected"]
    status_label: str | None = Field(description="The status in the shopper's words; null before applying.")
    applied_at: datetime | None
    level1_percent: int
    level2_percent: int
    settle_days: int
    team: DistributionTeamCounts
    earnings: DistributionEarnings


class DistributionTeamMember(Model):
    id: int
    nickname: str
    joined_at: datetime


class DistributionCommission(Model):
    id: int
    order_no: str
    level: int = Field(description="1: the buyer was brought by the member; 2: by someone the member brought.")
    base: Fen
    percent: int
    amount: Fen = Field(description="As first earned.")
    earned: Fen = Field(description="What refunds left of it.")
    status: Literal["frozen", "settled", "cancelled"]
    status_label: str
    created_at: datetime
    settled_at: datetime | None


class ShareCode(Model):
    code: str
    url: Url = Field(description="The store's home with `?ref=<code>`: who opens it is bound to the member.")
    qr_url: Url = Field(description="An SVG QR code of `url`.")


class Invitee(Model):
    nickname: str
    joined_at: datetime
    counted: bool = Field(description="Completed a first order after being invited (counts for rewards).")


class Invites(ShareCode):
    enabled: bool = Field(description="The store runs invite rewards.")
    counted: int
    invited_by_someone: bool
    invited: list[Invitee]


# --- helpers ---------------------------------------------------------------------------------

def _share_code_json(member):
    code = referral_code(member)
    return {"code": code, "url": absolute(f"/?ref={quote(code, safe='')}"),
            "qr_url": absolute(f"/api/v1/share-codes/{quote(code, safe='')}/qr.svg")}


def _distributor_json(member):
    settings = distribution_settings()
    distributor = distributor_of(member.id)
    level1, level2 = team_counts(member.id)
    earnings = earnings_of(member.id)
    return {"enabled": bool(settings.enabled), "status": distributor.status if distributor else "none",
            "status_label": status_labels()[distributor.status] if distributor else None,
            "applied_at": distributor.applied_at.isoformat() if distributor else None,
            "level1_percent": settings.level1_percent, "level2_percent": settings.level2_percent,
            "settle_days": settings.settle_days, "team": {"level1": level1, "level2": level2},
            "earnings": {"frozen": earnings.frozen, "settled": earnings.settled, "cancelled": earnings.cancelled,
                         "owed": earnings.owed}}


def _paged(query, params, member):
    try:
        return query(member.id, cursor=params.cursor, per_page=params.limit)
    except BadCursor:
        raise BadParameter("cursor", BAD_CURSOR) from None


# --- routes ----------------------------------------------------------------------------------

@api_bp.route("/distribution/application", methods=["POST"])
@spec.validate(resp=responses(DistributorInfo, status=201, errors=(401, 404, 409)), security=MEMBER, tags=[TAG])
def distribution_apply():
    """Apply to distribute (again, after a rejection); the store reviews it. 409
    `distribution_problem`: the store runs no program, or applied already."""
    member = current_api_member()
    with committed():
        apply_as_distributor(member)
    response = jsonify(_distributor_json(member))
    response.status_code = 201
    return private(response)


@api_bp.route("/distribution/me")
@spec.validate(resp=responses(DistributorInfo, errors=(401, 404)), security=MEMBER, tags=[TAG])
def distribution_me():
    """The member's standing as a distributor, team sizes and earnings."""
    return private(jsonify(_distributor_json(current_api_member())))


@api_bp.route("/distribution/team")
@spec.validate(query=PageQuery, resp=responses(Page[DistributionTeamMember], errors=(400, 401, 404)), security=MEMBER,
               tags=[TAG])
def distribution_team():
    """Members the member brought, newest first."""
    found = _paged(member_team, request.context.query, current_api_member())
    return private(jsonify({"items": [{"id": someone.id, "nickname": someone.display_name(),
                                       "joined_at": referral.bound_at.isoformat()}
                                      for referral, someone in found.items],
                            "next_cursor": found.next_cursor}))


@api_bp.route("/distribution/commissions")
@spec.validate(query=PageQuery, resp=responses(Page[DistributionCommission], errors=(400, 401, 404)), security=MEMBER,
               tags=[TAG])
def distribution_commissions():
    """The member's commissions, newest first."""
    found = _paged(member_commission_page, request.context.query, current_api_member())
    labels = status_labels()
    return private(jsonify({"items": [
        {"id": c.id, "order_no": number, "level": c.level, "base": c.base, "percent": c.percent, "amount": c.amount,
         "earned": c.earned(), "status": c.status, "status_label": labels[c.status], "created_at": c.created_at.isoformat(),
         "settled_at": c.settled_at.isoformat() if c.settled_at else None} for c, number in found.items],
        "next_cursor": found.next_cursor}))


@api_bp.route("/distribution/share-code")
@spec.validate(resp=responses(ShareCode, errors=(401, 404, 409)), security=MEMBER, tags=[TAG])
def distribution_share_code():
    """The approved distributor's share code, link and QR image. 409: not an approved distributor."""
    member = current_api_member()
    distributor = distributor_of(member.id)
    if distributor is None or distributor.status != Distributor.APPROVED:
        raise DistributionProblem(_("Only approved distributors have a share code."))
    return private(jsonify(_share_code_json(member)))


@api_bp.route("/share-codes/<code>/qr.svg")
@spec.validate(resp=responses(errors=(404,)), tags=[TAG])
def share_code_qr(code):
    """The QR code (SVG) of a share link; only codes issued by this store are drawn."""
    if len(code) > MAX_CODE_LENGTH or referrer_id_from_code(code, g.tenant.id) is None:
        abort(404)
    svg = qr_svg(absolute(f"/?ref={quote(code, safe='')}"), title=_("Scan to visit the store"), xmldecl=True)
    response = Response(svg, mimetype="image/svg+xml")
    response.cache_control.public = True
    response.cache_control.max_age = 86400
    return response


@api_bp.route("/me/invites")
@spec.validate(resp=responses(Invites, errors=(401, 404)), security=MEMBER, tags=[TAG])
def my_invites():
    """The member's invite link and code, and who they invited (newest first)."""
    member = current_api_member()
    return private(jsonify({**_share_code_json(member), "enabled": bool(invite_settings().enabled),
                            "counted": counted_invitees(member.id),
                            "invited_by_someone": referrer_of(member.id) is not None,
                            "invited": [{"nickname": someone.display_name(), "joined_at": bound_at.isoformat(),
                                         "counted": bool(counted)} for someone, bound_at, counted
                                        in invitees_of(member.id)]}))
