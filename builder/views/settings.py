"""Store settings: name, logo, contact, custom domains and mini-program AppIDs."""
from flask import abort, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from builder.blueprints import console_bp
from builder.forms import DomainForm, MiniProgramForm, StoreSettingsForm
from builder.forms.settings import WeChatPayForm
from core.refusals import Attempt
from payments.settings import save_direct_account, save_service_provider_account, store_account
from tenants.domains import claim_expires_at, record_name, record_value
from tenants.queries import store_domain, store_domains, store_mini_programs
from tenants.service import add_custom_domain, add_mini_program, update_store_settings, verify_domain


def direct_fields():
    return [("mchid", _("Merchant number (商户号)")), ("appid", _("AppID paid from")),
            ("private_key", _("API private key (apiclient_key.pem)")), ("cert_serial_no", _("Certificate serial number")),
            ("apiv3_key", _("APIv3 key")), ("public_key", _("WeChat Pay public key (pub_key.pem)")),
            ("public_key_id", _("Public key ID"))]


def _render(settings_form=None, domain_form=None, appid_form=None, status=200, pay_error=None):
    tenant = g.tenant
    settings_form = settings_form or StoreSettingsForm(
        name=tenant.name, contact_email=tenant.contact_email, contact_phone=tenant.contact_phone,
        logo_url=tenant.logo_url,
    )
    return render_template(
        "builder/settings.html",
        settings_form=settings_form,
        domain_form=domain_form or DomainForm(),
        appid_form=appid_form or MiniProgramForm(),
        domains=store_domains(), mini_programs=store_mini_programs(), record_name=record_name,
        record_value=record_value, claim_expires_at=claim_expires_at,
        pay_account=store_account(), can_manage_payments=current_user.can_manage_staff(),
        direct_fields=direct_fields(), pay_error=pay_error,
    ), status


def _submit(form, form_name, default_field, save, done_message):
    """Validate ``form``, run ``save(form)``, commit; on refusal re-render with the message."""
    if not form.validate_on_submit():
        return _render(**{form_name: form}, status=422)
    with Attempt(form, field=default_field) as attempt:
        save(form)
    if attempt.refused:
        return _render(**{form_name: form}, status=attempt.status)
    flash(done_message, "success")
    return redirect(url_for("console.store_settings"))


@console_bp.route("/settings", methods=["GET", "POST"])
def store_settings():
    form = StoreSettingsForm()
    if not form.is_submitted():
        return _render()
    return _submit(form, "settings_form", "name", lambda f: update_store_settings(
        actor=current_user, tenant=g.tenant, name=f.name.data, contact_email=f.contact_email.data,
        contact_phone=f.contact_phone.data, logo_url=f.logo_url.data), _("Store settings saved."))


@console_bp.route("/settings/domains", methods=["POST"])
def domain_add():
    return _submit(DomainForm(), "domain_form", "hostname",
                   lambda f: add_custom_domain(actor=current_user, hostname=f.hostname.data),
                   _("Domain added. Add the TXT record below, then press Verify."))


@console_bp.route("/settings/domains/<int:domain_id>/verify", methods=["POST"])
def domain_verify(domain_id):
    """Check the domain's DNS TXT record; verified, it serves the store."""
    domain = store_domain(domain_id) or abort(404)
    with Attempt() as attempt:
        verify_domain(actor=current_user, domain=domain)
    if not attempt.refused:
        flash(_("%(host)s is verified: it now serves your store.", host=domain.hostname), "success")
    return redirect(url_for("console.store_settings") + "#domains")


@console_bp.route("/settings/mini-programs", methods=["POST"])
def mini_program_add():
    return _submit(MiniProgramForm(), "appid_form", "appid",
                   lambda f: add_mini_program(actor=current_user, appid=f.appid.data, name=f.name.data),
                   _("Mini-program bound."))


@console_bp.route("/settings/wechatpay", methods=["POST"])
def wechatpay_save():
    """Owners and admins only: these keys move the store's money."""
    if not current_user.can_manage_staff():
        abort(403)
    form = WeChatPayForm()
    with Attempt(flash=False) as attempt:
        if form.direct:
            save_direct_account(actor=current_user, **form.direct_account())
        else:
            save_service_provider_account(actor=current_user, sub_mchid=form.sub_mchid.data)
    if attempt.refused:
        return _render(pay_error=attempt.refusal, status=attempt.status)
    flash(_("WeChat Pay settings saved."), "success")
    return redirect(url_for("console.store_settings") + "#wechatpay")
