"""Which shoppers' personal fields each console role sees: one table, read by the console's
views and templates (through ``builder.views.personal_fields``) and rendered in
docs/security.md (``python -m tenants.field_access`` prints it).

Three answers per field and role:

- ``FULL``: shown as stored;
- ``MASKED``: shown masked (``core.crypto``'s masks: 欧***, 138****4321, 秘密路****), never more;
- ``REVEAL``: shown masked, and the person may reveal it on one order or member at a time
  (or in the full CSV export); every reveal is written to the audit log.

A role the table does not know sees everything masked: the table fails closed.
"""
from core.crypto import mask_name, mask_phone, mask_street
from tenants.models import StaffUser

NAME = "name"  # a receiver's name, a member's WeChat nickname
PHONE = "phone"  # a receiver's or member's mobile number
STREET = "street"  # the street and house number of an address (the region stays: it prices the parcel)
FIELDS = (NAME, PHONE, STREET)

FULL = "full"
MASKED = "masked"
REVEAL = "reveal"  # masked until the person reveals it, audited

OWNER, ADMIN, OPERATOR, VIEWER = StaffUser.OWNER, StaffUser.ADMIN, StaffUser.OPERATOR, StaffUser.VIEWER

FIELD_ACCESS = {
    NAME: {OWNER: FULL, ADMIN: FULL, OPERATOR: MASKED, VIEWER: MASKED},
    PHONE: {OWNER: REVEAL, ADMIN: REVEAL, OPERATOR: MASKED, VIEWER: MASKED},
    STREET: {OWNER: FULL, ADMIN: FULL, OPERATOR: MASKED, VIEWER: MASKED},
}

MASKS = {NAME: mask_name, PHONE: mask_phone, STREET: mask_street}


def access(field, role):
    """``FULL``, ``MASKED`` or ``REVEAL`` for ``field`` seen by ``role``.

    :raise KeyError: ``field`` is not in the table (a typo must not show a field in full)
    """
    return FIELD_ACCESS[field].get(role, MASKED)


def visible(field, role):
    """``"full"`` or ``"masked"``: how ``field`` is shown to ``role`` before any reveal."""
    return FULL if access(field, role) == FULL else MASKED


def may_reveal(field, role):
    return access(field, role) == REVEAL


def may_reveal_all(role):
    """Whether ``role`` may see every field in full by revealing (an order's receiver, the
    full CSV export): each field is either shown in full or revealable."""
    return all(access(field, role) in (FULL, REVEAL) for field in FIELDS)


def mask(field, value, role, *, revealed=False):
    """``value`` as ``role`` may see it: in full, or masked; ``revealed`` (the person asked,
    and it was audited) shows a revealable field in full."""
    if not value:
        return value or ""
    shown = access(field, role)
    if shown == FULL or (revealed and shown == REVEAL):
        return value
    return MASKS[field](value)


def access_table():
    """``[(field, {role: access})]`` in the order of ``FIELDS`` and ``StaffUser.ROLES``."""
    return [(field, {role: access(field, role) for role in StaffUser.ROLES}) for field in FIELDS]


def markdown_table():
    """The table as docs/security.md shows it (a test keeps the two equal)."""
    words = {FULL: "full", MASKED: "masked", REVEAL: "masked, may reveal (audited)"}
    lines = ["| field | " + " | ".join(StaffUser.ROLES) + " |", "|---|" + "---|" * len(StaffUser.ROLES)]
    for field, by_role in access_table():
        lines.append(f"| {field} | " + " | ".join(words[by_role[role]] for role in StaffUser.ROLES) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown_table())
