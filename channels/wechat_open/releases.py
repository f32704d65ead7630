"""One store's mini-program pipeline: 未授权 → 已授权 → 已上传 → 审核中 → 审核通过/审核驳回 →
已发布. Every call to WeChat that must not happen twice is guarded by an intent column on
the release row (store, template, step), committed before the call; a rerun that finds the
intent without the result asks WeChat what became of it instead of calling again."""
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from channels.wechat_open import client
from channels.wechat_open.authorization import authorization_of
from channels.wechat_open.errors import ALREADY_RELEASED, NO_AUDIT, PublishingRefused, WeChatOpenError
from channels.wechat_open.ext import store_ext_json
from channels.wechat_open.models import Authorization, Release
from channels.wechat_open.tokens import authorizer_access_token
from core.audit import record_audit
from core.extensions import db
from core.models import utcnow
from tenants.models import MiniProgram

# WeChat's audit states (get_auditstatus)
AUDIT_PASSED, AUDIT_REJECTED, AUDITING = 0, 1, 2

# The steps the console shows, in order, with the Chinese the issue names them by.
NOT_AUTHORIZED, AUTHORIZED = "not_authorized", "authorized"
STEPS = (
    (NOT_AUTHORIZED, _l("Not authorised")),
    (AUTHORIZED, _l("Authorised")),
    (Release.UPLOADED, _l("Uploaded")),
    (Release.AUDITING, _l("In review")),
    (Release.APPROVED, _l("Review passed")),
    (Release.RELEASED, _l("Released")),
)


@dataclass(frozen=True)
class PipelineStep:
    key: str
    label: str
    at: datetime | None
    reached: bool
    current: bool


def latest_release(program):
    return db.session.scalar(select(Release).where(Release.mini_program_id == program.id)
                             .order_by(Release.id.desc()))


def pipeline(program):
    """The steps of ``program``'s newest release as the console draws them (a rejection takes
    the place of 审核通过, with its reason on the release)."""
    authorization = authorization_of(program) if program else None
    release = latest_release(program) if program else None
    authorized = authorization is not None and authorization.is_active()
    times = {NOT_AUTHORIZED: None, AUTHORIZED: authorization.authorized_at if authorized else None}
    status = NOT_AUTHORIZED
    if authorized:
        status = AUTHORIZED
        if release is not None and release.status:
            status = release.status
            times.update({Release.UPLOADED: release.committed_at, Release.AUDITING: release.audit_submitted_at,
                          Release.APPROVED: release.audited_at, Release.REJECTED: release.audited_at,
                          Release.RELEASED: release.released_at})
    order = [key for key, _label in STEPS]
    position = order.index(Release.APPROVED if status == Release.REJECTED else status)
    steps = []
    for index, (key, label) in enumerate(STEPS):
        if key == Release.APPROVED and status == Release.REJECTED:
            key, label = Release.REJECTED, _l("Review rejected")
        steps.append(PipelineStep(key, str(label), times.get(key), index <= position, index == position))
    return steps


def ensure_release(program, *, template_id, user_version, rollout_id=None):
    """The store's release row of this template version (the fixed id of every step)."""
    release = db.session.scalar(select(Release).where(Release.mini_program_id == program.id,
                                                      Release.template_id == template_id))
    if release is None:
        release = Release(mini_program_id=program.id, template_id=template_id, user_version=user_version,
                          rollout_id=rollout_id)
        db.session.add(release)
        db.session.flush()
    elif rollout_id and release.rollout_id is None:
        release.rollout_id = rollout_id
    return release


def upload(program, *, template_id, user_version, user_desc="", rollout_id=None):
    """Commit the template with the store's ext.json (a repeat only re-uploads the same code,
    which WeChat allows); the 体验版 works from here on."""
    authorization = _active_authorization(program)
    release = ensure_release(program, template_id=template_id, user_version=user_version, rollout_id=rollout_id)
    if release.status not in (None, Release.UPLOADED, Release.REJECTED):
        return release
    client.commit(authorizer_access_token(authorization), template_id=template_id,
                  ext_json=store_ext_json(program.appid), user_version=user_version, user_desc=user_desc)
    release.status, release.committed_at, release.reason = Release.UPLOADED, utcnow(), None
    db.session.flush()
    return release


def submit_for_audit(release, *, actor=None):
    """Submit the uploaded code for WeChat's review, at most once per intent.

    The intent is committed before the call. A rerun that finds it (the last run died, or
    WeChat's answer was lost) looks at WeChat's newest audit and adopts it if it is not
    another release's; only if WeChat has none does it submit.

    :raise QuotaReached: WeChat's daily quota is spent (the intent is withdrawn)
    :raise PublishingRefused: nothing uploaded, or already submitted
    """
    program = db.session.get(MiniProgram, release.mini_program_id)
    token = authorizer_access_token(_active_authorization(program))
    if release.status == Release.AUDITING or release.audit_submitted_at and release.status != Release.REJECTED:
        return release
    if not release.can_submit():
        raise PublishingRefused(_l("Upload the code before submitting it for review."))
    claimed = db.session.execute(update(Release).where(Release.id == release.id,
                                                       Release.submit_requested_at.is_(None))
                                 .values(submit_requested_at=utcnow())).rowcount
    db.session.commit()  # the intent outlives this process
    if not claimed:
        if not _intent_abandoned(release.submit_requested_at):
            return release  # another run is submitting it right now
        if _adopt_submitted_audit(release, token):
            db.session.commit()
            return release
    try:
        auditid = client.submit_audit(token)
    except WeChatOpenError as refusal:  # WeChat said no (quota, content): nothing was submitted
        _withdraw_intent(release, refusal)
        raise
    _mark_auditing(release, auditid)
    record_audit("mini_program.submitted", actor=actor, target=release,
                 details={"appid": program.appid, "version": release.user_version, "auditid": auditid})
    db.session.commit()
    return release


def _intent_abandoned(requested_at):
    """An intent older than any call could take: its run died or lost WeChat's answer."""
    wait = current_app.config["WECHAT_OPEN_INTENT_SECONDS"]
    return requested_at is None or utcnow() - requested_at >= timedelta(seconds=wait)


def _adopt_submitted_audit(release, token):
    """A submit whose answer was lost: WeChat's newest audit is ours unless another release
    of the mini-program holds it."""
    try:
        latest = client.latest_audit(token)
    except WeChatOpenError as refusal:
        if refusal.errcode == NO_AUDIT:
            return False
        raise
    taken = db.session.scalar(select(Release.id).where(Release.mini_program_id == release.mini_program_id,
                                                       Release.auditid == latest["auditid"], Release.id != release.id))
    if taken:
        return False
    _mark_auditing(release, latest["auditid"])
    if latest.get("status") in (AUDIT_PASSED, AUDIT_REJECTED):
        apply_audit_result(release, passed=latest["status"] == AUDIT_PASSED, reason=latest.get("reason"))
    return True


def _mark_auditing(release, auditid):
    release.auditid, release.status = auditid, Release.AUDITING
    release.audit_submitted_at, release.audited_at, release.reason, release.last_error = utcnow(), None, None, None
    db.session.flush()


def _withdraw_intent(release, refusal):
    db.session.rollback()
    db.session.execute(update(Release).where(Release.id == release.id).values(
        submit_requested_at=None, last_error=f"{refusal.errcode} {refusal.errmsg or ''}"[:255]))
    db.session.commit()
    db.session.refresh(release)


def apply_audit_result(release, *, passed, reason=None):
    """WeChat's verdict (the audit event or a status query) onto the release. A rejection
    ends the submit intent: the owner may fix and submit again."""
    if release.status != Release.AUDITING:
        return False
    release.status = Release.APPROVED if passed else Release.REJECTED
    release.reason = None if passed else (reason or "")
    release.audited_at = utcnow()
    if not passed:
        release.submit_requested_at = None
    db.session.flush()
    return True


def release_approved(release, *, actor=None):
    """Release the approved version to every shopper, at most once per intent.

    :raise PublishingRefused: the release is not approved
    """
    if release.status == Release.RELEASED:
        return release
    if not release.can_release():
        raise PublishingRefused(_l("Only an approved version can be released."))
    program = db.session.get(MiniProgram, release.mini_program_id)
    token = authorizer_access_token(_active_authorization(program))
    db.session.execute(update(Release).where(Release.id == release.id, Release.release_requested_at.is_(None))
                       .values(release_requested_at=utcnow()))
    db.session.commit()
    try:
        client.release(token)
    except WeChatOpenError as refusal:
        if refusal.errcode != ALREADY_RELEASED:  # a lost answer, released the first time
            raise
    release.status, release.released_at = Release.RELEASED, utcnow()
    record_audit("mini_program.released", actor=actor, target=release,
                 details={"appid": program.appid, "version": release.user_version})
    db.session.commit()
    return release


def trial_qrcode(program):
    """The 体验版 QR image of the uploaded code: ``(bytes, mimetype)``."""
    return client.trial_qrcode(authorizer_access_token(_active_authorization(program)))


def _active_authorization(program):
    authorization = authorization_of(program) if program else None
    if authorization is None or authorization.status != Authorization.AUTHORIZED:
        raise PublishingRefused(_l("The mini-program is not authorised to Duoshop. Authorise it again."))
    return authorization
