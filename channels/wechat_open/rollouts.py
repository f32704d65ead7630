"""A template version rolled out to every authorised store: a background job that takes
each store one step further (upload → submit → release once approved), stops when WeChat
says the day's quota is spent and resumes later, and can be rerun at any time — each step
is idempotent (``releases``), so a rerun never submits twice."""
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from channels.wechat_open import client
from channels.wechat_open.errors import OutcomeUnknown, PublishingRefused, QuotaReached, WeChatOpenError
from channels.wechat_open.events import AUDIT_PASSED_TOPIC
from channels.wechat_open.models import Authorization, Release, Rollout
from channels.wechat_open.releases import release_approved, submit_for_audit, upload
from channels.wechat_open.tokens import component_access_token
from core.audit import record_audit
from core.extensions import db
from core.jobs import enqueue
from core.models import utcnow
from core.outbox import publish, subscriber
from core.tenancy import tenant_context, unscoped
from tenants.models import MiniProgram, Tenant

ROLLOUT_STARTED_TOPIC = "wechat_open.rollout_started"
FINISHED = (Release.RELEASED, Release.REJECTED)


def template_library():
    """WeChat's template library of the platform, newest first."""
    return sorted(client.template_list(component_access_token()), key=lambda t: t["template_id"], reverse=True)


def start_rollout(*, actor, template_id):
    """A rollout of ``template_id`` (from the library) to every authorised store; the job
    starts once the caller commits.

    :raise PublishingRefused: no such template in WeChat's library
    """
    template = next((t for t in template_library() if t["template_id"] == template_id), None)
    if template is None:
        raise PublishingRefused(_l("That template is not in WeChat's template library."), field="template_id")
    if not _targets():
        raise PublishingRefused(_l("No store has authorised its mini-program to Duoshop yet."))
    rollout = Rollout(template_id=template_id, user_version=str(template["user_version"])[:32],
                      user_desc=str(template.get("user_desc") or "")[:255], status=Rollout.RUNNING,
                      started_by=getattr(actor, "email", None))
    db.session.add(rollout)
    db.session.flush()
    record_audit("mini_program.rollout_started", actor=actor, target=rollout,
                 details={"template_id": template_id, "version": rollout.user_version})
    publish(ROLLOUT_STARTED_TOPIC, tenant_id=None, rollout_id=rollout.id)
    return rollout


@subscriber(ROLLOUT_STARTED_TOPIC)
def _run_started_rollout(event):
    advance_rollout(event.payload["rollout_id"])


def _targets():
    """``(tenant_id, mini_program_id)`` of every authorised mini-program, across stores."""
    with unscoped():  # a rollout is the platform's: it spans every store
        return db.session.execute(
            select(MiniProgram.tenant_id, MiniProgram.id)
            .join(Authorization, (Authorization.mini_program_id == MiniProgram.id)
                  & (Authorization.tenant_id == MiniProgram.tenant_id))
            .where(Authorization.status == Authorization.AUTHORIZED).order_by(MiniProgram.tenant_id)).all()


def advance_rollout(rollout_id):
    """Job: take every authorised store one step further. Idempotent; reruns are safe."""
    rollout = db.session.get(Rollout, rollout_id)
    if rollout is None or rollout.status == Rollout.DONE:
        return "nothing to do"
    rollout.status, rollout.resume_at = Rollout.RUNNING, None
    db.session.commit()
    for tenant_id, program_id in _targets():
        with tenant_context(tenant_id):
            try:
                _advance_store(rollout, db.session.get(MiniProgram, program_id))
            except QuotaReached:
                return _wait_for_quota(rollout_id)
            except (WeChatOpenError, OutcomeUnknown, PublishingRefused) as error:
                _note_error(rollout, program_id, error)
    return settle_rollout(rollout_id)


def _advance_store(rollout, program):
    release = db.session.scalar(select(Release).where(Release.mini_program_id == program.id,
                                                      Release.template_id == rollout.template_id))
    if release is None or release.status in (None, Release.UPLOADED) and release.committed_at is None:
        release = upload(program, template_id=rollout.template_id, user_version=rollout.user_version,
                         user_desc=rollout.user_desc, rollout_id=rollout.id)
        db.session.commit()
    if release.status == Release.UPLOADED:
        submit_for_audit(release)
    if release.status == Release.APPROVED:
        release_approved(release)
    db.session.commit()


def _note_error(rollout, program_id, error):
    db.session.rollback()
    release = db.session.scalar(select(Release).where(Release.mini_program_id == program_id,
                                                      Release.template_id == rollout.template_id))
    if release is not None:
        release.last_error = str(getattr(error, "message", error))[:255]
        db.session.commit()


def _wait_for_quota(rollout_id):
    db.session.rollback()
    rollout = db.session.get(Rollout, rollout_id)
    delay = current_app.config["WECHAT_OPEN_QUOTA_RETRY_SECONDS"]
    rollout.status, rollout.resume_at = Rollout.WAITING_QUOTA, utcnow() + timedelta(seconds=delay)
    db.session.commit()
    enqueue(advance_rollout, rollout_id, delay=delay, job_id=f"wechat-open-rollout-{rollout_id}-{int(delay)}")
    return "waiting for quota"


def settle_rollout(rollout_id):
    """Done once every targeted store is released or rejected; else waiting on audits."""
    rollout = db.session.get(Rollout, rollout_id)
    progress = rollout_progress(rollout)
    if progress.finished == progress.total:
        rollout.status, rollout.finished_at = Rollout.DONE, rollout.finished_at or utcnow()
    elif rollout.status == Rollout.RUNNING:
        rollout.status = Rollout.WAITING_AUDIT
    db.session.commit()
    return rollout.status


@subscriber(AUDIT_PASSED_TOPIC)
def _release_after_audit(event):
    """A rollout's store passed review: release it, and see whether the rollout is done."""
    release = db.session.get(Release, event.payload["release_id"])
    if release is None:
        return
    if release.can_release():
        release_approved(release)
    if release.rollout_id:
        settle_rollout(release.rollout_id)


@dataclass(frozen=True)
class StoreProgress:
    store_name: str
    appid: str
    status: str | None
    reason: str | None
    last_error: str | None
    updated_at: object


@dataclass(frozen=True)
class RolloutProgress:
    total: int
    released: int
    finished: int
    stores: list


def rollout_progress(rollout):
    """X of N released, and each store's step: the authorised stores and any store already
    in the rollout (one that revoked since still shows)."""
    targets = {program_id for _tenant, program_id in _targets()}
    with unscoped():  # the platform's view across stores
        rows = db.session.execute(
            select(Tenant.name, MiniProgram.id, MiniProgram.appid, Release)
            .join(MiniProgram, MiniProgram.tenant_id == Tenant.id)
            .outerjoin(Release, (Release.mini_program_id == MiniProgram.id)
                       & (Release.tenant_id == MiniProgram.tenant_id) & (Release.template_id == rollout.template_id))
            .order_by(Tenant.name)).all()
    stores = [StoreProgress(name, appid, release.status if release else None, release.reason if release else None,
                            release.last_error if release else None, release.updated_at if release else None)
              for name, program_id, appid, release in rows
              if program_id in targets or (release is not None and release.rollout_id == rollout.id)]
    released = sum(1 for store in stores if store.status == Release.RELEASED)
    finished = sum(1 for store in stores if store.status in FINISHED)
    return RolloutProgress(total=len(stores), released=released, finished=finished, stores=stores)


def recent_rollouts(limit=10):
    return db.session.scalars(select(Rollout).order_by(Rollout.id.desc()).limit(limit)).all()


def current_template():
    """``(template_id, user_version, user_desc)`` a store uploads from its console: the
    platform's latest rollout's, else the newest in WeChat's library."""
    rollout = db.session.scalar(select(Rollout).order_by(Rollout.id.desc()))
    if rollout is not None:
        return rollout.template_id, rollout.user_version, rollout.user_desc
    library = template_library()
    if not library:
        raise PublishingRefused(_l("WeChat's template library is empty: the platform has no mini-program yet."))
    newest = library[0]
    return newest["template_id"], str(newest["user_version"]), str(newest.get("user_desc") or "")


def find_rollout(rollout_id):
    return db.session.get(Rollout, rollout_id)
