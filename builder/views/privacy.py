"""The store's privacy policy (设置 › 隐私政策, ``/console/settings/privacy``): every staff
member reads the versions; owners and admins publish a new one (audited). A member's consent
state is shown on their page (``builder.views.members``)."""
from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from builder.blueprints import console_bp
from builder.forms.settings import PrivacyPolicyForm
from commerce.members.consent import current_policy, policy_versions, publish_policy
from core.refusals import Attempt


def may_publish():
    return current_user.can_manage_staff()


@console_bp.route("/settings/privacy", methods=["GET", "POST"])
def privacy_settings():
    """:raise 403: publishing, and not an owner or admin"""
    form = PrivacyPolicyForm()
    if not form.is_submitted():
        policy = current_policy()
        form = PrivacyPolicyForm(formdata=None, title=policy.title, body=policy.body)
        return _render(form)
    if not may_publish():
        abort(403)
    if not form.validate():  # the CSRF token: title and text are the verb's to check
        return _render(form, error_message=_("The form expired. Reload the page and try again.")), 400
    with Attempt(form, flash=False) as attempt:
        policy = publish_policy(form.title.data, form.body.data, actor=current_user)
    if attempt.refused:
        return _render(form, error=attempt.refusal), attempt.status
    flash(_("Version %(version)d of the privacy policy is published. Members will be asked to agree to it.",
            version=policy.version), "success")
    return redirect(url_for("console.privacy_settings"))


def _render(form, *, error=None, error_message=None):
    return render_template("builder/privacy.html", form=form, policy=current_policy(), versions=policy_versions(),
                           may_publish=may_publish(), error=error, error_message=error_message)
