"""Static files of blocks and themes, through one route with safe path joining."""
from flask import Blueprint, abort, send_from_directory

from themes.blocks.registry import BLOCKS_DIR
from themes.theme import THEMES_DIR, themes

assets_bp = Blueprint("theme_assets", __name__, url_prefix="/theme-assets")
STATIC_DIR = BLOCKS_DIR.parent / "static"


@assets_bp.route("/<path:filename>")
def shared(filename):
    return send_from_directory(STATIC_DIR, filename, max_age=3600)


@assets_bp.route("/themes/<theme>/<path:filename>")
def theme_file(theme, filename):
    if theme not in themes() or not filename.endswith((".css", ".png", ".svg", ".jpg", ".webp", ".woff2")):
        abort(404)
    return send_from_directory(THEMES_DIR / theme, filename, max_age=3600)
