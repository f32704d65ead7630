"""Prices: the one quote of what an order costs (``quote``), the loader of what it reads,
the campaign price rules marketing registers, and the price lines an order keeps."""
from commerce.pricing.loader import CampaignUnavailable, load_price_book, quote_for
from commerce.pricing.quote import (
    Adjustment,
    CouponOffer,
    HeldCoupon,
    Item,
    PriceBook,
    PriceLine,
    Quote,
    Receipt,
    Refusal,
    quote,
)
from commerce.pricing.receipts import order_receipt, receipt_json
from commerce.pricing.rules import Campaign, CampaignPrice, PriceRule, register_rule, rule_for

__all__ = ["Adjustment", "Campaign", "CampaignPrice", "CampaignUnavailable", "CouponOffer", "HeldCoupon", "Item",
           "PriceBook", "PriceLine", "PriceRule", "Quote", "Receipt", "Refusal", "load_price_book", "order_receipt", "quote_for",
           "quote", "receipt_json", "register_rule", "rule_for"]
