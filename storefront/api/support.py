"""客服 from the mini-program: start or continue the member's conversation about a product,
an order or the store; list the conversations; read a thread (``after`` for what is new:
the mini-program polls every few seconds, as the H5 chat does); send a message, which the
auto-answer may answer at once — through ``commerce.support``, as the H5 pages do."""
from datetime import datetime
from typing import Literal

from flask import abort, jsonify, request
from pydantic import Field, model_validator
from sqlalchemy import select

from commerce.support.models import Conversation
from commerce.support.queries import conversation_by_id, conversation_labels, messages_after
from commerce.support.service import MAX_BODY, member_writes, open_conversation, read_by_member
from core.pagination import Ordering
from core.transaction import committed
from storefront.api.blueprint import MAX_ID, api_bp, current_api_member, private
from storefront.api.models import Body, Model, PageQuery
from storefront.api.orders import iso, keyset_page, my_order
from storefront.api.spec import MEMBER, responses, spec

TAG = "support"
LATEST = Ordering("api_support_latest", Conversation.last_message_at.desc(), Conversation.id.desc())


class ConversationStart(Body):
    about: Literal["product", "order", "store"] = Field(description="What the conversation is about.")
    product_id: int | None = Field(None, ge=1, le=MAX_ID, description="about=product: the product (商品咨询).")
    order_no: str | None = Field(None, min_length=1, max_length=32, description="about=order: the member's order.")

    @model_validator(mode="after")
    def names_what_it_is_about(self):
        if (self.about == "product") != (self.product_id is not None) or \
                (self.about == "order") != (self.order_no is not None):
            raise ValueError("product_id goes with about=product and order_no with about=order, and only there")
        return self


class ConversationOut(Model):
    id: int
    about: Literal["product", "order", "store"]
    product_id: int | None
    product_title: str | None
    order_no: str | None
    last_message_at: datetime
    last_preview: str
    unread: int = Field(description="Messages from the store the member has not read.")


class ConversationPage(Model):
    items: list[ConversationOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page.")


class MessageOut(Model):
    id: int
    sender: Literal["member", "staff", "bot"] = Field(description="bot: the auto-answer (客服机器人).")
    body: str
    created_at: datetime


class MessageList(Model):
    items: list[MessageOut]


class MessageIn(Body):
    body: str = Field(min_length=1, max_length=MAX_BODY)


class AfterQuery(Model):
    after: int = Field(0, ge=0, le=MAX_ID, description="Only messages with a larger id (the last one shown).")


def conversation_json(conversation, labels):
    label = labels[conversation.id]
    return {"id": conversation.id,
            "about": "order" if conversation.order_id else "product" if conversation.product_id else "store",
            "product_id": conversation.product_id, "product_title": label["product"], "order_no": label["order"],
            "last_message_at": iso(conversation.last_message_at), "last_preview": conversation.last_preview,
            "unread": conversation.member_unread}


def message_json(message):
    return {"id": message.id, "sender": message.sender, "body": message.body, "created_at": iso(message.created_at)}


@api_bp.route("/support/conversations", methods=["POST"])
@spec.validate(json=ConversationStart, resp=responses(ConversationOut, errors=(400, 401, 404, 422)),
               security=MEMBER, tags=[TAG])
def support_start():
    """Start, or continue, the member's conversation about a product, an order or the store."""
    body = request.context.json
    member = current_api_member()
    order = my_order(member, body.order_no) if body.order_no else None
    with committed():
        conversation = open_conversation(member.id, product_id=body.product_id, order_id=order.id if order else None)
    return private(jsonify(conversation_json(conversation, conversation_labels([conversation]))))


@api_bp.route("/support/conversations")
@spec.validate(query=PageQuery, resp=responses(ConversationPage, errors=(400, 401)), security=MEMBER, tags=[TAG])
def support_conversations():
    """The member's conversations, the latest first."""
    member = current_api_member()
    found = keyset_page(select(Conversation).where(Conversation.member_id == member.id), LATEST,
                        request.context.query)
    labels = conversation_labels(found.items)
    return private(jsonify({"items": [conversation_json(c, labels) for c in found.items],
                            "next_cursor": found.next_cursor}))


@api_bp.route("/support/conversations/<int:conversation_id>/messages")
@spec.validate(query=AfterQuery, resp=responses(MessageList, errors=(400, 401, 404)), security=MEMBER, tags=[TAG])
def support_thread(conversation_id):
    """The thread, oldest first (the last 200); ``after`` for only what is new. Reading marks
    the store's messages read."""
    conversation = _mine(conversation_id)
    messages = messages_after(conversation, request.context.query.after)
    if messages:
        with committed():
            read_by_member(conversation)
    return private(jsonify({"items": [message_json(m) for m in messages]}))


@api_bp.route("/support/conversations/<int:conversation_id>/messages", methods=["POST"])
@spec.validate(json=MessageIn, resp=responses(MessageList, status=201, errors=(400, 401, 404, 422)),
               security=MEMBER, tags=[TAG])
def support_send(conversation_id):
    """Send a message; the answer holds it and, when the auto-answer knows the answer (order
    status, shipping time, returns), the answer too. Anything else, or 「转人工」, waits for a
    person of the store (first reply within 30 minutes)."""
    conversation = _mine(conversation_id)
    with committed():
        written = member_writes(conversation, request.context.json.body)
    return private(jsonify({"items": [message_json(m) for m in written]})), 201


def _mine(conversation_id):
    member = current_api_member()
    found = conversation_by_id(conversation_id, member_id=member.id) if conversation_id <= MAX_ID else None
    if found is None:
        abort(404)
    return found
