"""Shoppers' personal fields in the console, as far as the signed-in role may see them
(``tenants.field_access`` holds the table): the templates' ``shown(field, value)`` and
``member_label(member)``, and the one way a reveal is checked and audited.

Every console template that prints a name, phone or street of a shopper goes through
``shown`` (tests/builder/test_console_personal_fields.py walks every page as every role).
"""
from flask import abort
from flask_login import current_user

from builder.blueprints import console_bp
from core.audit import record_audit
from tenants import field_access
from tenants.field_access import NAME, PHONE

REVEAL_ACTION = "personal_data.reveal"


def _role():
    return getattr(current_user, "role", None)


def shown(field, value, *, revealed=False):
    """``value`` of ``field`` as the signed-in role may see it (``revealed``: after an audited reveal)."""
    return field_access.mask(field, value, _role(), revealed=revealed)


def member_label(member):
    """How the console names a member: the nickname, else the phone, else ``#id`` — masked as the role requires."""
    if member.nickname:
        return shown(NAME, member.nickname)
    if member.phone:
        return shown(PHONE, member.phone)
    return f"#{member.id}"


def may_reveal(field=PHONE):
    return field_access.may_reveal(field, _role())


def may_reveal_all():
    """May see every personal field in full by revealing (an order's whole receiver, the full export)."""
    return field_access.may_reveal_all(_role())


def reveal(target, fields, *, actor):
    """Check that ``actor`` may reveal ``fields`` of ``target`` (an order, a member) and write
    the reveal to the audit log; the caller commits and shows the fields in full.

    :raise 403: the role may not reveal one of ``fields``
    """
    if not all(field_access.access(field, actor.role) in (field_access.FULL, field_access.REVEAL)
               for field in fields):
        abort(403)
    record_audit(REVEAL_ACTION, actor=actor, tenant_id=target.tenant_id, target=target,
                 details={"fields": list(fields)})


@console_bp.context_processor
def personal_field_helpers():
    return {"shown": shown, "member_label": member_label, "may_reveal": may_reveal}
