"""The H5 storefront's blueprint (store hosts). Its routes attach in ``storefront.views``; it
lives apart so a view module imports its blueprint without importing the package that imports
every view. The mini-program API, media and WeChat Pay's notifications have their own
blueprints beside their views."""
from flask import Blueprint

from tenants.middleware import STORE, serve_on

storefront_bp = serve_on(STORE, Blueprint("storefront", __name__, template_folder="templates",
                                          static_folder="static", static_url_path="/assets/store"))
