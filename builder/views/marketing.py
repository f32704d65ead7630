"""The console's marketing hub: every campaign type, with how many are running now."""
from flask import render_template
from flask_babel import gettext as _
from sqlalchemy import func, select

from builder.views import console_bp
from commerce.marketing.bargains.models import BargainCampaign
from commerce.marketing.coupons.models import Coupon
from commerce.marketing.flash_sales.models import FlashSale
from commerce.marketing.group_buys.models import GroupBuy
from core.extensions import db
from core.models import utcnow


@console_bp.route("/marketing")
def marketing():
    now = utcnow()
    tools = [  # (endpoint, title, what it does, how many run now)
        ("console.coupons_list", _("Coupons"),
         _("¥20 off ¥199, 8.5折 or no-threshold coupons, claimed by shoppers or issued by you."),
         _count(Coupon, Coupon.status == Coupon.ACTIVE)),
        ("console.flash_sales_list", _("Flash sales"),
         _("秒杀: time windows with flash prices, campaign stock and a limit per shopper."),
         _count(FlashSale, FlashSale.status == FlashSale.ACTIVE, FlashSale.ends_at > now)),
        ("console.group_buys_list", _("Group buys"),
         _("拼团: shoppers open teams at a group price; a team that does not fill up in time is refunded."),
         _count(GroupBuy, GroupBuy.status == GroupBuy.ACTIVE, GroupBuy.ends_at > now)),
        ("console.bargains_list", _("Bargains"),
         _("砍价: friends help cut the price to the floor in a few helps; the shopper buys at the price reached."),
         _count(BargainCampaign, BargainCampaign.status == BargainCampaign.ACTIVE, BargainCampaign.ends_at > now)),
        ("console.distribution", _("Distribution"),
         _("分销: approved distributors earn a commission on two levels, settled to stored value after the "
           "after-sales window."), None),
        ("console.invite_rewards", _("Invite rewards"),
         _("Tiered rewards when friends' first orders complete: invite 1, get a coupon; invite 5, get more."), None),
    ]
    return render_template("builder/marketing/hub.html", tools=tools)


def _count(model, *conditions):
    return db.session.scalar(select(func.count(model.id)).where(*conditions))
