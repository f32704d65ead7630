"""The platform's public pages: landing and merchant sign-up."""
from flask import current_app, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import login_user

from builder.blueprints import site_bp
from builder.forms import SignupForm
from core.extensions import limiter
from core.refusals import Attempt
from core.sites import home_view
from core.tenancy import tenant_context
from tenants.middleware import PLATFORM
from tenants.provisioning import announce_sign_up
from tenants.service import sign_up_merchant


@home_view(PLATFORM)
def landing():
    return render_template("builder/landing.html")


@site_bp.route("/signup", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["SIGNUP_RATE_LIMIT"], methods=["POST"])
def signup():
    form = SignupForm()
    form.slug.description = _("Lowercase letters, digits and hyphens. Your store will live at %(example)s",
                              example=f"my-shop.{current_app.config['PLATFORM_DOMAIN']}")
    if form.validate_on_submit():
        with Attempt(form, field="slug") as attempt:
            tenant, owner = sign_up_merchant(
                email=form.email.data, password=form.password.data,
                store_name=form.store_name.data, slug=form.slug.data,
            )
            announce_sign_up(tenant)  # provisioning follows from the outbox, even if Redis is down now
        if attempt.refused:
            return render_template("builder/signup.html", form=form), attempt.status
        with tenant_context(tenant):  # reloading the committed owner is a scoped read
            login_user(owner)
        return redirect(url_for("console.setting_up"))
    status = 422 if form.errors else 200
    return render_template("builder/signup.html", form=form), status
