"""Running the sandbox for real over HTTP on 127.0.0.1, for tests and scripts: the SDK
talks to it with ``requests`` exactly as it would to WeChat."""
import threading
from contextlib import contextmanager

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from sandbox.wechatpay.blueprint import create_sandbox_app
from sandbox.wechatpay.state import Sandbox


@contextmanager
def serving(wsgi_app):
    """Serve ``wsgi_app`` on a free loopback port in a thread; yields its base URL."""
    server = make_server("127.0.0.1", 0, wsgi_app, threaded=True)
    # A short poll: shutdown() waits for it, and tests start and stop a server each.
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


@contextmanager
def running_sandbox(sandbox=None):
    """Yields ``(sandbox, base_url)`` of a sandbox answering over HTTP."""
    sandbox = sandbox or Sandbox()
    with serving(create_sandbox_app(sandbox)) as base_url:
        yield sandbox, base_url


class NotificationInbox:
    """A merchant's notify_url that keeps what it receives and answers 204, as a merchant
    that accepted the notification would."""

    def __init__(self):
        self.received = []  # (headers dict, body text)

    def __call__(self, environ, start_response):
        request = Request(environ)
        self.received.append((dict(request.headers), request.get_data(as_text=True)))
        return Response(status=204)(environ, start_response)
