"""小程序发布: the store's mini-program authorised to Duoshop's third-party platform, then
uploaded, reviewed by WeChat and released — each step with its time, the 体验版 QR code,
and the button for the next step an owner may take."""
from urllib.parse import urlparse

from flask import Response, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from builder.blueprints import console_bp
from channels.wechat_open.authorization import authorization_page, complete_authorization, publishing_mini_program
from channels.wechat_open.errors import OutcomeUnknown, WeChatOpenError
from channels.wechat_open.releases import (
    latest_release,
    pipeline,
    release_approved,
    submit_for_audit,
    trial_qrcode,
    upload,
)
from channels.wechat_open.rollouts import current_template
from core import tokens
from core.refusals import Attempt
from core.security import allow_form_redirect_to

STATE_PURPOSE = "wechat-open-authorize"
STATE_MAX_AGE = 1800  # seconds: as long as WeChat's pre-auth code


def _page(status=200):
    page = urlparse(current_app.config["WECHAT_OPEN_PAGE_BASE_URL"])
    allow_form_redirect_to(f"{page.scheme}://{page.netloc}")  # 授权小程序 ends on WeChat's page
    program = publishing_mini_program()
    release = latest_release(program) if program else None
    return render_template("builder/publishing.html", program=program, release=release,
                           steps=pipeline(program), can_act=current_user.can_manage_staff()), status


@console_bp.route("/mini-program/publish")
def publishing():
    return _page()


@console_bp.route("/mini-program/publish/authorize", methods=["POST"])
def publishing_authorize():
    """授权小程序: off to WeChat's authorisation page; it comes back to the callback."""
    state = tokens.sign(STATE_PURPOSE, current_user.id, tenant_id=g.tenant.id)
    callback = url_for("console.publishing_callback", state=state, _external=True)
    with Attempt(commit=False) as attempt:
        page = authorization_page(actor=current_user, redirect_uri=callback)
    if attempt.refused:
        return redirect(url_for("console.publishing"))
    return redirect(page)


@console_bp.route("/mini-program/publish/callback")
def publishing_callback():
    """Where WeChat sends the owner back with ``auth_code``; ``state`` proves it is the
    flow this staff member started in this store."""
    try:
        staff_id = tokens.unsign(STATE_PURPOSE, request.args.get("state", ""), tenant_id=g.tenant.id,
                                 max_age=STATE_MAX_AGE)
    except tokens.BadToken:
        abort(400)
    if staff_id != current_user.id or not request.args.get("auth_code"):
        abort(400)
    with Attempt() as attempt:
        complete_authorization(actor=current_user, auth_code=request.args["auth_code"])
    if not attempt.refused:
        flash(_("Mini-program authorised."), "success")
    return redirect(url_for("console.publishing"))


def _step(verb, done):
    program = publishing_mini_program() or abort(404)
    with Attempt() as attempt:
        verb(program)
    if not attempt.refused:
        flash(done, "success")
    return redirect(url_for("console.publishing"))


@console_bp.route("/mini-program/publish/upload", methods=["POST"])
def publishing_upload():
    def upload_current(program):
        _require_manager()
        template_id, version, description = current_template()
        upload(program, template_id=template_id, user_version=version, user_desc=description)

    return _step(upload_current, _("Code uploaded: scan the trial QR code to try it."))


@console_bp.route("/mini-program/publish/submit", methods=["POST"])
def publishing_submit():
    return _step(lambda program: submit_for_audit(_release_of(program), actor=current_user),
                 _("Submitted to WeChat for review."))


@console_bp.route("/mini-program/publish/release", methods=["POST"])
def publishing_release():
    return _step(lambda program: release_approved(_release_of(program), actor=current_user),
                 _("Released: shoppers now get this version."))


@console_bp.route("/mini-program/publish/qrcode.png")
def publishing_qrcode():
    """The 体验版 QR code, fetched from WeChat for this store's mini-program."""
    program = publishing_mini_program() or abort(404)
    try:
        image, mimetype = trial_qrcode(program)
    except (WeChatOpenError, OutcomeUnknown):
        abort(404)
    return Response(image, mimetype=mimetype, headers={"Cache-Control": "private, max-age=60"})


def _release_of(program):
    _require_manager()
    return latest_release(program) or abort(404)


def _require_manager():
    if not current_user.can_manage_staff():
        abort(403)
