"""Invoices: issued per store (numbered ``DS<store>-<n>``), paid by WeChat Pay Native QR into
the platform's own merchant account, settled exactly once, voided or refunded.

- ``issue_invoice`` writes the lines, applies the store's credit (oldest first; each credit
  shrinks by a conditional UPDATE) and opens the invoice; a total of 0 is paid at once.
  A renewal carries ``dedupe_key`` "renewal:<period start>", unique per store, so the
  billing job issues one per period however often it runs.
- ``pay_invoice_natively`` asks WeChat Pay for the Native QR each time it is shown: a
  ``code_url`` expires after two hours, and WeChat answers a repeated prepay of the same
  ``out_trade_no`` and amount with the pending order. ``code_url`` is kept to know the
  invoice reached WeChat (voiding it then closes it there).
- ``apply_invoice_notification`` verifies and decrypts WeChat's notification with the
  platform's keys, finds the invoice by ``out_trade_no`` across stores (the one deliberate
  ``unscoped()`` read: WeChat does not say which store), checks merchant and amount, and
  calls ``mark_invoice_paid`` in that store's context.
- ``mark_invoice_paid`` is the conditional UPDATE open → paid. Only the call that made the
  change applies the payment to the subscription (reactivation, the paid period, an
  upgrade's plan), so a replayed notification changes nothing.
- ``refund_invoice`` refunds the whole invoice through the gateway (a platform admin's
  action); the subscription is left as it is — suspending or cancelling is a separate act.

The platform's account is its ``WECHATPAY_SP_*`` keys used in direct mode (the platform
collects for itself, no sub-merchant); the sandbox fills them in development and tests.
"""
import logging
import secrets
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from billing.errors import BillingError
from billing.mail import send_notice
from billing.models import Credit, Invoice, InvoiceLine, Subscription
from billing.states import transition
from core.audit import record_audit
from core.extensions import db
from core.models import utcnow
from core.money import format_money
from core.tenancy import tenant_context, unscoped
from payments import (
    InvalidNotification,
    PayAccount,
    PaymentError,
    close_payment,
    create_native_payment,
    parse_notification,
    platform_keys,
    refund_payment,
)
from tenants.plans import add_interval, plan

log = logging.getLogger(__name__)

RENEWAL_LEAD_DAYS = 7  # a renewal invoice is issued this long before the period ends (its due date)
UPGRADE_DUE_DAYS = 7


def platform_pay_account():
    """The platform's own WeChat Pay merchant account (direct mode)."""
    return PayAccount.direct(platform_keys(current_app.config))


def invoice_notify_url():
    config = current_app.config
    base = config.get("PAYMENT_NOTIFY_BASE_URL") or f"http://{config['PLATFORM_DOMAIN']}"
    return f"{base.rstrip('/')}/billing/wechatpay/notify"


def invoices_of(tenant_id):
    """The store's invoices, newest first."""
    with tenant_context(tenant_id):
        return db.session.scalars(select(Invoice).order_by(Invoice.id.desc())).all()


def find_invoice(number):
    """The current store's invoice by number, or None."""
    return db.session.scalar(select(Invoice).where(Invoice.number == number))


# -- issuing -------------------------------------------------------------------------------

def issue_invoice(subscription, *, kind, plan_code, interval, period_start, period_end, lines, due_at, now=None,
                  dedupe_key=None, actor=None):
    """Open an invoice for ``subscription``'s store. ``lines`` are ``(description, quantity,
    unit amount in fen)``. With ``dedupe_key``, an invoice already issued under that key is
    returned instead of a second one. Credit is applied; a total of 0 is paid at once.
    Does not commit."""
    now = now or utcnow()
    rows = [InvoiceLine(tenant_id=subscription.tenant_id, description=str(text)[:255], quantity=quantity,
                        unit_amount=unit, amount=quantity * unit) for text, quantity, unit in lines]
    subtotal = sum(row.amount for row in rows)
    try:
        with db.session.begin_nested():
            invoice = Invoice(tenant_id=subscription.tenant_id, number=_next_number(subscription),
                              out_trade_no=_out_trade_no(now), kind=kind, status=Invoice.OPEN, plan=plan_code,
                              interval=interval, period_start=period_start, period_end=period_end,
                              subtotal=subtotal, credit_applied=0, total=subtotal, due_at=due_at,
                              dedupe_key=dedupe_key, lines=rows)
            db.session.add(invoice)
            db.session.flush()
    except IntegrityError:
        if dedupe_key is None:
            raise
        return db.session.scalar(select(Invoice).where(Invoice.dedupe_key == dedupe_key))
    credit = _consume_credit(invoice)
    if credit:
        invoice.credit_applied, invoice.total = credit, subtotal - credit
        db.session.flush()
    record_audit("invoice.issued", actor=actor, tenant_id=invoice.tenant_id, target=invoice,
                 details={"number": invoice.number, "kind": kind, "total": invoice.total})
    if invoice.total == 0:
        mark_invoice_paid(invoice, None, paid_at=now)
    return invoice


def issue_renewal_invoice(subscription, *, now=None):
    """The invoice for the period after the current one, at the next plan and interval;
    issued once per period. Due when the current period ends."""
    start = subscription.current_period_end
    next_plan, interval = plan(subscription.next_plan()), subscription.next_interval()
    end = add_interval(start, interval)
    return issue_invoice(subscription, kind=Invoice.RENEWAL, plan_code=next_plan.code, interval=interval,
                         period_start=start, period_end=end, lines=[_period_line(next_plan, interval, start, end)],
                         due_at=start, now=now, dedupe_key=f"renewal:{start.isoformat()}")


def issue_reactivation_invoice(subscription, *, plan_code, interval, actor, now=None):
    """A platform admin's invoice for a new period from now, e.g. to bring back a cancelled
    store (paying it reactivates the subscription with this plan and period).

    :raise UnknownPlan: no such plan
    :raise BillingError: unknown interval
    """
    now = now or utcnow()
    chosen = plan(plan_code)
    if interval not in Subscription.INTERVALS:
        raise BillingError(_("Choose monthly or yearly billing."), field="interval")
    end = add_interval(now, interval)
    return issue_invoice(subscription, kind=Invoice.MANUAL, plan_code=chosen.code, interval=interval,
                         period_start=now, period_end=end, lines=[_period_line(chosen, interval, now, end)],
                         due_at=now + timedelta(days=UPGRADE_DUE_DAYS), now=now, actor=actor)


def _period_line(chosen, interval, start, end):
    description = _("%(plan)s plan, %(interval)s, %(start)s – %(end)s", plan=chosen.name,
                    interval=_("yearly") if interval == Subscription.YEAR else _("monthly"),
                    start=start.date().isoformat(), end=end.date().isoformat())
    return description, 1, chosen.price(interval)


def renewal_invoice(subscription, status=Invoice.OPEN):
    """The renewal invoice in ``status`` for the period after the current one, or None."""
    return db.session.scalar(select(Invoice).where(
        Invoice.kind == Invoice.RENEWAL, Invoice.status == status,
        Invoice.period_start == subscription.current_period_end).order_by(Invoice.id.desc()).limit(1))


def refresh_renewal_invoice(subscription, *, now=None):
    """After a plan change: void the next period's open renewal invoice if it no longer
    matches the next plan and interval, and issue it again if it is due to exist. Returns
    the current renewal invoice or None."""
    now = now or utcnow()
    if subscription.status not in (Subscription.TRIALING, Subscription.ACTIVE, Subscription.PAST_DUE):
        return None
    next_plan, interval = plan(subscription.next_plan()), subscription.next_interval()
    existing = renewal_invoice(subscription)
    if existing is not None:
        if (existing.plan, existing.interval, existing.subtotal) == (next_plan.code, interval,
                                                                     next_plan.price(interval)):
            return existing
        void_invoice(existing, reason="plan changed")
    if renewal_invoice(subscription, Invoice.PAID) is not None:
        return None  # the next period is paid for already; the change applies after it
    if now >= subscription.current_period_end - timedelta(days=RENEWAL_LEAD_DAYS):
        return issue_renewal_invoice(subscription, now=now)
    return None


def _next_number(subscription):
    # The UPDATE holds the subscription's row until commit: two invoices never share a number.
    db.session.execute(update(Subscription).where(Subscription.id == subscription.id)
                       .values(invoice_count=Subscription.invoice_count + 1)
                       .execution_options(synchronize_session=False))
    count = db.session.scalar(select(Subscription.invoice_count).where(Subscription.id == subscription.id))
    set_committed_value(subscription, "invoice_count", count)
    return f"DS{subscription.tenant_id:05d}-{count:04d}"


def _out_trade_no(now):
    """``B`` + time + 8 random digits: unique across stores and test runs, valid for WeChat."""
    return "B" + now.strftime("%Y%m%d%H%M%S") + f"{secrets.randbelow(10**8):08d}"


def _consume_credit(invoice):
    """Take up to the invoice's subtotal from the store's credits, oldest first."""
    taken = 0
    for credit in db.session.scalars(select(Credit).where(Credit.remaining > 0).order_by(Credit.id)).all():
        take = min(credit.remaining, invoice.subtotal - taken)
        if take <= 0:
            break
        result = db.session.execute(update(Credit).where(Credit.id == credit.id, Credit.remaining >= take)
                                    .values(remaining=Credit.remaining - take)
                                    .execution_options(synchronize_session=False))
        if result.rowcount == 1:
            taken += take
    return taken


# -- voiding -------------------------------------------------------------------------------

def void_invoice(invoice, *, reason, actor=None):
    """Withdraw an open invoice: its QR is closed at WeChat, its credit given back. Returns
    False when it was not open, or WeChat says it was paid meanwhile (the notification
    will settle it)."""
    if invoice.status != Invoice.OPEN:
        return False
    if invoice.code_url:
        try:
            close_payment(platform_pay_account(), invoice.out_trade_no)
        except PaymentError as refusal:
            if refusal.code == "ORDERPAID":
                return False
            log.warning("could not close invoice %s at WeChat Pay: %s", invoice.number, refusal.message)
    result = db.session.execute(update(Invoice).where(Invoice.id == invoice.id, Invoice.status == Invoice.OPEN)
                                .values(status=Invoice.VOID, dedupe_key=None, note=reason[:255])
                                .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        return False
    for name, value in {"status": Invoice.VOID, "dedupe_key": None, "note": reason[:255]}.items():
        set_committed_value(invoice, name, value)
    if invoice.credit_applied:
        db.session.add(Credit(tenant_id=invoice.tenant_id, amount=invoice.credit_applied,
                              remaining=invoice.credit_applied, note=f"returned from voided invoice {invoice.number}"))
    record_audit("invoice.voided", actor=actor, tenant_id=invoice.tenant_id, target=invoice,
                 details={"number": invoice.number, "reason": reason})
    db.session.flush()
    return True


def void_open_invoices(subscription, *, kinds, reason):
    for invoice in db.session.scalars(select(Invoice).where(Invoice.status == Invoice.OPEN,
                                                            Invoice.kind.in_(kinds))).all():
        void_invoice(invoice, reason=reason)


# -- paying --------------------------------------------------------------------------------

def pay_invoice_natively(invoice):
    """The WeChat Pay Native ``code_url`` to show as a QR code for this open invoice.

    :raise BillingError: the invoice is not open (or owes nothing)
    :raise PaymentError: WeChat Pay refused or could not be reached
    """
    if not invoice.is_payable():
        raise BillingError(_("This invoice is not waiting for payment."))
    code_url = create_native_payment(platform_pay_account(), out_trade_no=invoice.out_trade_no,
                                     description=f"Duoshop {invoice.number}", amount_fen=invoice.total,
                                     notify_url=invoice_notify_url())
    invoice.code_url = code_url
    db.session.flush()
    return code_url


def apply_invoice_notification(headers, body):
    """Verify, decrypt and apply one WeChat Pay notification about an invoice. Returns
    "applied", "duplicate" (already paid: nothing changed) or "ignored". Commits.

    :raise InvalidNotification: forged, tampered, too old, or about another account, an
        unknown invoice or another amount
    """
    account = platform_pay_account()
    envelope = parse_notification(account, headers, body)
    resource = envelope["resource"]
    if resource.get("mchid") != account.keys.mchid:
        raise InvalidNotification("The notification is for another merchant account.")
    if envelope.get("event_type") != "TRANSACTION.SUCCESS":
        return "ignored"
    out_trade_no = str(resource.get("out_trade_no") or "")
    with unscoped():  # WeChat names the invoice, not the store
        tenant_id = db.session.scalar(select(Invoice.tenant_id).where(Invoice.out_trade_no == out_trade_no))
    if tenant_id is None:
        raise InvalidNotification("The notification names an invoice we do not have.")
    with tenant_context(tenant_id):
        invoice = db.session.scalar(select(Invoice).where(Invoice.out_trade_no == out_trade_no))
        if (resource.get("amount") or {}).get("total") != invoice.total:
            raise InvalidNotification("The notification's amount is not the invoice's total.")
        applied = mark_invoice_paid(invoice, resource.get("transaction_id"),
                                    paid_at=_parse_time(resource.get("success_time")))
        if not applied and invoice.status != Invoice.PAID:
            log.error("invoice %s (%s) was paid at WeChat Pay (%s) but is %s", invoice.number, tenant_id,
                      resource.get("transaction_id"), invoice.status)
        db.session.commit()
    return "applied" if applied else "duplicate"


def mark_invoice_paid(invoice, transaction_id, *, paid_at):
    """Open → paid (a conditional UPDATE); when this call made the change, apply it to the
    subscription and send the receipt. Returns True when it did. Does not commit."""
    values = {"status": Invoice.PAID, "paid_at": paid_at, "transaction_id": transaction_id}
    result = db.session.execute(update(Invoice).where(Invoice.id == invoice.id, Invoice.status == Invoice.OPEN)
                                .values(**values).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        db.session.refresh(invoice)
        return False
    for name, value in values.items():
        set_committed_value(invoice, name, value)
    subscription = db.session.scalar(select(Subscription).where(Subscription.tenant_id == invoice.tenant_id))
    apply_paid_invoice(subscription, invoice, now=paid_at)
    record_audit("invoice.paid", actor=None, tenant_id=invoice.tenant_id, target=invoice,
                 details={"number": invoice.number, "transaction_id": transaction_id, "total": invoice.total})
    send_notice(invoice, "paid", _("Receipt for invoice %(number)s", number=invoice.number),
                _("We received %(amount)s for invoice %(number)s. Thank you!", amount=format_money(invoice.total),
                  number=invoice.number), now=paid_at)
    return True


def apply_paid_invoice(subscription, invoice, *, now):
    """What a paid invoice does to the subscription: an upgrade switches the plan; a renewal
    (or manual) invoice reactivates the store and, once its period has begun, makes it the
    current period (a renewal paid early waits for the billing job at the period end; a
    lapsed store's has begun by definition)."""
    if invoice.kind == Invoice.UPGRADE:
        if subscription.status in (Subscription.TRIALING, Subscription.ACTIVE):
            subscription.plan = invoice.plan
            db.session.flush()
            refresh_renewal_invoice(subscription, now=now)
        return
    begun = invoice.period_start <= now or subscription.status != Subscription.ACTIVE and not subscription.is_trialing()
    values = period_values(subscription, invoice) if begun else {}
    transition(subscription, "pay", now=now, reason=invoice.number, **values)


def period_values(subscription, invoice):
    """The columns that make ``invoice``'s period, plan and interval the current ones."""
    return {"plan": invoice.plan, "interval": invoice.interval, "current_period_start": invoice.period_start,
            "current_period_end": invoice.period_end,
            "pending_plan": None if subscription.pending_plan == invoice.plan else subscription.pending_plan,
            "pending_interval": (None if subscription.pending_interval == invoice.interval
                                 else subscription.pending_interval)}


# -- refunding -----------------------------------------------------------------------------

def refund_invoice(invoice, *, actor, reason):
    """Give a paid invoice's whole total back through WeChat Pay (the platform's account).

    :raise BillingError: not paid by WeChat Pay (or already refunded), or no reason
    :raise PaymentError: WeChat Pay refused or could not be reached (nothing changed)
    """
    reason = (reason or "").strip()
    if invoice.status != Invoice.PAID or not invoice.transaction_id or invoice.total <= 0:
        raise BillingError(_("Only an invoice paid by WeChat Pay can be refunded."))
    if not reason:
        raise BillingError(_("Say why the invoice is refunded."), field="reason")
    refund_payment(platform_pay_account(), out_refund_no=f"{invoice.out_trade_no}R", refund_fen=invoice.total,
                   total_fen=invoice.total, out_trade_no=invoice.out_trade_no, reason=reason[:80])
    now = utcnow()
    result = db.session.execute(update(Invoice).where(Invoice.id == invoice.id, Invoice.status == Invoice.PAID)
                                .values(status=Invoice.REFUNDED, refunded_at=now, note=reason[:255])
                                .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise BillingError(_("Only an invoice paid by WeChat Pay can be refunded."))
    for name, value in {"status": Invoice.REFUNDED, "refunded_at": now, "note": reason[:255]}.items():
        set_committed_value(invoice, name, value)
    record_audit("invoice.refunded", actor=actor, tenant_id=invoice.tenant_id, target=invoice,
                 details={"number": invoice.number, "amount": invoice.total, "reason": reason})
    return invoice


def _parse_time(value):
    try:
        return datetime.fromisoformat(value) if value else utcnow()
    except ValueError:
        return utcnow()
