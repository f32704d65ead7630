"""Signing a mini-program shopper in: ``wx.login()``'s code → code2session → the store's
member → a bearer token for every shopper endpoint.

A first sign-in may carry the shopper's consents (``consents``: they read the policy, of
``policy_version``, and agreed): then the member and their consent are written in one
transaction, so no member exists who never agreed, and a grant on an outdated policy refuses
the sign-in as a whole (409 ``policy_changed``; read the policy again). Without it (an older
client, a returning member) the answer's ``consent_required`` says whether to ask, then
``PUT /me/consents``."""
from flask import jsonify, request
from pydantic import Field

from commerce.members.consent import check_policy_read, needs_reconsent, update_consents
from commerce.members.models import MemberConsent
from commerce.members.wechat_auth import code2session
from commerce.members.wechat_login import (
    API_TOKEN_MAX_AGE,
    issue_api_token,
    member_for_openid,
    mini_program_credentials,
)
from core.transaction import committed
from storefront.api.blueprint import api_bp, current_api_member, private
from storefront.api.models import Body, Member, Model
from storefront.api.spec import MEMBER, responses, spec
from tenants.resolve import appid_from_request

MAX_CODE_LENGTH = 128
TAG = "session"


class SignInConsents(Body):
    policy_version: int = Field(ge=0, le=2**31 - 1, description="The policy version the member was shown.")
    marketing: bool = Field(False, description="Agreed to marketing messages.")
    profiling: bool = Field(False, description="Agreed to the user portrait and RFM segments.")

    def choices(self):
        return {MemberConsent.ACCOUNT: True, **{purpose: True for purpose in MemberConsent.OPTIONAL_PURPOSES
                                                if getattr(self, purpose)}}


class SessionRequest(Body):
    code: str = Field(min_length=1, max_length=MAX_CODE_LENGTH, pattern=r"^[^\x00-\x1f\x7f]*\S[^\x00-\x1f\x7f]*$",
                      description="The code from `wx.login()`, valid once for five minutes.")
    consents: SignInConsents | None = Field(None, description="Sent when the member agreed to the policy "
                                                                 "on this sign-in.")


class Session(Model):
    token: str = Field(description="Send as `Authorization: Bearer <token>`; valid in this store only.")
    token_type: str = Field(pattern="^Bearer$")
    expires_in: int = Field(description="Seconds the token stays valid.")
    member: Member
    consent_required: bool = Field(description="Ask the member to read and agree to the current privacy policy "
                                               "(then `PUT /me/consents`).")


def member_json(member):
    return {"id": member.id, "nickname": member.nickname, "has_phone": bool(member.phone)}


@api_bp.route("/session", methods=["POST"])
@spec.validate(json=SessionRequest, resp=responses(Session, errors=(400, 404, 409, 422, 502, 503)), tags=[TAG])
def create_session():
    """Log a mini-program user in: the member (made on first login) and a bearer token.

    409 `policy_changed`: `consents` name a policy version that is no longer current; 422:
    WeChat refused the code, or the store's mini-program has no login set up; 502: WeChat
    could not be reached; 503: WeChat login is not configured on this platform.
    """
    code = request.context.json.code.strip()
    appid, secret = mini_program_credentials(appid_from_request(request.headers.get("X-Duoshop-AppID"),
                                                                request.headers.get("Referer")))
    wechat_session = code2session(appid, secret, code)
    consents = request.context.json.consents
    with committed():
        if consents is not None:  # before the member is made: a stale version makes nobody
            check_policy_read(consents.policy_version)
        member = member_for_openid(wechat_session.openid)
        if consents is not None:
            update_consents(member.id, consents.choices(), version_read=consents.policy_version,
                            channel=MemberConsent.MINIPROGRAM)
    return private(jsonify({"token": issue_api_token(member), "token_type": "Bearer",
                            "expires_in": API_TOKEN_MAX_AGE, "member": member_json(member),
                            "consent_required": needs_reconsent(member.id)}))


@api_bp.route("/me")
@spec.validate(resp=responses(Member, errors=(401, 404)), security=MEMBER, tags=[TAG])
def me():
    """The signed-in member."""
    return private(jsonify(member_json(current_api_member())))
