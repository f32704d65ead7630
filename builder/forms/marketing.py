"""Console forms of the campaigns (flash sales, group buys, bargains): what the merchant types,
read once into fen, whole numbers and China times. Ranges stay with the verbs, which say
which rule was broken; a form only refuses input it cannot read, with the campaign's own
words. Field names are the ones the screens have always posted."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Optional

from core.forms import ChinaDateTimeField, WholeField, YuanField

FLASH_SALE_ROWS = 5  # SKU rows on the flash sale form
PRESALE_ROWS = 5  # SKU rows on the pre-sale form
NO_SKU = -1  # an empty or unreadable SKU choice: the verb answers "No such SKU in this store"


class _Worded:
    """A typed field that refuses unreadable input with one message of its own (the campaign
    forms always said "Enter the group price in yuan, e.g. 39.90." for any bad price)."""

    def __init__(self, label=None, validators=None, *, unreadable, **kwargs):
        super().__init__(label, validators or [InputRequired(message=unreadable)], **kwargs)
        self.unreadable = unreadable

    def read(self, text):
        try:
            return super().read(text)
        except ValueError:
            raise ValueError(str(self.unreadable)) from None


class CampaignPriceField(_Worded, YuanField):
    """Yuan → fen; the verb checks it against the SKU's price."""


class CampaignTimeField(_Worded, ChinaDateTimeField):
    """A China ``datetime-local`` → aware UTC."""


def _time(label):
    return CampaignTimeField(label, unreadable=_l("Enter the start and end as date and time."))


def _or(value, fallback):
    return fallback if value is None else value


def _sku_rows(form, count, columns):
    """``[(sku id, *values)]`` of the form's ``count`` SKU rows that have a SKU chosen, each
    ``(name, fallback)`` of ``columns`` read from ``<name>_<row>`` (rows without a SKU are skipped)."""
    rows = []
    for row in range(count):
        sku = form[f"sku_{row}"]
        if not sku.raw_data or not (sku.raw_data[0] or "").strip():
            continue
        rows.append((_or(sku.data, NO_SKU), *(_or(form[f"{name}_{row}"].data, fallback) for name, fallback in columns)))
    return rows


class FlashSaleForm(FlaskForm):
    """Title, window, and up to ``FLASH_SALE_ROWS`` rows of ``sku_<n>``, ``price_<n>``,
    ``units_<n>``, ``limit_<n>`` (rows without a SKU are skipped)."""

    title = StringField(_l("Title"))
    starts_at = _time(_l("Starts (China time)"))
    ends_at = _time(_l("Ends (China time)"))

    def items(self):
        """``[(sku id, price fen, units, per-member limit)]`` for ``create_flash_sale``."""
        return _sku_rows(self, FLASH_SALE_ROWS, (("price", NO_SKU), ("units", NO_SKU), ("limit", 1)))

    def arguments(self):
        return {"title": self.title.data, "starts_at": self.starts_at.data, "ends_at": self.ends_at.data,
                "items": self.items()}


for _row in range(FLASH_SALE_ROWS):
    setattr(FlashSaleForm, f"sku_{_row}", WholeField(_l("SKU")))
    setattr(FlashSaleForm, f"price_{_row}", CampaignPriceField(
        _l("Flash price (yuan)"), [Optional()], unreadable=_l("Enter the flash price in yuan, e.g. 9.90.")))
    setattr(FlashSaleForm, f"units_{_row}", WholeField(_l("Units")))
    setattr(FlashSaleForm, f"limit_{_row}", WholeField(_l("Per shopper")))


class GroupBuyForm(FlaskForm):
    title = StringField(_l("Title"))
    sku_id = WholeField(_l("SKU"))
    group_price = CampaignPriceField(_l("Group price (yuan)"),
                                     unreadable=_l("Enter the group price in yuan, e.g. 39.90."))
    size = WholeField(_l("Team size"), default=3)
    hours = WholeField(_l("Hours to fill a team"), default=24)
    ends_at = _time(_l("Ends (China time)"))
    virtual_success = BooleanField(_l("Teams that do not fill up succeed anyway"))

    def arguments(self):
        return {"title": self.title.data, "sku_id": _or(self.sku_id.data, NO_SKU),
                "group_price": self.group_price.data, "size": _or(self.size.data, NO_SKU),
                "hours": _or(self.hours.data, NO_SKU), "ends_at": self.ends_at.data,
                "virtual_success": self.virtual_success.data}


class BargainCampaignForm(FlaskForm):
    title = StringField(_l("Title"))
    sku_id = WholeField(_l("SKU"))
    floor_price = CampaignPriceField(_l("Floor price (yuan)"),
                                     unreadable=_l("Enter the floor price in yuan, e.g. 9.90."))
    max_helps = WholeField(_l("Friends needed"), default=10)
    hours = WholeField(_l("Hours to bargain"), default=24)
    starts_at = _time(_l("Starts (China time)"))
    ends_at = _time(_l("Ends (China time)"))

    def arguments(self):
        return {"title": self.title.data, "sku_id": _or(self.sku_id.data, NO_SKU),
                "floor_price": self.floor_price.data, "max_helps": _or(self.max_helps.data, NO_SKU),
                "hours": _or(self.hours.data, NO_SKU), "starts_at": self.starts_at.data,
                "ends_at": self.ends_at.data}


class PresaleForm(FlaskForm):
    """A pre-sale: title, sales window, ship-from date, payment mode (full, or deposit with
    what it counts as and a balance window, and what an unpaid balance does to the deposit),
    and up to ``PRESALE_ROWS`` rows of ``sku_<n>``, ``price_<n>``, ``units_<n>``."""

    title = StringField(_l("Title"))
    starts_at = _time(_l("Starts (China time)"))
    ends_at = _time(_l("Ends (China time)"))
    ships_from = CampaignTimeField(_l("Ships from (China time)"),
                                   unreadable=_l("Enter the ship-from date as date and time."))
    mode = RadioField(_l("Payment"), choices=[SelectChoice("full", _l("Full payment when ordering")),
                                              SelectChoice("deposit", _l("Deposit now, balance later"))], default="full")
    deposit = CampaignPriceField(_l("Deposit per item (yuan)"), [Optional()],
                                 unreadable=_l("Enter the deposit in yuan, e.g. 10."))
    deposit_worth = CampaignPriceField(_l("Deposit counts as (yuan)"), [Optional()],
                                       unreadable=_l("Enter what the deposit counts as in yuan, e.g. 30."))
    balance_starts_at = CampaignTimeField(_l("Balance from (China time)"), [Optional()],
                                          unreadable=_l("Enter the balance window as date and time."))
    balance_ends_at = CampaignTimeField(_l("Balance until (China time)"), [Optional()],
                                        unreadable=_l("Enter the balance window as date and time."))
    unpaid_balance = RadioField(_l("If the balance is not paid"), choices=[
        SelectChoice("forfeit", _l("The order closes and the deposit is kept")),
        SelectChoice("refund", _l("The order closes and the deposit is refunded"))], default="forfeit")

    def items(self):
        """``[(sku id, price fen, units)]`` for ``create_presale``."""
        return _sku_rows(self, PRESALE_ROWS, (("price", NO_SKU), ("units", NO_SKU)))

    def arguments(self):
        deposit = self.mode.data == "deposit"
        return {"title": self.title.data, "starts_at": self.starts_at.data, "ends_at": self.ends_at.data,
                "ships_from": self.ships_from.data, "mode": self.mode.data, "items": self.items(),
                "deposit": _or(self.deposit.data, 0) if deposit else None,
                "deposit_worth": _or(self.deposit_worth.data, _or(self.deposit.data, 0)) if deposit else None,
                "balance_starts_at": self.balance_starts_at.data, "balance_ends_at": self.balance_ends_at.data,
                "unpaid_balance": self.unpaid_balance.data}


for _row in range(PRESALE_ROWS):
    setattr(PresaleForm, f"sku_{_row}", WholeField(_l("SKU")))
    setattr(PresaleForm, f"price_{_row}", CampaignPriceField(
        _l("Pre-sale price (yuan)"), [Optional()], unreadable=_l("Enter the pre-sale price in yuan, e.g. 99.")))
    setattr(PresaleForm, f"units_{_row}", WholeField(_l("Units")))


class PresaleSettingsForm(FlaskForm):
    split_threshold = WholeField(_l("Spread over the warehouses above this many paid orders"), default=500)
    warehouses = StringField(_l("Warehouses (comma-separated; empty: the warehouses your products name)"))
