"""Refusals of the shipping rules; each names the field the user has to fix."""
from core.errors import DomainError


class InvalidShippingTemplate(DomainError):
    """A template or one of its rules breaks a rule (``field`` says which)."""


class NotDeliverable(DomainError):
    """The store does not ship to the shopper's province; the message names it."""

    def __init__(self, message, *, province_code, **kwargs):
        super().__init__(message, field=kwargs.pop("field", "province_code"),
                         extra={"province_code": province_code}, **kwargs)
        self.province_code = province_code


class InvalidParcel(DomainError):
    """A parcel of a shipment breaks a rule (carrier, number, lines; ``field`` says which)."""


class InvalidWaybillSettings(DomainError):
    """The store's waybill sender or carrier is missing or wrong (``field`` says which)."""


class WaybillFailed(DomainError):
    """The carrier gave no waybill (no answer: ``status`` 502; a refusal: 422), or a waybill
    cannot be cancelled; the message says why."""
