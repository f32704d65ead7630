"""Each store's official-account message endpoint (服务器地址): ``/wechat/mp/<store>`` on the
platform host. GET is WeChat's handshake (answers ``echostr``); POST a message or event,
answered with the passive reply or "success" within WeChat's 5 seconds
(``channels.wechat_mp.messages``). WeChat signs with the store's token: no cookie, no CSRF.
A request that does not verify is answered 401 and changes nothing; 404 for a store with no
account bound."""
import logging

from flask import Blueprint, Response, abort, request

from channels.wechat_mp.messages import NoAccount, handshake, receive
from channels.wechat_open.crypto import MessageRefused
from core.extensions import csrf, db
from core.tenancy import tenant_context
from tenants.middleware import PLATFORM, serve_on
from tenants.queries import find_store

log = logging.getLogger(__name__)

official_account_bp = serve_on(PLATFORM, Blueprint("official_account_messages", __name__))
csrf.exempt(official_account_bp)  # WeChat signs its messages with the store's token


@official_account_bp.route("/wechat/mp/<int:tenant_id>", methods=["GET", "POST"])
def official_account_message(tenant_id):
    if find_store(tenant_id) is None:
        abort(404)
    with tenant_context(tenant_id):
        try:
            if request.method == "GET":
                answer = handshake(request.args)
            else:
                answer = receive(request.args, request.get_data(as_text=True))
        except NoAccount:
            db.session.rollback()
            abort(404)
        except MessageRefused as refusal:
            db.session.rollback()
            log.warning("refused an official account message for store %s from %s: %s", tenant_id,
                        request.remote_addr, refusal)
            return Response("invalid signature", status=401, mimetype="text/plain")
        db.session.commit()
    return Response(answer, mimetype="text/plain" if not answer.startswith("<xml>") else "application/xml")
