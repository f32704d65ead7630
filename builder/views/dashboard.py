"""The console's first screen: the store's addresses and what to do next."""
from flask import current_app, g, render_template, request

from billing.queries import store_subscription
from builder.blueprints import console_bp


def store_urls(tenant):
    scheme = current_app.config["PREFERRED_URL_SCHEME"]
    return {
        "storefront": f"{scheme}://{tenant.slug}.{current_app.config['PLATFORM_DOMAIN']}/",
        "api": f"{scheme}://{current_app.config['PLATFORM_DOMAIN']}/api/v1/",
    }


@console_bp.route("/")
def dashboard():
    subscription = store_subscription()
    return render_template("builder/dashboard.html", urls=store_urls(g.tenant), subscription=subscription,
                           welcome=request.args.get("welcome") == "1")
