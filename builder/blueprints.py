"""Blueprints of the control plane: the platform site (landing, sign-up) and /console. The
routes attach to them in ``builder.views``; they live apart so a view module imports its
blueprint without importing the package that imports every view."""
from flask import Blueprint

from tenants.middleware import PLATFORM, serve_on

site_bp = serve_on(PLATFORM, Blueprint("site", __name__, template_folder="templates"))
console_bp = serve_on(PLATFORM, Blueprint("console", __name__, url_prefix="/console", template_folder="templates",
                                          static_folder="static"))
