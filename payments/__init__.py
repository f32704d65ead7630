"""Payments through WeChat Pay v3: the accounts that pay (service-provider or direct mode)
and one gateway of plain functions over the ``wechatpayv3`` SDK. No models yet: orders
and payment records arrive with the orders work."""
from payments.accounts import MerchantKeys, PayAccount, platform_keys
from payments.errors import InvalidNotification, PaymentError
from payments.gateway import (
    PaymentStatus,
    RefundStatus,
    close_payment,
    create_h5_payment,
    create_jsapi_payment,
    create_native_payment,
    parse_notification,
    query_payment,
    query_refund,
    refund_payment,
    request_payment_params,
)

__all__ = [
    "InvalidNotification", "MerchantKeys", "PayAccount", "PaymentError", "PaymentStatus", "RefundStatus",
    "close_payment", "create_h5_payment", "create_jsapi_payment", "create_native_payment",
    "parse_notification", "platform_keys", "query_payment", "query_refund", "refund_payment",
    "request_payment_params",
]
