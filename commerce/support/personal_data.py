"""What customer service holds about a member — their conversations and every message in
them — for the member's data export and for erasure (the conversations go, with their
messages and tickets; the store's first-reply figures lose those tickets)."""
from sqlalchemy import delete, select

from commerce.support.models import Conversation, Message, Notice, Ticket
from core.clock import to_china
from core.extensions import db
from core.personal_data import erases_personal_data, exports_personal_data


@exports_personal_data("customer_service", order=34)
def export_conversations(member_id):
    conversations = db.session.scalars(select(Conversation).where(Conversation.member_id == member_id)
                                       .order_by(Conversation.id)).all()
    return [{"topic": conversation.topic,
             "messages": [{"from": message.sender, "text": message.body, "at": to_china(message.created_at).isoformat()}
                          for message in db.session.scalars(select(Message).where(
                              Message.conversation_id == conversation.id).order_by(Message.id))]}
            for conversation in conversations]


@erases_personal_data("customer_service", order=12)
def delete_conversations(member_id, *, now):
    """Deleted row by table, children first (the foreign keys cascade on PostgreSQL; this
    does not lean on SQLite's being switched on)."""
    mine = select(Conversation.id).where(Conversation.member_id == member_id).scalar_subquery()
    tickets = select(Ticket.id).where(Ticket.conversation_id.in_(mine)).scalar_subquery()
    for statement in (delete(Notice).where(Notice.ticket_id.in_(tickets)),
                      delete(Ticket).where(Ticket.conversation_id.in_(mine)),
                      delete(Message).where(Message.conversation_id.in_(mine)),
                      delete(Conversation).where(Conversation.member_id == member_id)):
        db.session.execute(statement.execution_options(synchronize_session=False))
