"""A shopper's rights over their data in one store (PIPL art. 45 and 47): a copy of it
(``request_data_export``) and the closing of their account (``erase_member``).

Neither knows what data there is: every package that holds some registers an exporter and
an eraser with ``core.personal_data``; this module runs them.

Export: the request writes a ``DataExport`` and an outbox event; its subscriber builds a ZIP
(``data.json`` with every section, one CSV per section) in the store's private storage
(``core.storage.private_storage``, never a public URL). The shopper downloads it once, by a
signed link minted for them (``download_token``), within ``EXPORT_TTL`` of it being ready;
then the file is deleted. Each new link replaces the last (only its hash is kept).

Erasure: every eraser runs, in order, in one savepoint: one that refuses (open orders,
stored value left) leaves nothing written.
"""
import csv
import hashlib
import hmac
import io
import json
import secrets
import zipfile
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import Index, Integer, String, select, update
from sqlalchemy.orm import Mapped, mapped_column

from commerce.members.models import Member
from core.audit import record_audit
from core.clock import to_china
from core.errors import DomainError
from core.extensions import db
from core.models import Timestamped, UtcDateTime, utcnow
from core.outbox import publish, subscriber
from core.personal_data import erases_personal_data, personal_data_erasers, personal_data_exporters
from core.storage import private_storage
from core.sweep_steps import sweep_step
from core.tenancy import current_tenant_id
from core.tokens import BadToken, sign, unsign
from tenants.scoping import TenantScoped, tenant_foreign_key

EXPORT_TTL = timedelta(hours=24)  # a ready export can be downloaded this long, once
EXPORT_REQUESTED = "member.data_export_requested"
TOKEN_PURPOSE = "data-export"
ERASED_NICKNAME = "已注销用户"  # stored data, not a label: the same in every language


class DataExport(TenantScoped, Timestamped, db.Model):
    __tablename__ = "data_exports"
    __tenant_table_args__ = (
        tenant_foreign_key("member_id", "members", ondelete="CASCADE"),
        Index("ix_data_exports_tenant_member", "tenant_id", "member_id", "id"),
        Index("ix_data_exports_tenant_status_expires", "tenant_id", "status", "expires_at"),
    )

    PENDING = "pending"  # requested; the archive is being built
    READY = "ready"  # built, in private storage, downloadable once until expires_at
    DOWNLOADED = "downloaded"  # downloaded once; the file is deleted
    EXPIRED = "expired"  # not downloaded in time; the file is deleted
    STATUSES = (PENDING, READY, DOWNLOADED, EXPIRED)

    member_id: Mapped[int] = mapped_column(Integer, nullable=False)
    status: Mapped[str] = mapped_column(String(12), nullable=False, default=PENDING)
    storage_key: Mapped[str | None] = mapped_column(String(64))  # the file's name in the store's private storage
    token_hash: Mapped[str | None] = mapped_column(String(64))  # sha256 of the latest link's secret
    requested_by: Mapped[str | None] = mapped_column(String(255))  # staff e-mail when asked through the console
    ready_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    downloaded_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    def is_downloadable_at(self, moment):
        return self.status == self.READY and self.expires_at is not None and moment < self.expires_at


class MemberErased(DomainError):
    """The account was closed: nothing more can be done for it."""

    status = 409

    def __init__(self):
        super().__init__(_l("This account has been closed."))


class ExportLinkInvalid(DomainError):
    """The download link is not (or no longer) valid: used, expired, replaced or not ours."""

    status = 410

    def __init__(self):
        super().__init__(_l("This download link has expired or was already used. Ask for a new export."))


def _member(member_id, *, lock=False):
    statement = select(Member).where(Member.id == member_id)
    member = db.session.scalar(statement.with_for_update() if lock else statement)
    if member is None:
        raise DomainError(_l("No such member."), status=404)
    return member


def find_data_export(member_id, export_id):
    """The member's export ``export_id`` in this store, or None."""
    return db.session.scalar(select(DataExport).where(DataExport.id == export_id, DataExport.member_id == member_id))


def latest_data_export(member_id):
    return db.session.scalar(select(DataExport).where(DataExport.member_id == member_id)
                             .order_by(DataExport.id.desc()).limit(1))


def request_data_export(member_id, *, actor=None, now=None):
    """Ask for a copy of the member's data; returns the ``DataExport`` (a pending or ready one
    not yet downloaded is returned again rather than made twice). The archive is built after
    commit. Audited when ``actor`` (staff) asks on the member's behalf. Does not commit.

    :raise MemberErased: the account was closed
    """
    now = now or utcnow()
    member = _member(member_id)
    if member.is_erased():
        raise MemberErased()
    current = latest_data_export(member_id)
    if current is not None and (current.status == DataExport.PENDING or current.is_downloadable_at(now)):
        return current
    export = DataExport(member_id=member_id, status=DataExport.PENDING, requested_by=getattr(actor, "email", None))
    db.session.add(export)
    db.session.flush()
    publish(EXPORT_REQUESTED, tenant_id=member.tenant_id, export_id=export.id)
    if actor is not None:
        record_audit("member.data_exported", actor=actor, target=member, details={"export_id": export.id})
    return export


def collect_personal_data(member_id):
    """``{section: rows}`` of every registered exporter, for the member in the current store."""
    return {holder.name: holder.run(member_id) for holder in personal_data_exporters()}


def _cell(value):
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, default=str)
    return "" if value is None else str(value)


def _csv(rows):
    columns = []
    for row in rows:
        columns.extend(key for key in row if key not in columns)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(column)) for column in columns])
    return "\ufeff" + out.getvalue()  # the BOM lets Excel open Chinese text as UTF-8


def export_archive(member_id, *, now):
    """The ZIP's bytes: ``data.json`` with every section and ``<section>.csv`` for each."""
    sections = collect_personal_data(member_id)
    document = {"store_id": current_tenant_id(), "member_id": member_id,
                "generated_at": to_china(now).isoformat(), "sections": sections}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", json.dumps(document, ensure_ascii=False, indent=2, default=str))
        for name, rows in sections.items():
            archive.writestr(f"{name}.csv", _csv(rows))
    return out.getvalue()


def build_data_export(export_id, *, now=None):
    """Build a pending export's archive into private storage and make it ready for
    ``EXPORT_TTL``. Returns the export; one not pending is left as it is (idempotent)."""
    now = now or utcnow()
    export = db.session.scalar(select(DataExport).where(DataExport.id == export_id))
    if export is None or export.status != DataExport.PENDING:
        return export
    storage = private_storage()
    name = export.storage_key or storage.new_name()
    storage.save(export.tenant_id, name, export_archive(export.member_id, now=now))
    export.storage_key, export.status = name, DataExport.READY
    export.ready_at, export.expires_at = now, now + EXPORT_TTL
    db.session.flush()
    return export


@subscriber(EXPORT_REQUESTED, queue="low")
def build_requested_export(event):
    build_data_export(event.payload["export_id"])


def download_token(export):
    """A signed link token for the member's ready export; it replaces the one before. Does
    not commit (the new hash must be)."""
    secret = secrets.token_urlsafe(16)
    export.token_hash = hashlib.sha256(secret.encode()).hexdigest()
    db.session.flush()
    return sign(TOKEN_PURPOSE, {"e": export.id, "m": export.member_id, "s": secret}, tenant_id=export.tenant_id)


def take_data_export(token, *, member_id=None, now=None):
    """The archive's bytes for a valid link, once: the export becomes downloaded and its file
    is deleted. ``member_id``, when the caller knows who is signed in, must be the export's.
    Does not commit (the caller commits the status before sending the bytes).

    :raise ExportLinkInvalid: forged, another store's or member's, replaced, used or expired
    """
    now = now or utcnow()
    try:
        claims = unsign(TOKEN_PURPOSE, token, tenant_id=current_tenant_id(), max_age=int(EXPORT_TTL.total_seconds()))
    except BadToken:
        raise ExportLinkInvalid() from None
    if not isinstance(claims, dict) or (member_id is not None and claims.get("m") != member_id):
        raise ExportLinkInvalid()
    export = db.session.scalar(select(DataExport).where(DataExport.id == claims.get("e"),
                                                        DataExport.member_id == claims.get("m")))
    secret_hash = hashlib.sha256(str(claims.get("s")).encode()).hexdigest()
    if export is None or not export.token_hash or not hmac.compare_digest(export.token_hash, secret_hash) \
            or not export.is_downloadable_at(now):
        raise ExportLinkInvalid()
    taken = db.session.execute(update(DataExport).where(DataExport.id == export.id,
                                                        DataExport.status == DataExport.READY)
                               .values(status=DataExport.DOWNLOADED, downloaded_at=now, token_hash=None)
                               .execution_options(synchronize_session=False)).rowcount
    if not taken:
        raise ExportLinkInvalid()  # a second download raced this one and won
    storage = private_storage()
    content = storage.read(export.tenant_id, export.storage_key)
    if content is None:
        raise ExportLinkInvalid()
    storage.delete(export.tenant_id, export.storage_key)
    db.session.refresh(export)
    return export, content


@sweep_step(order=96, outcome="data_exports_expired")
def expire_data_exports(now=None):
    """Ready exports past their time: the file is deleted and the export marked expired."""
    now = now or utcnow()
    storage = None
    expired = 0
    for export in db.session.scalars(select(DataExport).where(DataExport.status == DataExport.READY,
                                                              DataExport.expires_at <= now)):
        storage = storage or private_storage()
        storage.delete(export.tenant_id, export.storage_key)
        export.status, export.token_hash = DataExport.EXPIRED, None
        expired += 1
    db.session.flush()
    return expired


def erase_member(member_id, *, actor=None, now=None):
    """Close the member's account: every registered eraser, in order, in one savepoint; then
    the audit entry. ``actor`` is the staff user acting on the member's request (None: the
    member themself). Returns the member. Does not commit.

    :raise DomainError: an eraser refused (open orders, stored value left …): nothing written
    :raise MemberErased: the account is closed already
    """
    now = now or utcnow()
    # Locked for the whole erasure: an order being placed meanwhile (``place_order`` locks the
    # row first too) is either seen open by the erasers, or refused once the account is closed.
    member = _member(member_id, lock=True)
    if member.is_erased():
        raise MemberErased()
    with db.session.begin_nested():
        for holder in personal_data_erasers():
            holder.run(member_id, now=now)
        record_audit("member.erased", actor=actor, target=member,
                     details={"on_request_of": "member", "through": "console" if actor is not None else "shopper"})
    db.session.refresh(member)
    return member


@erases_personal_data("data_exports", order=85)
def erase_data_exports(member_id, *, now):
    storage = private_storage()
    for export in db.session.scalars(select(DataExport).where(DataExport.member_id == member_id)):
        if export.storage_key and export.status == DataExport.READY:
            storage.delete(export.tenant_id, export.storage_key)
        db.session.delete(export)
    db.session.flush()
