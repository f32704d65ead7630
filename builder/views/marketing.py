"""The console's marketing hub: every campaign type, with how many are running now."""
from flask import render_template
from flask_babel import gettext as _

from builder.blueprints import console_bp
from commerce.marketing.queries import running_counts
from core.models import utcnow


@console_bp.route("/marketing")
def marketing():
    running = running_counts(utcnow())
    tools = [  # (endpoint, title, what it does, how many run now)
        ("console.coupons_list", _("Coupons"),
         _("¥20 off ¥199, 8.5折 or no-threshold coupons, claimed by shoppers or issued by you."), running["coupons"]),
        ("console.flash_sales_list", _("Flash sales"),
         _("秒杀: time windows with flash prices, campaign stock and a limit per shopper."), running["flash_sales"]),
        ("console.group_buys_list", _("Group buys"),
         _("拼团: shoppers open teams at a group price; a team that does not fill up in time is refunded."),
         running["group_buys"]),
        ("console.bargains_list", _("Bargains"),
         _("砍价: friends help cut the price to the floor in a few helps; the shopper buys at the price reached."),
         running["bargains"]),
        ("console.presales_list", _("Pre-sales"),
         _("预售: sell before stock arrives, paid in full or as a deposit (定金, may count for more) and a "
           "balance (尾款) in its window; shipped from the date you set."), running["presales"]),
        ("console.distribution", _("Distribution"),
         _("分销: approved distributors earn a commission on two levels, settled to stored value after the "
           "after-sales window."), None),
        ("console.invite_rewards", _("Invite rewards"),
         _("Tiered rewards when friends' first orders complete: invite 1, get a coupon; invite 5, get more."), None),
    ]
    return render_template("builder/marketing/hub.html", tools=tools)
