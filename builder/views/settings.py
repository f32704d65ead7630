"""Store settings: name, logo, contact, custom domains and mini-program AppIDs."""
from flask import flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from builder.forms import DomainForm, MiniProgramForm, StoreSettingsForm
from builder.views import console_bp
from core.errors import DomainError
from core.extensions import db
from tenants.models import Domain, MiniProgram
from tenants.service import add_custom_domain, add_mini_program, update_store_settings


def _render(settings_form=None, domain_form=None, appid_form=None, status=200):
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
        domains=db.session.scalars(select(Domain).order_by(Domain.id)).all(),
        mini_programs=db.session.scalars(select(MiniProgram).order_by(MiniProgram.id)).all(),
    ), status


def _refused(form, refusal, default_field):
    db.session.rollback()
    getattr(form, refusal.field or default_field).errors.append(str(refusal.message))
    return refusal.status


@console_bp.route("/settings", methods=["GET", "POST"])
def store_settings():
    form = StoreSettingsForm()
    if not form.is_submitted():
        return _render()
    if not form.validate():
        return _render(settings_form=form, status=422)
    try:
        update_store_settings(actor=current_user, tenant=g.tenant, name=form.name.data,
                              contact_email=form.contact_email.data, contact_phone=form.contact_phone.data,
                              logo_url=form.logo_url.data)
    except DomainError as refusal:
        return _render(settings_form=form, status=_refused(form, refusal, "name"))
    db.session.commit()
    flash(_("Store settings saved."), "success")
    return redirect(url_for("console.store_settings"))


@console_bp.route("/settings/domains", methods=["POST"])
def domain_add():
    form = DomainForm()
    if not form.validate_on_submit():
        return _render(domain_form=form, status=422)
    try:
        add_custom_domain(actor=current_user, hostname=form.hostname.data)
    except DomainError as refusal:
        return _render(domain_form=form, status=_refused(form, refusal, "hostname"))
    db.session.commit()
    flash(_("Domain added. It serves your store once verified."), "success")
    return redirect(url_for("console.store_settings"))


@console_bp.route("/settings/mini-programs", methods=["POST"])
def mini_program_add():
    form = MiniProgramForm()
    if not form.validate_on_submit():
        return _render(appid_form=form, status=422)
    try:
        add_mini_program(actor=current_user, appid=form.appid.data, name=form.name.data)
    except DomainError as refusal:
        return _render(appid_form=form, status=_refused(form, refusal, "appid"))
    db.session.commit()
    flash(_("Mini-program bound."), "success")
    return redirect(url_for("console.store_settings"))
