"""The open-platform sandbox as a server of its own, for a Duoshop that runs in several
processes (each would otherwise mount its own sandbox with its own memory)::

    python -m sandbox.wechat_open --port 5020 --duoshop http://localhost:5000
    # then, in every app process:
    WECHAT_OPEN_SANDBOX=0 WECHAT_OPEN_API_BASE_URL=http://127.0.0.1:5020 WECHAT_OPEN_PAGE_BASE_URL=http://127.0.0.1:5020 ...

Give the server and every app process the same ``WECHAT_COMPONENT_*`` variables (appid,
secret, token, 43-character AES key): the development ones are filled in only where the
sandbox is mounted. It listens on loopback only and refuses ``DUOSHOP_ENV=production``.
"""
import argparse
import contextlib
import os
import sys
import threading

from werkzeug.serving import make_server

from sandbox.wechat_open.blueprint import create_sandbox_app, development_sandbox, push_tickets


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m sandbox.wechat_open", description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to listen on")
    parser.add_argument("--port", type=int, default=0, help="0: any free port (the URL is printed)")
    parser.add_argument("--duoshop", default="http://localhost:5000", help="where Duoshop's message endpoints are")
    args = parser.parse_args(argv)
    if os.environ.get("DUOSHOP_ENV") == "production":
        parser.error("the open-platform sandbox fakes WeChat: it never runs in production")
    settings = {name: value for name, value in os.environ.items() if name.startswith("WECHAT_COMPONENT_") and value}
    sandbox = development_sandbox(settings, args.duoshop.rstrip("/"))
    server = make_server(args.host, args.port, create_sandbox_app(sandbox), threaded=True)
    print(f"WeChat open platform sandbox on http://{args.host}:{server.server_port}/control", flush=True)
    threading.Thread(target=push_tickets, args=(sandbox,), daemon=True).start()
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C ends it quietly
        server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
