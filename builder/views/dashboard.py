"""The console's first screen: the store's addresses and what to do next."""
from flask import current_app, g, jsonify, redirect, render_template, request, url_for

from billing.queries import store_subscription
from builder.blueprints import console_bp
from tenants.queries import READY, provisioning_state


def store_urls(tenant):
    scheme = current_app.config["PREFERRED_URL_SCHEME"]
    return {
        "storefront": f"{scheme}://{tenant.slug}.{current_app.config['PLATFORM_DOMAIN']}/",
        "api": f"{scheme}://{current_app.config['PLATFORM_DOMAIN']}/api/v1/",
    }


@console_bp.route("/setting-up")
def setting_up():
    """The page after sign-up: progress until the store is provisioned, then the dashboard;
    says so when provisioning failed, and what happens next."""
    state = provisioning_state(g.tenant)
    if state == READY:
        return redirect(url_for("console.dashboard", welcome=1))
    return render_template("builder/setting_up.html", state=state)


@console_bp.route("/setting-up/status")
def setting_up_status():
    """What the set-up page polls: ``{"state": "setting_up" | "ready" | "failed", "next": url}``."""
    state = provisioning_state(g.tenant)
    response = jsonify(state=state, next=url_for("console.dashboard", welcome=1) if state == READY else None)
    response.headers["Cache-Control"] = "no-store"
    return response


@console_bp.route("/")
def dashboard():
    subscription = store_subscription()
    return render_template("builder/dashboard.html", urls=store_urls(g.tenant), subscription=subscription,
                           welcome=request.args.get("welcome") == "1")
