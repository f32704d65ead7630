"""``/me/card.json``: what the member card block shows a signed-in shopper (name, level,
points, stored value). The block itself sits on pages cached whole for everyone, so it
asks for this after the page has loaded; the answer is private and never cached."""
from flask import jsonify, url_for

from commerce.members.levels import level_of
from core.money import format_money
from storefront.blueprints import storefront_bp
from storefront.shopper import current_member, shopper_name


@storefront_bp.route("/me/card.json")
def member_card():
    member = current_member()
    card = {"signed_in": member is not None, "url": url_for("storefront.member_center")}
    if member is not None:
        level = level_of(member)
        card.update(name=shopper_name(member), level=level.name if level else None, points=member.points,
                    balance=format_money(member.balance))
    response = jsonify(card)
    response.cache_control.private = True
    response.cache_control.no_store = True
    return response
