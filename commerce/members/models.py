"""Shoppers of one store. A member belongs to exactly one tenant: the same WeChat user in
two stores is two members, sharing nothing. WeChat login, levels, points and stored value
arrive with the members issue; orders need only who is buying and where it goes."""
from sqlalchemy import Boolean, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.crypto import EncryptedText, mask_phone
from core.extensions import db
from core.models import Timestamped
from tenants.scoping import TenantScoped, tenant_foreign_key


class Member(TenantScoped, Timestamped, db.Model):
    __tablename__ = "members"
    __tenant_table_args__ = (UniqueConstraint("tenant_id", "openid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    nickname: Mapped[str | None] = mapped_column(String(64))
    openid: Mapped[str | None] = mapped_column(String(64))  # WeChat openid for this store's app; JSAPI pays with it
    phone: Mapped[str | None] = mapped_column(EncryptedText)

    def display_name(self):
        if self.nickname:
            return self.nickname
        return mask_phone(self.phone) if self.phone else f"#{self.id}"


class Address(TenantScoped, Timestamped, db.Model):
    """A member's delivery address. Name, phone and street are personal data: encrypted."""

    __tablename__ = "addresses"
    __tenant_table_args__ = (
        tenant_foreign_key("member_id", "members", ondelete="CASCADE"),
        Index("ix_addresses_tenant_member", "tenant_id", "member_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(Integer, nullable=False)
    name: Mapped[str] = mapped_column(EncryptedText, nullable=False)
    phone: Mapped[str] = mapped_column(EncryptedText, nullable=False)
    province_code: Mapped[str] = mapped_column(String(6), nullable=False)  # GB/T 2260, e.g. 330000
    city: Mapped[str] = mapped_column(String(40), nullable=False)
    district: Mapped[str | None] = mapped_column(String(40))
    detail: Mapped[str] = mapped_column(EncryptedText, nullable=False)
    is_default: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
