"""客服: the console inbox and the service settings.

The inbox lists the store's conversations (unread counts, the ticket's wait and assignee),
shows one thread with a reply box and the store's quick replies, the reminders and
escalations sent to the staff member, and the first-reply figures of a chosen period.
``builder/static/support.js`` polls ``/console/support/poll.json`` every few seconds and
writes new messages and counts in place; having the inbox open is what makes a staff member
"online" for assignment (``commerce.support.service.seen_in_inbox``).

Polling rather than server-sent events: a reply may wait 3 seconds without harm, every poll
is a short ordinary request (no worker held open per open inbox under gunicorn's sync
workers, nothing special for proxies), and the same JSON feeds the shopper's page and the
mini-program, which cannot hold an event stream anyway.
"""
from datetime import timedelta

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user

from builder.blueprints import console_bp
from builder.forms.support import QuickReplyForm, ReplyForm, SupportSettingsForm
from builder.views.personal_fields import shown
from commerce.support.models import CATEGORIES, Message
from commerce.support.queries import (
    agent_skills,
    conversation_by_id,
    conversation_labels,
    first_reply_figures,
    inbox_page,
    messages_after,
    open_tickets_by_conversation,
    quick_replies,
    quick_reply_by_id,
    staff_names,
    unread_notices,
    unread_total,
)
from commerce.support.service import (
    FIRST_REPLY_TARGET,
    add_quick_reply,
    close_ticket,
    current_ticket,
    delete_quick_reply,
    edit_quick_reply,
    read_by_staff,
    read_notices,
    seen_in_inbox,
    staff_replies,
    support_settings,
    update_settings,
)
from core.clock import china_day_bounds, china_today
from core.extensions import db
from core.form_checks import check_form
from core.models import utcnow
from core.refusals import Attempt
from core.tenancy import current_tenant_id
from tenants.field_access import NAME
from tenants.models import StaffUser
from tenants.queries import active_staff

PAGE_SIZE = 30
PERIODS = (1, 7, 30)  # days the first-reply figures cover, today included


def category_words():
    return {"pre_sale": _("Pre-sales questions"), "order": _("Orders"), "after_sale": _("After-sales")}


@console_bp.context_processor
def support_badge():
    """The nav's count of reminders and escalations the signed-in staff member has not seen."""
    if (current_tenant_id() is None or not current_user.is_authenticated
            or not isinstance(current_user._get_current_object(), StaffUser)):
        return {}
    return {"support_badge": len(unread_notices(current_user.id))}


@console_bp.route("/support")
def support_inbox():
    staff = current_user._get_current_object()
    seen_in_inbox(staff)
    page = inbox_page(per_page=PAGE_SIZE, cursor=request.args.get("cursor"),
                      mine_staff_id=staff.id if request.args.get("mine") else None)
    selected = conversation_by_id(request.args.get("c", type=int) or 0)
    if selected is not None:
        read_by_staff(selected)
    db.session.commit()
    days = request.args.get("days", type=int) if request.args.get("days", type=int) in PERIODS else 7
    start, _end = china_day_bounds(china_today() - timedelta(days=days - 1))
    return render_template(
        "builder/support/inbox.html", page=page, conversations=[_conversation_json(*row) for row in _with_labels(page.items)],
        selected=selected, selected_json=_conversation_json(*_with_labels([selected])[0]) if selected else None,
        thread=[_message_json(m, staff_names()) for m in messages_after(selected)] if selected else [],
        ticket=current_ticket(selected) if selected else None, form=ReplyForm(), quick=quick_replies(),
        notices=unread_notices(staff.id), figures=first_reply_figures(start, utcnow()), days=days, periods=PERIODS,
        target_minutes=int(FIRST_REPLY_TARGET.total_seconds() // 60), can_edit=current_user.can_edit(),
        mine=bool(request.args.get("mine")), unread=unread_total())


@console_bp.route("/support/poll.json")
def support_poll():
    """What ``support.js`` asks every few seconds: the first page of conversations, the open
    thread's messages after ``after``, the unread total and the staff member's notices."""
    staff = current_user._get_current_object()
    seen_in_inbox(staff)
    selected = conversation_by_id(request.args.get("c", type=int) or 0)
    messages = []
    if selected is not None:
        read_by_staff(selected)
        names = staff_names()
        messages = [_message_json(m, names) for m in messages_after(selected, request.args.get("after", 0, type=int))]
    db.session.commit()
    page = inbox_page(per_page=PAGE_SIZE, mine_staff_id=staff.id if request.args.get("mine") else None)
    response = jsonify(conversations=[_conversation_json(*row) for row in _with_labels(page.items)],
                       messages=messages, unread=unread_total(), notices=len(unread_notices(staff.id)))
    response.headers["Cache-Control"] = "no-store"
    return response


@console_bp.route("/support/<int:conversation_id>/reply", methods=["POST"])
def support_reply(conversation_id):
    if not current_user.can_edit():
        abort(403)
    conversation = conversation_by_id(conversation_id) or abort(404)
    form = ReplyForm()
    wants_json = request.accept_mimetypes.best == "application/json"
    with Attempt(form, field="body", flash=not wants_json) as attempt:
        check_form(form)
        message = staff_replies(conversation, current_user._get_current_object(), form.body.data)
    if wants_json:
        if attempt.refused:
            return jsonify(error=str(attempt.refusal)), attempt.status
        return jsonify(message=_message_json(message, staff_names())), 201
    if attempt.refused:
        return redirect(url_for("console.support_inbox", c=conversation_id))
    return redirect(url_for("console.support_inbox", c=conversation_id, _anchor="reply"))


@console_bp.route("/support/<int:conversation_id>/close", methods=["POST"])
def support_close(conversation_id):
    if not current_user.can_edit():
        abort(403)
    conversation = conversation_by_id(conversation_id) or abort(404)
    ticket = current_ticket(conversation) or abort(404)
    with Attempt() as attempt:
        close_ticket(ticket, actor=current_user._get_current_object())
    if not attempt.refused:
        flash(_("Ticket closed. A new message from the shopper opens a new one."), "success")
    return redirect(url_for("console.support_inbox", c=conversation_id))


@console_bp.route("/support/notices/read", methods=["POST"])
def support_notices_read():
    read_notices(current_user._get_current_object())  # CSRF checked by the app's CSRFProtect
    db.session.commit()
    return redirect(url_for("console.support_inbox"))


@console_bp.route("/support/settings", methods=["GET", "POST"])
def support_settings_page():
    if not current_user.can_manage_staff():
        abort(403)
    settings = support_settings()
    team = active_staff()
    form = SupportSettingsForm.for_team(team, obj=settings)
    if request.method == "POST":
        with Attempt(form) as attempt:
            check_form(form)
            update_settings(actor=current_user._get_current_object(), assign_mode=form.assign_mode.data,
                            online_minutes=form.online_minutes.data, shipping_answer=form.shipping_answer.data,
                            returns_answer=form.returns_answer.data, categories=form.categories(team))
        if not attempt.refused:
            flash(_("Customer service settings saved."), "success")
            return redirect(url_for("console.support_settings_page"))
    db.session.commit()  # the settings row made on first use
    skills = agent_skills()
    return render_template("builder/support/settings.html", form=form, team=team, skills=skills,
                           categories=category_words(), category_codes=CATEGORIES, quick=quick_replies(),
                           quick_form=QuickReplyForm()), 422 if form.errors else 200


@console_bp.route("/support/quick-replies", methods=["POST"])
@console_bp.route("/support/quick-replies/<int:reply_id>", methods=["POST"])
def support_quick_reply(reply_id=None):
    if not current_user.can_edit():
        abort(403)
    found = quick_reply_by_id(reply_id) if reply_id else None
    if reply_id and found is None:
        abort(404)
    form = QuickReplyForm()
    with Attempt(form, field="body") as attempt:
        check_form(form)
        if found is None:
            add_quick_reply(form.body.data, actor=current_user._get_current_object())
        elif form.delete.data:
            delete_quick_reply(found)
        else:
            edit_quick_reply(found, form.body.data)
    if not attempt.refused:
        flash(_("Quick replies saved."), "success")
    return redirect(url_for("console.support_settings_page", _anchor="quick-replies"))


# --- JSON shapes shared by the page and the poll ------------------------------------------

def _with_labels(conversations):
    labels = conversation_labels(conversations)
    tickets = open_tickets_by_conversation([c.id for c in conversations])
    names = staff_names()
    return [(c, labels, tickets, names) for c in conversations]


def _conversation_json(conversation, labels, tickets, names):
    label = labels[conversation.id]
    ticket = tickets.get(conversation.id)
    waiting = None
    if ticket is not None and ticket.timer_started_at is not None and ticket.first_reply_at is None:
        waiting = max(0, int((utcnow() - ticket.timer_started_at).total_seconds() // 60))
    about = (_("Order %(number)s", number=label["order"]) if label["order"] else
             _("Product: %(title)s", title=label["product"]) if label["product"] else _("General"))
    member = shown(NAME, label["member"]) if label["member"] else _("Shopper #%(id)d", id=conversation.member_id)
    return {"id": conversation.id, "member": member, "about": about, "preview": conversation.last_preview,
            "unread": conversation.staff_unread, "waiting_minutes": waiting,
            "overdue": waiting is not None and waiting >= FIRST_REPLY_TARGET.total_seconds() // 60,
            "assignee": names.get(ticket.assignee_id) if ticket is not None and ticket.assignee_id else None,
            "at": format_datetime(conversation.last_message_at, "MM-dd HH:mm"),
            "url": url_for("console.support_inbox", c=conversation.id)}


def _message_json(message, names):
    who = {Message.MEMBER: _("Shopper"), Message.BOT: _("Auto-answer"),
           Message.STAFF: names.get(message.staff_id, _("Staff"))}[message.sender]
    return {"id": message.id, "sender": message.sender, "who": who, "body": message.body,
            "at": format_datetime(message.created_at, "MM-dd HH:mm")}

