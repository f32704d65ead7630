"""The ``ref`` cookie a shopper brings from a distributor's link, and binding it to the member
at sign-in. Below the views: ``storefront.shopper`` signs members in, and the distribution
views set the cookie."""
from flask import request

from commerce.marketing.distribution.errors import ReferralRefused
from commerce.marketing.distribution.service import bind_referral, referrer_id_from_code

REF_COOKIE = "ref"
REF_DAYS = 30


def bind_remembered_referrer(member):
    """At sign-in: bind the member to the referrer whose link they came by, if any and if
    allowed (never themselves, never a loop, never a second referrer). Does not commit."""
    referrer_id = referrer_id_from_code(request.cookies.get(REF_COOKIE), member.tenant_id)
    if referrer_id is None:
        return None
    try:
        return bind_referral(member.id, referrer_id)
    except ReferralRefused:
        return None  # a shopper following a link is never stopped from signing in
