"""How one store is paid: as a sub-merchant of the platform (service-provider mode) or
with its own WeChat Pay merchant keys (direct mode), keys stored encrypted; and the
notifications it has accepted."""
from datetime import datetime

from sqlalchemy import String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.crypto import EncryptedText
from core.extensions import db
from core.models import Timestamped, UtcDateTime
from tenants.scoping import TenantScoped


class WeChatPayAccount(TenantScoped, Timestamped, db.Model):
    __tablename__ = "wechatpay_accounts"
    __tenant_table_args__ = (UniqueConstraint("tenant_id"),)

    SERVICE_PROVIDER = "service_provider"  # the platform's sp_mchid collects for the store's sub_mchid
    DIRECT = "direct"  # the store's own merchant account and keys
    MODES = (SERVICE_PROVIDER, DIRECT)

    mode: Mapped[str] = mapped_column(String(20), nullable=False)
    sub_mchid: Mapped[str | None] = mapped_column(String(32))
    mchid: Mapped[str | None] = mapped_column(String(32))
    appid: Mapped[str | None] = mapped_column(String(32))
    private_key: Mapped[str | None] = mapped_column(EncryptedText)  # PEM
    cert_serial_no: Mapped[str | None] = mapped_column(String(64))
    apiv3_key: Mapped[str | None] = mapped_column(EncryptedText)
    public_key: Mapped[str | None] = mapped_column(Text)  # WeChat Pay's public key (PEM), not a secret
    public_key_id: Mapped[str | None] = mapped_column(String(64))


class PaymentEvent(TenantScoped, db.Model):
    """Every notification we accepted, by WeChat's notification id: a replay finds its row
    and changes nothing."""

    __tablename__ = "payment_events"
    __tenant_table_args__ = (UniqueConstraint("tenant_id", "notification_id"),)

    notification_id: Mapped[str] = mapped_column(String(64), nullable=False)
    event_type: Mapped[str] = mapped_column(String(40), nullable=False)
    out_trade_no: Mapped[str | None] = mapped_column(String(32))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
