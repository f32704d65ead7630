"""The store's privacy policy ``/privacy`` and the member's privacy page ``/me/privacy``: the
version agreed and when, a one-tap switch per optional use (withdrawing takes effect at once),
agreeing again after a new version, and the data-rights section of ``_data_rights.html``."""
from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from commerce.members.consent import (
    consent_state,
    current_policy,
    needs_reconsent,
    purpose_titles,
    record_consents,
    update_consents,
)
from commerce.members.models import MemberConsent
from core.refusals import Attempt
from storefront.blueprints import storefront_bp
from storefront.forms import ConsentSwitchForm, PolicyAgreementForm
from storefront.shopper import current_member
from storefront.views.data_rights import data_rights_context


def purpose_labels():
    """What each purpose means to a shopper: ``{purpose: (title, explanation)}``."""
    titles = purpose_titles()
    return {
        MemberConsent.ACCOUNT: (titles[MemberConsent.ACCOUNT], _(
            "Needed to have an account: orders, payment, delivery, after-sales and member benefits.")),
        MemberConsent.MARKETING: (titles[MemberConsent.MARKETING], _(
            "Messages about promotions and new products from this store.")),
        MemberConsent.PROFILING: (titles[MemberConsent.PROFILING], _(
            "Analysing your purchases and browsing (member segment, favourite categories) to improve "
            "products and recommendations.")),
    }


@storefront_bp.route("/privacy")
def privacy_policy():
    return render_template("storefront/privacy.html", policy=current_policy())


@storefront_bp.route("/me/privacy")
def my_privacy():
    member = current_member()
    if member is None:
        return redirect(url_for("storefront.login", next=url_for("storefront.my_privacy")))
    return render_template("storefront/my_privacy.html", member=member, policy=current_policy(),
                           state=consent_state(member.id), reconsent=needs_reconsent(member.id),
                           labels=purpose_labels(), optional=MemberConsent.OPTIONAL_PURPOSES,
                           switch_form=ConsentSwitchForm(), agreement_form=PolicyAgreementForm(),
                           **data_rights_context(member))


@storefront_bp.route("/me/privacy/<purpose>", methods=["POST"])
def switch_consent(purpose):
    """:raise 404: not an optional purpose (the account's is withdrawn by closing the account)"""
    member = current_member()
    if member is None:
        return redirect(url_for("storefront.login", next=url_for("storefront.my_privacy")))
    if purpose not in MemberConsent.OPTIONAL_PURPOSES:
        abort(404)
    form = ConsentSwitchForm()
    if not form.validate():
        flash(_("That did not work. Please try again."), "error")
        return redirect(url_for("storefront.my_privacy"))
    with Attempt() as attempt:
        record_consents(member.id, {purpose: form.choice()}, channel=MemberConsent.H5)
    if not attempt.refused:
        title = purpose_labels()[purpose][0]
        flash(_("%(use)s: turned on.", use=title) if form.choice() else _("%(use)s: turned off.", use=title),
              "success")
    return redirect(url_for("storefront.my_privacy"))


@storefront_bp.route("/me/privacy/agree", methods=["POST"])
def agree_to_policy():
    """Agree to the current policy version (the one the shopper was shown)."""
    member = current_member()
    if member is None:
        return redirect(url_for("storefront.login", next=url_for("storefront.my_privacy")))
    form = PolicyAgreementForm()
    if not form.validate():
        flash(_("That did not work. Please try again."), "error")
        return redirect(url_for("storefront.my_privacy"))
    with Attempt() as attempt:  # a version older than the current one is refused with its message
        update_consents(member.id, {MemberConsent.ACCOUNT: True}, version_read=form.version.data,
                        channel=MemberConsent.H5)
    if not attempt.refused:
        flash(_("Thank you. You have agreed to the current privacy policy."), "success")
    return redirect(url_for("storefront.my_privacy"))
