"""What a shopper types on the storefront, read once: the cart, the checkout, an after-sales
request and a top-up amount. Business rules (stock, delivery area, the address fields, the
refundable amount) stay with the verbs; these forms only make typed text into values and
refuse what cannot be read, with a message of its own."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import BooleanField, Field, HiddenField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Optional, StopValidation

from commerce.analytics.events import PAGES
from core.forms import CNMobileField, WholeField, YuanField
from core.money import format_money

MAX_COUPONS = 10  # a checkout never spends more; more ids posted are ignored
TOP_UP_RANGE = _l("Choose an amount from ¥0.01 to ¥50,000.")  # ``start_top_up``'s range


class FirstFilledWholeField(WholeField):
    """A whole number posted under one name by several inputs, of which one is filled: the
    product page's hidden ``sku_id`` (set by its script) and, without scripts, its select."""

    def process_formdata(self, valuelist):
        super().process_formdata([value for value in valuelist if value.strip()][:1])


class LastWholeField(WholeField):
    """A whole number where a button may post the same name after the input: the cart's
    "Remove" (``quantity=0``) comes after the quantity typed, in the order browsers send."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist[-1:])


class DefaultWholeField(WholeField):
    """A whole number that keeps its default when the input is not posted at all."""

    def process_formdata(self, valuelist):
        if valuelist:
            super().process_formdata(valuelist)


class IdsField(Field):
    """Ids ticked in a list of checkboxes (``coupon_id`` per coupon); what is not a whole
    number is ignored, as a tampered box chooses nothing. ``.data`` is a list of ints."""

    def __init__(self, label=None, validators=None, *, limit, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.limit = limit

    def process_formdata(self, valuelist):
        self.data = [int(value) for value in valuelist if value.isascii() and value.isdigit()][:self.limit]


class CartAddForm(FlaskForm):
    """The product page's "Add to cart" / "Buy now". Product pages are cached whole without a
    per-session token, so the route checks the origin instead of a CSRF token."""

    class Meta:
        csrf = False

    sku_id = FirstFilledWholeField(_l("Option"), [InputRequired(_l("Choose an option of this product first."))],
                                   minimum=1)
    quantity = DefaultWholeField(_l("Quantity"), [InputRequired()], default=1)  # the range: ``add_to_cart``
    then = HiddenField()

    @property
    def goes_to_checkout(self):
        return self.then.data == "checkout"


class PresaleBookForm(FlaskForm):
    """The product page's pre-sale booking (its SKU and how many); cached like the page, so
    checked by origin instead of a CSRF token."""

    class Meta:
        csrf = False

    sku_id = FirstFilledWholeField(_l("Option"), [InputRequired(_l("Choose an option of this product first."))],
                                   minimum=1)
    quantity = DefaultWholeField(_l("Quantity"), [InputRequired()], default=1, minimum=1, maximum=99)


class CartQuantityForm(FlaskForm):
    """A cart line's new quantity; 0 removes the line."""

    quantity = LastWholeField(_l("Quantity"), [InputRequired()])  # the range: ``set_quantity``


class AddressFields(FlaskForm):
    """An address as typed: the 省 by its code, the 市 and 区 by name (as ``wx.openAddress``
    gives them). ``checked_address`` checks them and names the field at fault."""

    name = StringField(_l("Receiver"))
    phone = StringField(_l("Mobile number"))
    province_code = StringField(_l("Province"))
    city = StringField(_l("City"))
    district = StringField(_l("District"))
    detail = StringField(_l("Street and number"))

    def new_address(self):
        """The typed address, as ``save_address`` takes it."""
        return {name: self[name].data or "" for name in ("name", "phone", "province_code", "city", "district",
                                                          "detail")}


class AddressForm(AddressFields):
    """An address of the member's address book, added or corrected."""

    make_default = BooleanField(_l("Make this my default address"))


class CheckoutForm(AddressFields):
    """The checkout page: a saved address (``address_id``) or a new one, a note, the coupons
    and points to spend."""

    address_id = WholeField(_l("Deliver to"), [Optional()], minimum=1)
    note = StringField(_l("Note to the store"))
    coupon_id = IdsField(_l("Your coupons"), limit=MAX_COUPONS)
    points = BooleanField(_l("Use points"))


class AmountField(YuanField):
    """Yuan, where whatever cannot be read is refused with ``message``: the range the verb
    allows, worded once for a typo and for an amount out of range."""

    def __init__(self, label=None, validators=None, *, message, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.message = message

    def pre_validate(self, form):
        if self._problem:
            raise StopValidation(self.message)


class TopUpForm(FlaskForm):
    """An amount offered by the store's "充100送10" rules (``amount``), or any other."""

    amount = AmountField(_l("Amount (yuan)"), [Optional()], message=TOP_UP_RANGE)
    other_amount = AmountField(_l("Other amount (yuan)"), [Optional()], message=TOP_UP_RANGE)

    @property
    def chosen_amount(self):
        """Fen: the amount typed, else the one chosen, else None."""
        return self.other_amount.data if self.other_amount.data is not None else self.amount.data


def after_sale_form(order, *, left):
    """The after-sales request form of ``order``: one quantity per order line (``line_<id>``),
    the amount prefilled with what is ``left`` to refund (fen)."""

    class AfterSaleForm(FlaskForm):
        kind = StringField(_l("What do you need?"), default="refund_only")  # the kinds and reasons: the verb's
        reason = StringField(_l("Reason"))
        amount = AmountField(_l("Amount (yuan)"), [Optional()], default=left, message=_l(
            "The amount must be between ¥0.01 and %(left)s.", left=format_money(left)))  # ``request_after_sale``'s
        description = TextAreaField(_l("Describe the problem"))
        photos = MultipleFileField(_l("Photos (up to 3)"))

        def returned_lines(self):
            """``{order line id: quantity}``, every line."""
            return {line.id: self[f"line_{line.id}"].data or 0 for line in order.lines}

        def photo_streams(self):
            return [upload.stream for upload in self.photos.data or () if upload and upload.filename]

    for line in order.lines:
        setattr(AfterSaleForm, f"line_{line.id}", WholeField(_l("Quantity"), [Optional()], minimum=0, default=0))
    return AfterSaleForm()


class PhoneForm(FlaskForm):
    """The mobile number a signed-in shopper binds on the account screens."""

    phone = CNMobileField(_l("Mobile number"), validators=[
        InputRequired(message=_l("Enter an 11-digit mobile number, like 13812345678."))])


class BeaconForm(FlaskForm):
    """What ``beacon.js`` posts when a (cached) store page is shown: the page's kind, the
    product on it and the link's ``utm_source``. No CSRF token (cached pages carry none): the
    view checks the origin instead."""

    class Meta:
        csrf = False

    page = StringField(validators=[InputRequired()])
    product_id = WholeField(validators=[Optional()])
    utm_source = StringField(validators=[Optional()])

    def validate_page(self, field):
        if field.data not in PAGES:
            raise StopValidation(_l("Unknown page."))


class SignInConsentForm(FlaskForm):
    """What a shopper agrees to before WeChat sign-in: the privacy policy (required: no
    account without it) and two optional uses, unticked unless they tick them."""

    agree = BooleanField(_l("I have read and agree to the Privacy Policy"), [InputRequired(
        message=_l("Please read and agree to the Privacy Policy first: without it we cannot open your account."))])
    marketing = BooleanField(_l("Send me offers and new arrivals"))
    profiling = BooleanField(_l("Use my purchases and browsing to recommend products I may like"))
    next = HiddenField()

    def granted(self):
        """``{purpose: True}`` for each consent given; unticked optional uses are left as they were."""
        return {"account": True, **{purpose: True for purpose in ("marketing", "profiling")
                                    if getattr(self, purpose).data}}


class ConsentSwitchForm(FlaskForm):
    """One tap on a switch of the privacy page: turn one optional use on or off."""

    granted = RadioField(choices=[SelectChoice("on", _l("On")), SelectChoice("off", _l("Off"))],
                         validators=[InputRequired()])

    def choice(self):
        return self.granted.data == "on"


class PolicyAgreementForm(FlaskForm):
    """Agreeing again to the policy after a new version: ``version`` is the one the shopper read."""

    version = WholeField(validators=[InputRequired()], minimum=0)


class DataExportForm(FlaskForm):
    """「导出我的数据」: nothing to type, the CSRF token only."""


class CloseAccountForm(FlaskForm):
    """「注销账号」: the shopper ticks that they understand what closing the account does."""

    confirm = BooleanField(_l("I understand: my account, points and coupons go, and this cannot be undone."),
                           validators=[InputRequired(_l("Tick the box to confirm you want to close the account."))])


class SupportMessageForm(FlaskForm):
    """A shopper's message to the store (客服); the first one names what it is about."""

    body = TextAreaField(_l("Message"), filters=[lambda text: text.strip() if isinstance(text, str) else text],
                         validators=[InputRequired(_l("Write a message first."))])
    product = WholeField(validators=[Optional()], minimum=1)
    order = StringField(validators=[Optional()])
