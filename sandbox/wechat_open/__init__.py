"""A local stand-in for WeChat's open platform (开放平台第三方平台) as Duoshop uses it: the
component token and pre-auth code, the authorisation page a merchant approves on, the
authoriser's tokens, and code management for mini-programs (template library, commit with
ext.json, 体验版 QR code, audit, release). Every event it pushes — the ten-minutely
component_verify_ticket, authorized / updateauthorized / unauthorized, and the audit
results — is signed and AES-encrypted in WeChat's message-encryption format. Its control
page (``/control``) lets a developer approve or reject an audit by hand.

Mounted at ``/sandbox/wechat_open`` when ``WECHAT_OPEN_SANDBOX`` is true (production
refuses the flag); ``create_sandbox_app()`` serves one on its own for tests. Its state is
``app.extensions["wechat_open_sandbox"]``.
"""
from sandbox.wechat_open.blueprint import EXTENSION, URL_PREFIX, create_sandbox_app, init_app
from sandbox.wechat_open.state import OpenPlatformSandbox

__all__ = ["EXTENSION", "URL_PREFIX", "OpenPlatformSandbox", "create_sandbox_app", "init_app"]
