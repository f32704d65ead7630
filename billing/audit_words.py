"""The platform audit log in words: each action code (``order.paid``) as a translated
phrase, each target (``Page`` 7) as its kind and its name or number (页面「首页」, 订单
2026…). An action without words yet is shown as its code."""
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

ACTION_WORDS = {
    "after_sale.approve": _l("Approved an after-sales request"),
    "after_sale.reject": _l("Rejected an after-sales request"),
    "bargain_campaign.create": _l("Created a bargain campaign"),
    "bargain_campaign.active": _l("Resumed a bargain campaign"),
    "bargain_campaign.paused": _l("Paused a bargain campaign"),
    "billing.credit_applied": _l("Granted credit"),
    "category.create": _l("Created a category"),
    "category.delete": _l("Deleted a category"),
    "category.move": _l("Moved a category"),
    "category.rename": _l("Renamed a category"),
    "category.reorder": _l("Reordered categories"),
    "coupon.create": _l("Created a coupon"),
    "coupon.issue": _l("Issued a coupon"),
    "coupon.update": _l("Changed a coupon"),
    "coupon.pause": _l("Paused a coupon"),
    "coupon.resume": _l("Resumed a coupon"),
    "distribution.settings": _l("Changed distribution settings"),
    "distributor.approve": _l("Approved a distributor"),
    "distributor.reject": _l("Rejected a distributor"),
    "domain.added": _l("Added a custom domain"),
    "domain.verified": _l("Verified a custom domain"),
    "domain.unverified": _l("Withdrew a custom domain's verification"),
    "flash_sale.create": _l("Created a flash sale"),
    "flash_sale.active": _l("Resumed a flash sale"),
    "flash_sale.paused": _l("Paused a flash sale"),
    "group_buy.create": _l("Created a group buy"),
    "presale.create": _l("Created a pre-sale"),
    "presale.active": _l("Resumed a pre-sale"),
    "presale.paused": _l("Paused a pre-sale"),
    "presale.settings": _l("Changed the pre-sale shipping settings"),
    "group_buy.active": _l("Resumed a group buy"),
    "group_buy.paused": _l("Paused a group buy"),
    "invites.settings": _l("Changed invite rewards"),
    "member.data_exported": _l("Exported a member's data on their request"),
    "member.erased": _l("Closed a member's account on their request"),
    "privacy_policy.published": _l("Published a privacy policy"),
    "rfm.compute": _l("Computed the RFM segments"),
    "rfm.segment_coupon": _l("Sent a coupon to an RFM segment"),
    "invoice.issued": _l("Issued an invoice"),
    "invoice.paid": _l("Invoice paid"),
    "invoice.refunded": _l("Refunded an invoice"),
    "invoice.voided": _l("Voided an invoice"),
    "library.image_added": _l("Added an image to the library"),
    "library.image_deleted": _l("Deleted an image from the library"),
    "library.image_moved": _l("Moved a library image to another folder"),
    "library.image_renamed": _l("Renamed a library image"),
    "media.uploaded": _l("Uploaded an image"),
    "member.level_deleted": _l("Deleted a member level"),
    "member.level_saved": _l("Saved a member level"),
    "member.rules_saved": _l("Changed member rules"),
    "member.points_adjusted": _l("Adjusted a member's points"),
    "member.balance_adjusted": _l("Adjusted a member's balance"),
    "miniprogram.added": _l("Added a mini-program"),
    "mini_program.authorized": _l("Authorised the mini-program to Duoshop"),
    "mini_program.authorization_updated": _l("Changed the mini-program's authorisation"),
    "mini_program.unauthorized": _l("Withdrew the mini-program's authorisation"),
    "mini_program.submitted": _l("Submitted the mini-program for WeChat's review"),
    "mini_program.released": _l("Released the mini-program"),
    "mini_program.rollout_started": _l("Rolled out a mini-program version to every store"),
    "order.cancel": _l("Cancelled an order"),
    "order.export_full": _l("Exported orders with full addresses"),
    "order.paid": _l("Order paid"),
    "order.paid_after_cancel": _l("Payment arrived after the order was cancelled"),
    "order.part_paid": _l("Order deposit paid"),
    "order.refund": _l("Refunded an order"),
    "order.remark": _l("Added an order remark"),
    "order.ship": _l("Shipped an order"),
    "order.view_address": _l("Viewed a receiver's full address"),
    "personal_data.reveal": _l("Revealed a shopper's personal data"),
    "page.created": _l("Created a page"),
    "page.published": _l("Published a page"),
    "platform.admin_saved": _l("Saved a platform admin"),
    "platform.job_retried": _l("Retried a failed job"),
    "platform.password_reset": _l("Platform admin reset their password"),
    "platform.signed_in": _l("Platform admin signed in"),
    "product.create": _l("Created a product"),
    "product.delete": _l("Deleted a product"),
    "product.image_added": _l("Added a product image"),
    "product.image_moved": _l("Reordered product images"),
    "product.image_removed": _l("Removed a product image"),
    "product.status": _l("Put a product on or off sale"),
    "product.update": _l("Changed a product"),
    "shipping_template.create": _l("Created a shipping template"),
    "shipping_template.default": _l("Set the default shipping template"),
    "shipping_template.delete": _l("Deleted a shipping template"),
    "shipping_template.update": _l("Changed a shipping template"),
    "staff.invite_accepted": _l("Accepted a team invite"),
    "staff.invited": _l("Invited a team member"),
    "staff.password_reset": _l("Reset a console password"),
    "staff.role_changed": _l("Changed a team member's role"),
    "staff.signed_in": _l("Signed in to the console"),
    "store.provisioned": _l("Store opened"),
    "store.settings_changed": _l("Changed store settings"),
    "store.signed_up": _l("Signed up"),
    "subscription.plan_change": _l("Changed the plan"),
    "subscription.pay": _l("Subscription paid"),
    "subscription.lapse": _l("Payment overdue"),
    "subscription.suspend": _l("Store suspended"),
    "subscription.resume": _l("Store resumed"),
    "subscription.cancel": _l("Subscription cancelled"),
    "subscription.extend_trial": _l("Trial extended"),
    "tab_bar.changed": _l("Changed the bottom tab bar"),
    "theme.changed": _l("Changed the theme"),
    "wechatpay.account": _l("Changed the WeChat Pay account"),
}
SUBJECT_WORDS = {
    "AfterSale": _l("After-sales request"),
    "BargainCampaign": _l("Bargain campaign"),
    "Category": _l("Category"),
    "Coupon": _l("Coupon"),
    "Distributor": _l("Distributor"),
    "Domain": _l("Domain"),
    "FlashSale": _l("Flash sale"),
    "GroupBuy": _l("Group buy"),
    "Invoice": _l("Invoice"),
    "Member": _l("Member"),
    "MemberLevel": _l("Member level"),
    "MiniProgram": _l("Mini-program"),
    "Release": _l("Mini-program version"),
    "Rollout": _l("Mini-program rollout"),
    "Order": _l("Order"),
    "Page": _l("Page"),
    "PlatformAdmin": _l("Platform admin"),
    "Product": _l("Product"),
    "ShippingTemplate": _l("Shipping template"),
    "StaffUser": _l("Team member"),
    "Subscription": _l("Subscription"),
    "Tenant": _l("Store"),
    "StoreTheme": _l("Theme"),
}
# The column that names a row of a kind, first found wins; numbers are shown without quotes.
NAME_COLUMNS = ("number", "title", "name", "email", "nickname", "hostname", "appid", "slug")
NUMBER_COLUMNS = ("number",)


def action_words(code):
    words = ACTION_WORDS.get(code)
    return str(words) if words is not None else code


def subject_words(target_type, target_id, names):
    """``names`` is ``{(target type, id): (column, value)}`` from
    ``billing.queries.audit_subject_names``; "" when the entry has no target."""
    if not target_type:
        return ""
    kind = str(SUBJECT_WORDS.get(target_type, target_type))
    column, name = names.get((target_type, target_id), (None, None))
    if name is None:
        return _("%(kind)s #%(id)s", kind=kind, id=target_id) if target_id else kind
    if column in NUMBER_COLUMNS:
        return _("%(kind)s %(number)s", kind=kind, number=name)
    return _("%(kind)s “%(name)s”", kind=kind, name=name)
