"""What the platform's message endpoint does with each pushed message, once its signature
and encryption check out: keep the component_verify_ticket; apply authorized /
updateauthorized / unauthorized and the audit results EXACTLY ONCE — the event's fixed id
is inserted in the same transaction as its change, so a replay (WeChat retries until it
hears "success", possibly from several servers at once) changes nothing."""
import hashlib
import logging

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from channels.wechat_open import client
from channels.wechat_open.authorization import apply_authorization_info, authorization_of, revoke_authorization
from channels.wechat_open.crypto import MessageCrypto
from channels.wechat_open.models import AppliedEvent, Release
from channels.wechat_open.releases import apply_audit_result
from channels.wechat_open.tokens import component_access_token, store_verify_ticket
from core.audit import record_audit
from core.extensions import db
from core.outbox import publish
from core.tenancy import tenant_context, unscoped
from tenants.models import MiniProgram

log = logging.getLogger(__name__)

AUTHORIZATION_EVENTS = ("authorized", "updateauthorized", "unauthorized")
AUDIT_EVENTS = ("weapp_audit_success", "weapp_audit_fail")
AUDIT_PASSED_TOPIC = "wechat_open.audit_passed"


def message_crypto():
    cfg = current_app.config
    return MessageCrypto(cfg["WECHAT_COMPONENT_TOKEN"], cfg["WECHAT_COMPONENT_AES_KEY"],
                         cfg["WECHAT_COMPONENT_APPID"])


def receive_component_message(body, *, msg_signature, timestamp, nonce):
    """The 授权事件接收URL's work; the caller commits.

    :raise MessageRefused: a forged or garbled message
    """
    fields = message_crypto().open_message(body, msg_signature=msg_signature, timestamp=timestamp, nonce=nonce)
    info_type = fields.get("InfoType")
    if info_type == "component_verify_ticket":
        store_verify_ticket(fields.get("ComponentVerifyTicket"))
        return info_type
    if info_type in AUTHORIZATION_EVENTS:
        _apply_authorization_event(info_type, fields)
    return info_type


def receive_authorizer_message(appid, body, *, msg_signature, timestamp, nonce):
    """The 消息与事件接收URL's work for one authoriser (``$APPID$`` in its path); the caller
    commits. Only the audit results concern Duoshop; other messages are acknowledged.

    :raise MessageRefused: a forged or garbled message
    """
    fields = message_crypto().open_message(body, msg_signature=msg_signature, timestamp=timestamp, nonce=nonce)
    event = fields.get("Event")
    if fields.get("MsgType") == "event" and event in AUDIT_EVENTS:
        _apply_audit_event(appid, event, fields)
    return event


def _bound_program(appid):
    with unscoped():  # an event names an AppID, not a store: find the store that holds it
        return db.session.scalar(select(MiniProgram).where(MiniProgram.appid == (appid or "")))


def _first_time(kind, appid, fields):
    """Insert the event's fixed id; False when it was applied before."""
    digest = hashlib.sha256(f"{kind}\n{appid}\n{sorted(fields.items())}".encode()).hexdigest()
    try:
        with db.session.begin_nested():
            db.session.add(AppliedEvent(id=digest, kind=kind, appid=appid))
    except IntegrityError:
        log.info("WeChat open event %s for %s already applied", kind, appid)
        return False
    return True


def _apply_authorization_event(info_type, fields):
    appid = fields.get("AuthorizerAppid")
    program = _bound_program(appid)
    if program is None:
        return  # the callback binds it to the store that sent the owner to WeChat's page
    # An (update)authorisation made on the page we sent the owner to carries its pre-auth code:
    # the callback completes that one, knowing the store (one auth_code, one redemption).
    # Only a change made on WeChat's side (no pre-auth code) is fetched here.
    from_our_page = info_type != "unauthorized" and bool(fields.get("PreAuthCode"))
    # The token first: its refresh writes on a connection of its own (SQLite allows one writer).
    token = component_access_token() if info_type != "unauthorized" and not from_our_page else None
    if not _first_time(info_type, appid, fields) or from_our_page:
        return
    with tenant_context(program.tenant_id):
        authorization = authorization_of(program)
        if authorization is None:
            return
        if info_type == "unauthorized":
            revoke_authorization(authorization)
            record_audit("mini_program.unauthorized", tenant_id=program.tenant_id, target=program,
                         details={"appid": appid})
        else:
            info = client.query_auth(token, fields.get("AuthorizationCode"))
            apply_authorization_info(authorization, info)
            record_audit("mini_program.authorization_updated", tenant_id=program.tenant_id, target=program,
                         details={"appid": appid})
        db.session.flush()


def _apply_audit_event(appid, event, fields):
    program = _bound_program(appid)
    if program is None or not _first_time(event, appid, fields):
        return
    with tenant_context(program.tenant_id):
        authorization = authorization_of(program)
        if authorization is None or authorization.original_id != fields.get("ToUserName"):
            log.warning("WeChat open audit event for %s names another mini-program: ignored", appid)
            return
        release = db.session.scalar(select(Release).where(Release.mini_program_id == program.id,
                                                          Release.status == Release.AUDITING)
                                    .order_by(Release.id.desc()))
        passed = event == "weapp_audit_success"
        if release is None or not apply_audit_result(release, passed=passed, reason=fields.get("Reason")):
            return
        if passed and release.rollout_id:  # a rollout releases what passed; an owner presses 发布
            publish(AUDIT_PASSED_TOPIC, tenant_id=program.tenant_id, release_id=release.id)
