"""A local stand-in for WeChat's official-account (公众号) APIs as Duoshop uses them for
stores' own accounts: access token, JS-SDK ticket, custom menu (create / get), template and
customer-service messages (recorded, to be looked at), and a control page (``/control``)
that sends a user's message or event — subscribe, text, a menu CLICK — to a store's message
endpoint, signed and optionally encrypted (安全模式) exactly like WeChat.

Mounted at ``/sandbox/wechat_mp`` when ``WECHAT_MP_SANDBOX`` is true (production refuses the
flag); ``create_sandbox_app()`` serves one on its own for tests."""
from sandbox.wechat_mp.blueprint import EXTENSION, URL_PREFIX, create_sandbox_app, init_app
from sandbox.wechat_mp.state import OfficialAccountSandbox

__all__ = ["EXTENSION", "URL_PREFIX", "OfficialAccountSandbox", "create_sandbox_app", "init_app"]
