"""A local WeChat Pay v3 server that the real ``wechatpayv3`` SDK talks to unchanged
(public-key mode): it checks merchants' request signatures, signs its answers, keeps
transactions and refunds in memory, and sends encrypted, signed notifications.

Use: ``init_app(app)`` mounts it at ``/sandbox/wechatpay`` when ``WECHATPAY_SANDBOX`` is
true; ``create_sandbox_app()`` serves one on its own (tests). The ``Sandbox`` object is
reachable as ``app.extensions["wechatpay_sandbox"]``. For several processes (gunicorn
workers, ``flask worker``) run the shared server, ``python -m sandbox.wechatpay`` (server.py),
and give every process ``WECHATPAY_SANDBOX_URL``: nothing is mounted then, and the extension
is a ``RemoteSandbox`` speaking to the server's control API (control.py). Fault switches for
tests and ``make chaos``: faults.py.
"""
from sandbox.wechatpay.blueprint import URL_PREFIX, create_sandbox_app, init_app
from sandbox.wechatpay.ledger import Refusal
from sandbox.wechatpay.state import Sandbox

__all__ = ["URL_PREFIX", "Refusal", "Sandbox", "create_sandbox_app", "init_app"]
