"""Read-only questions of the platform console: the store list (across stores, on purpose),
one store's people, domains, AppIDs and subscription, its audit trail, and an invoice.
Nothing here writes."""
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func, or_, select

from billing.audit_words import NAME_COLUMNS
from billing.models import Invoice, PlatformAdmin, Subscription
from core.audit import AuditLog
from core.extensions import db
from core.pagination import Key, Ordering, paginate
from core.tenancy import tenant_context, unscoped
from tenants.models import Domain, MiniProgram, StaffUser, Tenant
from tenants.plans import PLANS
from tenants.retention import RetentionPeriod

STORE_PAGE_SIZE = 25
AUDIT_PAGE_SIZE = 50
# rows are (tenant, subscription) pairs: the key reads the tenant's id
NEWEST_STORES = Ordering("platform.stores.newest", Key(Tenant.id, descending=True, value=lambda row: row[0].id))
NEWEST_INVOICES = Ordering("billing.invoices.newest", Invoice.id.desc())
NEWEST_AUDIT = Ordering("platform.audit.newest", AuditLog.id.desc())


@dataclass(frozen=True)
class StoreFilters:
    """What the store list is narrowed to: words in name, address or owner email, a plan, a
    subscription status."""

    query: str = ""
    plan: str = ""
    status: str = ""

    @classmethod
    def from_args(cls, *, q, plan, status):
        plan, status = plan or "", status or ""
        return cls(query=(q or "").strip()[:100], plan=plan if plan in PLANS else "",
                   status=status if status in Subscription.STATUSES else "")

    def args(self):
        """The filters as query-string arguments, for the next page's link."""
        return {name: value for name, value in (("q", self.query), ("plan", self.plan), ("status", self.status))
                if value}


def stores_page(filters, *, per_page=STORE_PAGE_SIZE, cursor=None):
    """Stores newest first with their subscription, ``(tenant, subscription or None)`` rows,
    read across stores on purpose, with the total.

    :raise BadCursor: ``cursor`` is not one of this list's
    """
    statement = select(Tenant, Subscription).outerjoin(Subscription, Subscription.tenant_id == Tenant.id)
    if filters.query:
        like = f"%{filters.query.lower()}%"
        owner_matches = (select(StaffUser.id).where(StaffUser.tenant_id == Tenant.id, StaffUser.role == StaffUser.OWNER,
                                                    func.lower(StaffUser.email).like(like)).exists())
        statement = statement.where(or_(func.lower(Tenant.slug).like(like), func.lower(Tenant.name).like(like),
                                        owner_matches))
    if filters.plan:
        statement = statement.where(Subscription.plan == filters.plan)
    if filters.status:
        statement = statement.where(Subscription.status == filters.status)
    with unscoped():
        return paginate(statement, NEWEST_STORES, per_page=per_page, cursor=cursor, with_total=True)


def owner_emails(tenant_ids):
    """``{tenant id: owner's email}`` for a page of stores, in one query."""
    if not tenant_ids:
        return {}
    with unscoped():
        rows = db.session.execute(select(StaffUser.tenant_id, StaffUser.email)
                                  .where(StaffUser.tenant_id.in_(tenant_ids), StaffUser.role == StaffUser.OWNER)
                                  .order_by(StaffUser.id.desc())).all()
    return {tenant_id: email for tenant_id, email in rows}


@dataclass(frozen=True)
class StoreAccounts:
    staff: list
    domains: list
    mini_programs: list
    subscription: Subscription | None


def store_accounts(tenant_id):
    """One store's staff, domains, mini-program AppIDs and subscription."""
    with tenant_context(tenant_id):
        return StoreAccounts(staff=db.session.scalars(select(StaffUser).order_by(StaffUser.id)).all(),
                             domains=db.session.scalars(select(Domain).order_by(Domain.id)).all(),
                             mini_programs=db.session.scalars(select(MiniProgram).order_by(MiniProgram.id)).all(),
                             subscription=db.session.scalar(select(Subscription)))


def store_subscription():
    """The current store's subscription, or None (a store made before billing existed)."""
    return db.session.scalar(select(Subscription))


def unpaid_invoice_count():
    """How many of the current store's invoices wait for payment (``Invoice.is_payable``)."""
    return db.session.scalar(select(func.count()).select_from(Invoice)
                             .where(Invoice.status == Invoice.OPEN, Invoice.total > 0))


def open_invoice():
    """The current store's oldest invoice waiting for payment, or None."""
    return db.session.scalar(select(Invoice).where(Invoice.status == Invoice.OPEN, Invoice.total > 0)
                             .order_by(Invoice.due_at, Invoice.id).limit(1))


@dataclass(frozen=True)
class Suspension:
    """Why a store is closed and the one thing that reopens it: ``unpaid`` with the
    ``invoice`` to pay, or ``platform`` (a platform admin closed it; ``reason`` is what they
    gave) — then the store contacts support."""

    kind: str
    reason: str | None = None
    invoice: Invoice | None = None


UNPAID = "unpaid"  # the reason the billing run records (billing.jobs)


def store_suspension(tenant):
    """The current store's ``Suspension``, or None while it is open. Reads nothing for an
    open store (its status says so), so every console page may ask."""
    if tenant is None or tenant.status != Tenant.SUSPENDED:
        return None
    subscription = store_subscription()
    if subscription is None or subscription.status != Subscription.SUSPENDED:
        return None
    invoice = open_invoice()
    if subscription.suspended_reason == UNPAID and invoice is not None:
        return Suspension(UNPAID, invoice=invoice)
    reason = subscription.suspended_reason if subscription.suspended_reason != UNPAID else None
    return Suspension("platform", reason=reason)


def store_invoice(invoice_id):
    """The current store's invoice, or None."""
    return db.session.scalar(select(Invoice).where(Invoice.id == invoice_id))


def audit_page(tenant_id, *, per_page=AUDIT_PAGE_SIZE, cursor=None):
    """The store's audit trail, newest first, with the total, read as the store (row-level
    security shows the audit log only to its store, or to the platform role).

    :raise BadCursor: ``cursor`` is not one of this list's
    """
    statement = select(AuditLog).where(AuditLog.tenant_id == tenant_id)
    with tenant_context(tenant_id):
        return paginate(statement, NEWEST_AUDIT, per_page=per_page, cursor=cursor, with_total=True)


def audit_subject_names(tenant_id, entries):
    """``{(target type, target id): (column, value)}``: the name or number of each audit
    entry's target that still exists — a page's title, an order's number — read inside the
    store, one query per kind of target. Kinds are found by their model's class name."""
    wanted = defaultdict(set)
    for entry in entries:
        if entry.target_type and entry.target_id and entry.target_id.isdigit():
            wanted[entry.target_type].add(int(entry.target_id))
    models = {mapper.class_.__name__: mapper.class_ for mapper in db.Model.registry.mappers}
    names = {}
    with tenant_context(tenant_id):
        for type_name, ids in wanted.items():
            model = models.get(type_name)
            column = next((name for name in NAME_COLUMNS if model is not None and hasattr(model, name)), None)
            if column is None:
                continue
            rows = db.session.execute(select(model.id, getattr(model, column)).where(model.id.in_(ids)))
            names.update({(type_name, str(row_id)): (column, value) for row_id, value in rows if value})
    return names


def invoices_page(*, per_page, cursor=None, unpaid_only=False):
    """The current store's invoices, newest first, with the total; ``unpaid_only``: those
    waiting for payment (``unpaid_invoice_count``).

    :raise BadCursor: ``cursor`` is not one of this list's
    """
    statement = select(Invoice)
    if unpaid_only:
        statement = statement.where(Invoice.status == Invoice.OPEN, Invoice.total > 0)
    return paginate(statement, NEWEST_INVOICES, per_page=per_page, cursor=cursor, with_total=True)


def admin_by_id(admin_id):
    return db.session.get(PlatformAdmin, admin_id)


def store_by_id(tenant_id):
    """Any store, by its id (the platform console sees every store); None if there is none."""
    return db.session.get(Tenant, tenant_id)


def retention_overrides():
    """``[(store, RetentionPeriod)]``: every longer period the platform set, by store."""
    with unscoped():
        return db.session.execute(select(Tenant, RetentionPeriod).join(Tenant, Tenant.id == RetentionPeriod.tenant_id)
                                  .order_by(Tenant.id, RetentionPeriod.rule)).all()
