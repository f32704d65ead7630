"""A local stand-in for WeChat login: the OAuth authorize page of the in-app browser (the
developer picks or creates a test WeChat user and allows), ``sns/oauth2/access_token``,
``sns/userinfo`` and the mini-programs' ``sns/jscode2session``, answering as WeChat does
(``errcode``/``errmsg`` on refusal). Each test user has a different openid per AppID and
one unionid, as WeChat gives them.

Mounted at ``/sandbox/wechat`` when ``WECHAT_SANDBOX`` is true (production refuses the
flag); ``create_sandbox_app()`` serves one on its own for tests. Its state is
``app.extensions["wechat_sandbox"]``.
"""
from sandbox.wechat.blueprint import EXTENSION, URL_PREFIX, create_sandbox_app, init_app
from sandbox.wechat.state import WeChatSandbox

__all__ = ["EXTENSION", "URL_PREFIX", "WeChatSandbox", "create_sandbox_app", "init_app"]
