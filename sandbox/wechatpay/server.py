"""The shared WeChat Pay sandbox as a server of its own, so that every process of a
multi-process run (gunicorn workers, ``flask worker``, ``flask sweep``) pays, refunds and
hears notifications from ONE ledger signed by ONE key::

    python -m sandbox.wechatpay --port 5010          # then, in every app process:
    WECHATPAY_SANDBOX_URL=http://127.0.0.1:5010 ...

Its keys come from the same settings the app processes read (the environment):
``WECHATPAY_SANDBOX_PLATFORM_KEY`` (PEM) or ``WECHATPAY_SANDBOX_SEED``, and the platform's
``WECHATPAY_SP_*`` keys, or else the development merchant derived from the seed.
It listens on loopback only and refuses to start with ``DUOSHOP_ENV=production``.
"""
import argparse
import contextlib
import os
import sys

from cryptography.hazmat.primitives.serialization import load_pem_private_key
from werkzeug.serving import make_server

from sandbox.wechatpay.blueprint import create_sandbox_app, shared_sandbox_keys
from sandbox.wechatpay.keys import public_key_pem
from sandbox.wechatpay.state import Sandbox


def shared_sandbox(settings):
    """A ``Sandbox`` with the pinned platform key and the platform's merchant registered."""
    platform, development = shared_sandbox_keys(settings)
    sandbox = Sandbox(platform)
    if development is not None:
        mchid, keys, apiv3_key = development
        sandbox.register_merchant(mchid, keys.public_pem, keys.serial_no, apiv3_key)
    else:
        key = load_pem_private_key(settings["WECHATPAY_SP_PRIVATE_KEY"].encode("ascii"), password=None)
        sandbox.register_merchant(settings["WECHATPAY_SP_MCHID"], public_key_pem(key.public_key()),
                                  settings["WECHATPAY_SP_CERT_SERIAL_NO"], settings["WECHATPAY_SP_APIV3_KEY"])
    return sandbox


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m sandbox.wechatpay", description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to listen on")
    parser.add_argument("--port", type=int, default=0, help="0: any free port (the URL is printed)")
    args = parser.parse_args(argv)
    if os.environ.get("DUOSHOP_ENV") == "production":
        parser.error("the WeChat Pay sandbox fakes payments: it never runs in production")
    settings = {name: value for name, value in os.environ.items() if name.startswith("WECHATPAY_") and value}
    server = make_server(args.host, args.port, create_sandbox_app(shared_sandbox(settings)), threaded=True)
    print(f"WeChat Pay sandbox on http://{args.host}:{server.server_port}/", flush=True)
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C ends it quietly
        server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
