"""Signing shoppers in with WeChat: which app's credentials a store logs in with, the member
behind an openid, the phone a member binds, and the bearer tokens of the mini-program API.

A member is found by (store, openid): the same WeChat user in two stores is two members.
"""
import re

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from commerce.members.models import Member
from commerce.members.wechat_auth import WeChatLoginError
from core.errors import DomainError
from core.extensions import db
from core.forms import CN_MOBILE
from tenants.models import MiniProgram

API_TOKEN_MAX_AGE = 7 * 24 * 3600  # seconds; the mini-program logs in again after a week
NICKNAME_LENGTH = 64


class InvalidPhone(DomainError):
    """Not an 11-digit mainland mobile number."""

    def __init__(self):
        super().__init__(_l("Enter an 11-digit mobile number, like 13812345678."), field="phone")


class NotAuthenticated(DomainError):
    """The API call carries no valid member token."""

    status = 401

    def __init__(self, message=None):
        super().__init__(message or _l("Sign in again: the token is missing, invalid or expired."))


def official_account_credentials():
    """``(appid, secret)`` the storefront's web login uses: the platform's official account.

    :raise WeChatLoginError: none is configured
    """
    appid, secret = current_app.config.get("WECHAT_OA_APPID"), current_app.config.get("WECHAT_OA_SECRET")
    if not appid or not secret:
        raise WeChatLoginError(_l("WeChat login is not set up on this platform yet."), status=503)
    return appid, secret


def mini_program_credentials(appid):
    """``(appid, secret)`` of the current store's mini-program ``appid`` (None: its only one).

    :raise WeChatLoginError: the store has no such mini-program, or no AppSecret for it
    """
    statement = select(MiniProgram).where(MiniProgram.appid == appid) if appid else select(MiniProgram).limit(2)
    programs = db.session.scalars(statement).all()
    program = programs[0] if len(programs) == 1 else None
    if program is None or not program.secret:
        raise WeChatLoginError(_l("This mini-program has no WeChat login set up: its AppSecret is missing."))
    return program.appid, program.secret


def paying_mini_program_appid(named=None):
    """The mini-program a payment is made in: ``named`` (the AppID the call came with) if it
    is the current store's, else the store's only mini-program, else None."""
    statement = select(MiniProgram.appid).where(MiniProgram.appid == named) if named else \
        select(MiniProgram.appid).limit(2)
    found = db.session.scalars(statement).all()
    return found[0] if len(found) == 1 else None


def member_for_openid(openid, *, nickname=None, guest=None):
    """The current store's member with this openid, made when new. A ``guest`` (a member
    without an openid, made at checkout) takes the openid when no member has it yet, so
    their orders stay theirs. A nickname from WeChat replaces the stored one."""
    member = db.session.scalar(select(Member).where(Member.openid == openid))
    if member is None and guest is not None and guest.openid is None:
        member = guest
        member.openid = openid
    elif member is None:
        try:
            with db.session.begin_nested():  # two first logins at once: the unique (store, openid) decides
                member = Member(openid=openid)
                db.session.add(member)
        except IntegrityError:
            member = db.session.scalar(select(Member).where(Member.openid == openid))
    if nickname:
        member.nickname = nickname[:NICKNAME_LENGTH]
    db.session.flush()
    return member


def bind_phone(member, phone):
    """Store the member's mobile number (encrypted at rest). No SMS check yet.

    :raise InvalidPhone: not an 11-digit mobile number
    """
    phone = re.sub(r"[\s-]", "", str(phone or ""))
    if phone.startswith("+86"):
        phone = phone[3:]
    if not CN_MOBILE.fullmatch(phone):
        raise InvalidPhone()
    member.phone = phone
    db.session.flush()
    return member


def _serializer(tenant_id):
    # The store is in the salt: a token signed for one store is invalid in every other.
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"duoshop.api-member.{tenant_id}")


def issue_api_token(member):
    """A signed bearer token naming ``member`` in its store, valid ``API_TOKEN_MAX_AGE``."""
    return _serializer(member.tenant_id).dumps({"m": member.id})


def member_id_in_api_token(token, tenant_id, *, max_age=API_TOKEN_MAX_AGE):
    """The member id a token signed for store ``tenant_id`` names (or None), from the signature
    alone: no database work (the flash-sale gate runs before any).

    :raise NotAuthenticated: forged, for another store, or expired
    """
    try:
        payload = _serializer(tenant_id).loads(token or "", max_age=max_age)
    except SignatureExpired:
        raise NotAuthenticated(_l("The sign-in has expired: log in again.")) from None
    except BadSignature:
        raise NotAuthenticated() from None
    return payload.get("m") if isinstance(payload, dict) else None


def member_from_api_token(token, tenant_id, *, max_age=API_TOKEN_MAX_AGE):
    """The member a token names in store ``tenant_id``.

    :raise NotAuthenticated: forged, for another store, expired, or the member is gone (or
        closed their account)
    """
    member_id = member_id_in_api_token(token, tenant_id, max_age=max_age)
    member = db.session.scalar(select(Member).where(Member.id == member_id)) if isinstance(member_id, int) else None
    if member is None or member.is_erased():
        raise NotAuthenticated()
    return member
