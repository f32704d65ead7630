"""Scripts under Subresource Integrity, and pages whose Content-Security-Policy names
exactly the scripts they load (PCI DSS 4.0.1 requirement 6.4.3, in spirit).

An inventory — ``Script`` rows saying what each script is, why it is there, who approved
it, and where it is served from — is handed to ``init_app`` by the composition root.
At start-up our own files are hashed (sha384 of the bytes served); an external script
carries the hash it was approved with, from a setting (unset: the script is not approved,
and the pages that would use it do without). A file the inventory lists and the disk
lacks stops the start-up, unless the setting ``SCRIPTS_MAY_BE_ABSENT`` names it (then a
warning says so, and rendering it raises).

Templates write ``{{ script_tag("shop", defer=true) }}``: ``src``, ``integrity`` and
``crossorigin`` come from the inventory. A view marked ``@pinned_scripts`` gets a CSP whose
``script-src`` is the full URL of each script the page rendered, and nothing else — no
``'self'``, no origin — so a script added to such a page without the inventory neither
carries a hash nor runs.
"""
import base64
import hashlib
import logging
from dataclasses import dataclass
from functools import wraps
from pathlib import Path

from flask import current_app, g, url_for
from markupsafe import Markup, escape

log = logging.getLogger(__name__)

EXTENSION = "duoshop_scripts"


@dataclass(frozen=True)
class Script:
    """One inventoried script: ours (``endpoint`` + ``filename``, hashed from ``file`` or the
    endpoint's static folder) or external (``url``, its hash in the setting ``integrity_setting``)."""

    name: str
    purpose: str
    approved_by: str
    endpoint: str | None = None
    filename: str | None = None
    file: Path | None = None
    url: str | None = None
    integrity_setting: str | None = None

    @property
    def external(self):
        return self.url is not None


class UnknownScript(LookupError):
    """A template asked for a script the inventory does not hold, or holds without a hash."""


def sri_hash(data):
    """The Subresource Integrity value of ``data``: ``sha384-<base64 digest>``."""
    return "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode("ascii")


class ScriptInventory:
    """The inventory as loaded: ``integrity[name]`` for every script that may be rendered."""

    def __init__(self, app, scripts):
        self.scripts = {script.name: script for script in scripts}
        self.integrity = {}
        self.absent = []  # named in SCRIPTS_MAY_BE_ABSENT and missing: never rendered
        self.unpinned = []  # external, without a hash: never rendered
        may_be_absent = set(app.config.get("SCRIPTS_MAY_BE_ABSENT") or ())
        for script in scripts:
            if script.external:
                value = app.config.get(script.integrity_setting)
                if value:
                    self.integrity[script.name] = value
                else:
                    self.unpinned.append(script.name)
                    log.warning("Script %r (%s) is not pinned: set %s to its sha384 SRI hash; pages do without it",
                                script.name, script.url, script.integrity_setting)
                continue
            path = self.file_of(app, script)
            if path.is_file():
                self.integrity[script.name] = sri_hash(path.read_bytes())
            elif script.name in may_be_absent:
                self.absent.append(script.name)
                log.warning("Inventoried script %r is missing (%s) and SCRIPTS_MAY_BE_ABSENT allows it: "
                            "it cannot be rendered", script.name, path)
            else:
                raise RuntimeError(f"Inventoried script {script.name!r} is missing: {path}")
        # Cached pages carry these hashes: their cache keys carry this, so a deploy that
        # changes a script never serves a page whose integrity no longer matches the file.
        self.fingerprint = hashlib.sha1(
            "\n".join(f"{name}={value}" for name, value in sorted(self.integrity.items())).encode()).hexdigest()[:12]

    @staticmethod
    def file_of(app, script):
        """Where the bytes of one of our scripts are: ``file``, or the static folder its endpoint serves."""
        if script.file is not None:
            return Path(script.file)
        if script.endpoint == "static":
            return Path(app.static_folder) / script.filename
        blueprint, _, view = script.endpoint.rpartition(".")
        if view == "static" and blueprint in app.blueprints:
            return Path(app.blueprints[blueprint].static_folder) / script.filename
        raise RuntimeError(f"Script {script.name!r}: say which file {script.endpoint} serves (file=…)")

    def available(self, name):
        return name in self.integrity

    def src(self, name, *, external=False):
        script = self.scripts[name]
        if script.external:
            return script.url
        return url_for(script.endpoint, filename=script.filename, _external=external)


def inventory():
    return current_app.extensions[EXTENSION]


def scripts_fingerprint():
    """Short digest of every script hash: part of the key of anything cached that renders scripts."""
    return inventory().fingerprint


def script_available(name):
    """Whether ``name`` may be rendered here (in the inventory, present, pinned)."""
    return inventory().available(name)


def script_tag(name, **attributes):
    """``<script src integrity crossorigin …>`` of an inventoried script; ``attributes`` become
    HTML attributes (``defer=True``, ``data_max_bytes=…`` → ``data-max-bytes``). Remembers the
    script for a pinned page's CSP.

    :raise UnknownScript: not in the inventory, missing, or without a hash
    """
    scripts = inventory()
    if not scripts.available(name):
        raise UnknownScript(f"Script {name!r} is not in the inventory with a hash")
    g.setdefault("rendered_scripts", [])
    source = scripts.src(name, external=True)
    if source not in g.rendered_scripts:
        g.rendered_scripts.append(source)
    parts = [f'src="{escape(scripts.src(name))}"', f'integrity="{scripts.integrity[name]}"',
             'crossorigin="anonymous"']
    for key, value in attributes.items():
        key = key.replace("_", "-")
        if value is True:
            parts.append(key)
        elif value not in (False, None):
            parts.append(f'{key}="{escape(value)}"')
    return Markup(f"<script {' '.join(parts)}></script>")


def pin_page_scripts():
    """This response's CSP allows exactly the inventoried scripts the page rendered, by full URL."""
    g.scripts_pinned = True


def pinned_scripts(view):
    """``pin_page_scripts`` for every response of ``view``."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        pin_page_scripts()
        return view(*args, **kwargs)

    return wrapper


def pinned_script_sources():
    """The script-src of a pinned page (its rendered scripts' URLs), or None for other pages."""
    if not g.get("scripts_pinned"):
        return None
    return list(g.get("rendered_scripts", ()))


def init_app(app, scripts):
    app.extensions[EXTENSION] = ScriptInventory(app, scripts)
    app.jinja_env.globals.update(script_tag=script_tag, script_available=script_available)
