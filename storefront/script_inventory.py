"""The inventory of the scripts a shopper's pages load: each named, with its purpose, who
approved it and where it is served from (PCI DSS 4.0.1 requirement 6.4.3, in spirit).

The payment pages — checkout, pay, top-up pay (views marked ``@pinned_scripts``) — load
nothing else: every ``<script>`` on them comes from ``script_tag`` with the SRI hash
``core.script_integrity`` computed at start-up (ours) or pinned in a setting (WeChat's
JS-SDK), and their CSP names each script by its full URL. Adding a script to those pages
means adding a row here (docs/security.md says how), which a reviewer approves.
"""
from core.script_integrity import Script
from storefront.wechat_address import JSSDK_URL
from themes.assets import STATIC_DIR as THEME_STATIC_DIR

PLATFORM = "platform"  # approved by Duoshop's engineers in code review; merchants add no script

SCRIPTS = (
    Script("file limits", "Checks the size and type of a chosen picture in the browser before it is sent "
           "(every page's file inputs)", PLATFORM, endpoint="static", filename="js/file-limits.js"),
    Script("theme blocks", "Behaviour of page blocks: carousels, countdowns, merchant colours",
           PLATFORM, endpoint="theme_assets.shared", filename="blocks.js", file=THEME_STATIC_DIR / "blocks.js"),
    Script("shop", "The tab bar's cart badge; add to cart and claim a coupon in place", PLATFORM,
           endpoint="storefront.static", filename="shop.js"),
    Script("product", "The product page's choice of options (SKU), price and stock shown as chosen", PLATFORM,
           endpoint="storefront.static", filename="product.js"),
    Script("address picker", "Province, city and district lists of the address form; 「使用微信地址」",
           PLATFORM, endpoint="storefront.static", filename="address.js"),
    Script("wechat pay", "Inside WeChat: opens WeChat Pay's sheet with the signed prepay parameters",
           PLATFORM, endpoint="storefront.static", filename="pay.js"),
    Script("wechat js-sdk", "WeChat's JS-SDK 1.6.0 (wx.openAddress for 「使用微信地址」 inside WeChat), from "
           "WeChat's servers; pinned by the hash in WECHAT_JSSDK_INTEGRITY", PLATFORM,
           url=JSSDK_URL, integrity_setting="WECHAT_JSSDK_INTEGRITY"),
    Script("chat", "What the 客服 chat and the console inbox share: polling for new messages, sending in place",
           PLATFORM, endpoint="static", filename="js/chat.js"),
    Script("customer service", "The 客服 chat: sends a message in place and polls for the store's replies",
           PLATFORM, endpoint="storefront.static", filename="support.js"),
    Script("share cards", "Inside WeChat: sets the page's share card (title, summary, picture, link) through "
           "the JS-SDK with the store's signed wx.config", PLATFORM, endpoint="storefront.static", filename="share.js"),
    Script("analytics beacon", "Counts page and product views off the request path (the data dashboard)",
           PLATFORM, endpoint="storefront.static", filename="beacon.js"),
)
