"""客服 on the H5 store: 「联系客服」 on every product and order page opens the shopper's
conversation about it (``/support/new?product=…`` or ``?order=…``, continued when there is
one already); ``/support`` lists their conversations; the chat page polls
``/support/<id>/messages.json`` every few seconds (``storefront/static/support.js``) so the
store's replies appear without a reload. A guest's first message makes them a member, as a
guest's checkout does. Polling, not server-sent events: see ``builder.views.support``."""
from flask import abort, jsonify, redirect, render_template, request, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _

from commerce.catalog.queries import find_product
from commerce.orders.models import Order
from commerce.orders.queries import order_by_number
from commerce.support.models import Message
from commerce.support.queries import (
    conversation_about,
    conversation_by_id,
    conversation_labels,
    member_conversations,
    messages_after,
)
from commerce.support.service import member_writes, open_conversation, read_by_member, topic_of
from core.extensions import db
from core.refusals import Attempt
from storefront.blueprints import storefront_bp
from storefront.forms import SupportMessageForm
from storefront.shopper import become_member, current_member, wants_json


@storefront_bp.route("/support")
def support_list():
    member = current_member()
    conversations = member_conversations(member.id) if member is not None else []
    return render_template("storefront/support_list.html", conversations=conversations,
                           labels=conversation_labels(conversations))


@storefront_bp.route("/support/new")
def support_new():
    """The chat page before the first message; the member's existing conversation about the
    same product or order instead, when there is one."""
    product_id, order = request.args.get("product", type=int), _order_of(request.args.get("order"))
    member = current_member()
    found = conversation_about(member.id, topic_of(product_id=product_id, order_id=order.id if order else None)) \
        if member is not None else None
    if found is not None:
        return redirect(url_for("storefront.support_chat", conversation_id=found.id))
    form = SupportMessageForm(data={"product": product_id, "order": order.number if order else None})
    return render_template("storefront/support_chat.html", conversation=None, form=form, thread=[],
                           about=_about(product_id=product_id, order=order))


@storefront_bp.route("/support/new", methods=["POST"])
def support_first_message():
    form = SupportMessageForm()
    order = _order_of(form.order.data)
    if form.validate():
        member = become_member()
        with Attempt(form, field="body") as attempt:
            conversation = open_conversation(member.id, product_id=form.product.data,
                                             order_id=order.id if order else None)
            member_writes(conversation, form.body.data)
        if not attempt.refused:
            return redirect(url_for("storefront.support_chat", conversation_id=conversation.id))
    return render_template("storefront/support_chat.html", conversation=None, form=form, thread=[],
                           about=_about(product_id=form.product.data, order=order)), 422


@storefront_bp.route("/support/<int:conversation_id>", methods=["GET", "POST"])
def support_chat(conversation_id):
    conversation = _mine(conversation_id)
    form = SupportMessageForm()
    if request.method == "POST":
        written = []
        if form.validate():
            with Attempt(form, field="body", flash=False):
                written = member_writes(conversation, form.body.data)
        if wants_json():
            if not written:
                return jsonify(error=form.body.errors[0] if form.body.errors else _("Write a message first.")), 422
            return jsonify(messages=[_message_json(m) for m in written]), 201
        if written:
            return redirect(url_for("storefront.support_chat", conversation_id=conversation_id))
    read_by_member(conversation)
    db.session.commit()
    status = 422 if form.errors else 200
    return render_template("storefront/support_chat.html", conversation=conversation, form=SupportMessageForm()
                           if status == 200 else form, thread=[_message_json(m) for m in messages_after(conversation)],
                           about=_about(product_id=conversation.product_id, order_id=conversation.order_id)), status


@storefront_bp.route("/support/<int:conversation_id>/messages.json")
def support_messages(conversation_id):
    """What the chat page polls: messages after ``after``, oldest first."""
    conversation = _mine(conversation_id)
    messages = messages_after(conversation, request.args.get("after", 0, type=int))
    if messages:
        read_by_member(conversation)
        db.session.commit()
    response = jsonify(messages=[_message_json(m) for m in messages])
    response.headers["Cache-Control"] = "no-store"
    return response


def _mine(conversation_id):
    member = current_member()
    found = conversation_by_id(conversation_id, member_id=member.id) if member is not None else None
    if found is None:
        abort(404)
    return found


def _order_of(number):
    member = current_member()
    if not number or member is None:
        return None
    order = order_by_number(str(number)[:32])
    return order if order is not None and order.member_id == member.id else None


def _about(*, product_id=None, order=None, order_id=None):
    """What the conversation is about, in words, with a link back to it (None: the store)."""
    if order is None and order_id:
        order = db.session.get(Order, order_id)
    if order is not None:
        return {"text": _("Order %(number)s", number=order.number),
                "url": url_for("storefront.order_detail", number=order.number)}
    product = find_product(product_id) if product_id else None
    if product is not None:
        return {"text": product.title, "url": url_for("storefront.product_detail", product_id=product.id)}
    return None


def _message_json(message):
    who = {Message.MEMBER: _("Me"), Message.BOT: _("Auto-answer"), Message.STAFF: _("Customer service")}[message.sender]
    return {"id": message.id, "sender": message.sender, "who": who, "body": message.body,
            "at": format_datetime(message.created_at, "MM-dd HH:mm")}
