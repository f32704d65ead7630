"""A local stand-in for 快递100's real-time query API: it checks the request signature as
快递100 does (``sign = MD5(param + key + customer)``, upper-case) and answers with a
plausible timeline that moves one step on at every query: 揽收 → 运输 → 到达 → 派件 → 签收.
Its label API (电子面单, ``/label/order``) makes one waybill per ``orderId`` — a repeated
request gets the same one — refuses addresses outside its area, cancels uncollected ones, and
can be told to show a fault on the next request (``fail_next``): time out after making the
waybill, or be down.

Mounted at ``/sandbox/kuaidi100`` when ``KUAIDI100_SANDBOX`` is true (production refuses the
flag); ``create_sandbox_app()`` serves one on its own for tests. Its state is
``app.extensions["kuaidi100_sandbox"]``.
"""
from sandbox.kuaidi100.blueprint import URL_PREFIX, create_sandbox_app, init_app
from sandbox.kuaidi100.state import Kuaidi100Sandbox

__all__ = ["URL_PREFIX", "Kuaidi100Sandbox", "create_sandbox_app", "init_app"]
