"""A store authorises its mini-program to the platform: the pre-auth code and the page on
WeChat, then the callback's auth_code exchanged for the authoriser's tokens, stored
encrypted on the store's authorisation of its mini-program row."""
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from channels.wechat_open import client
from channels.wechat_open.errors import PublishingRefused
from channels.wechat_open.models import Authorization
from channels.wechat_open.tokens import component_access_token
from core.audit import record_audit
from core.extensions import db
from core.models import utcnow
from tenants.models import MiniProgram
from tenants.service import add_mini_program


def authorization_page(*, actor, redirect_uri):
    """Where to send the owner: WeChat's authorisation page with a fresh pre-auth code.

    :raise PublishingRefused: not an owner or admin, or the platform has no ticket yet
    """
    _require_manager(actor)
    return client.authorization_page_url(client.create_preauthcode(component_access_token()), redirect_uri)


def complete_authorization(*, actor, auth_code):
    """The callback: exchange ``auth_code`` and keep the authoriser in this store.

    :raise AlreadyTaken: the mini-program is bound to another store
    :raise WeChatOpenError: the code was refused (used, expired, not ours)
    """
    _require_manager(actor)
    token = component_access_token()
    info = client.query_auth(token, auth_code)
    appid = info["authorizer_appid"]
    profile = client.authorizer_info(token, appid)
    program = db.session.scalar(select(MiniProgram).where(MiniProgram.appid == appid))
    if program is None:
        program = add_mini_program(actor=actor, appid=appid, name=(profile.get("nick_name") or "")[:80])
    elif profile.get("nick_name"):
        program.name = profile["nick_name"][:80]
    authorization = authorization_of(program) or Authorization(mini_program_id=program.id)
    authorization.original_id = (profile.get("user_name") or "")[:32] or None
    apply_authorization_info(authorization, info)
    db.session.add(authorization)
    db.session.flush()
    record_audit("mini_program.authorized", actor=actor, target=program, details={"appid": appid})
    return authorization


def apply_authorization_info(authorization, info):
    """What ``api_query_auth`` returned, onto the row (authorised now, tokens replaced)."""
    now = utcnow()
    authorization.status = Authorization.AUTHORIZED
    authorization.refresh_token = info["authorizer_refresh_token"]
    authorization.access_token = info.get("authorizer_access_token")
    authorization.access_token_expires_at = utcnow() + timedelta(seconds=int(info.get("expires_in") or 7200))
    authorization.func_scopes = ",".join(str(item.get("funcscope_category", {}).get("id"))
                                         for item in info.get("func_info") or [])[:255]
    authorization.authorized_at, authorization.revoked_at = now, None


def revoke_authorization(authorization):
    authorization.status = Authorization.REVOKED
    authorization.refresh_token = authorization.access_token = None
    authorization.access_token_expires_at = None
    authorization.revoked_at = utcnow()


def authorization_of(program):
    return db.session.scalar(select(Authorization).where(Authorization.mini_program_id == program.id))


def publishing_mini_program():
    """The store's mini-program that is (or was) authorised to the platform, else its first."""
    authorised = db.session.scalar(select(MiniProgram).join(
        Authorization, (Authorization.mini_program_id == MiniProgram.id)
        & (Authorization.tenant_id == MiniProgram.tenant_id)).order_by(Authorization.authorized_at.desc()))
    return authorised or db.session.scalar(select(MiniProgram).order_by(MiniProgram.id))


def _require_manager(actor):
    if actor is not None and not actor.can_manage_staff():
        raise PublishingRefused(_l("Only the owner or an admin can publish the mini-program."), status=403)
