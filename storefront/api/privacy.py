"""The store's privacy policy and the signed-in member's consents, for the mini-program.

The client shows the policy (``GET /privacy-policy``) with its version, and sends the version
it showed with every grant: a grant on a text that is no longer current is refused (409
``policy_changed``), a withdrawal never is. ``consent_required`` tells the client to ask again
(a member who never agreed, or agreed to an older version)."""
from datetime import datetime
from typing import Literal

from flask import jsonify, request
from pydantic import Field

from commerce.members.consent import consent_state, current_policy, needs_reconsent, update_consents
from commerce.members.models import MemberConsent
from core.transaction import committed
from storefront.api.blueprint import api_bp, current_api_member, private
from storefront.api.models import Body, Model
from storefront.api.spec import MEMBER, responses, spec

TAG = "privacy"
MAX_VERSION = 2**31 - 1
Purpose = Literal["account", "marketing", "profiling"]


class PolicyOut(Model):
    version: int = Field(ge=0, description="0: the platform's standard text (the store has published none).")
    title: str
    body: str = Field(description="Plain text; paragraphs are separated by a blank line.")
    paragraphs: list[str] = Field(description="The body cut into paragraphs (lines within one joined by \\n).")
    published_at: datetime | None = Field(description="null for the platform's standard text.")


class ConsentOut(Model):
    purpose: Purpose = Field(description="account: needed for an account (cannot be withdrawn here); marketing: "
                                         "marketing messages; profiling: the user portrait and RFM segments.")
    granted: bool
    required: bool = Field(description="true for account: agreeing is the condition of having an account.")
    policy_version: int | None = Field(description="The policy version of the latest choice; null: never chosen.")
    updated_at: datetime | None


class ConsentsOut(Model):
    policy_version: int = Field(description="The store's current policy version.")
    agreed_version: int | None = Field(description="The version the member last agreed to; null: never.")
    consent_required: bool = Field(description="Ask the member to read and agree to the current policy.")
    items: list[ConsentOut] = Field(description="One per purpose: account, marketing, profiling.")


class ConsentsIn(Body):
    policy_version: int = Field(ge=0, le=MAX_VERSION, description="The policy version the member was shown.")
    account: Literal[True] | None = Field(None, description="true: agrees to the policy (withdrawing it is "
                                                             "closing the account).")
    marketing: bool | None = None
    profiling: bool | None = None

    def choices(self):
        return {purpose: value for purpose, value in
                ((MemberConsent.ACCOUNT, self.account), (MemberConsent.MARKETING, self.marketing),
                 (MemberConsent.PROFILING, self.profiling)) if value is not None}


def policy_json(policy):
    return {"version": policy.version, "title": policy.title, "body": policy.body,
            "paragraphs": ["\n".join(lines) for lines in policy.paragraphs()],
            "published_at": policy.published_at.isoformat() if policy.published_at else None}


def consents_json(member_id):
    state = consent_state(member_id)
    agreed = state[MemberConsent.ACCOUNT]
    return {"policy_version": current_policy().version,
            "agreed_version": agreed.policy_version if agreed.granted else None,
            "consent_required": needs_reconsent(member_id),
            "items": [{"purpose": choice.purpose, "granted": choice.granted,
                       "required": choice.purpose == MemberConsent.ACCOUNT, "policy_version": choice.policy_version,
                       "updated_at": choice.at.isoformat() if choice.at else None} for choice in state.values()]}


@api_bp.route("/privacy-policy")
@spec.validate(resp=responses(PolicyOut, errors=(404,)), tags=[TAG])
def privacy_policy():
    """The store's current privacy policy (隐私政策). Never cached: a grant must name the current version."""
    return private(jsonify(policy_json(current_policy())))


@api_bp.route("/me/consents")
@spec.validate(resp=responses(ConsentsOut, errors=(401, 404)), security=MEMBER, tags=[TAG])
def my_consents():
    """What the member agreed to, per purpose, and whether to ask them again."""
    return private(jsonify(consents_json(current_api_member().id)))


@api_bp.route("/me/consents", methods=["PUT"])
@spec.validate(json=ConsentsIn, resp=responses(ConsentsOut, errors=(400, 401, 404, 409)), security=MEMBER,
               tags=[TAG])
def change_my_consents():
    """Agree to the policy and/or switch the optional uses; fields left out stay as they are.
    Withdrawing (false) takes effect at once. 409 `policy_changed`: a grant on a version that
    is not the current one (`policy_version` in the body of the answer is the current one)."""
    member = current_api_member()
    body = request.context.json
    with committed():
        update_consents(member.id, body.choices(), version_read=body.policy_version,
                        channel=MemberConsent.MINIPROGRAM)
    return private(jsonify(consents_json(member.id)))
