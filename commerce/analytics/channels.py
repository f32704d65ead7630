"""Where a visit came from: the seed's channel table. A share link the merchant builds carries
``utm_source=<code>`` (H5); the mini-program reports WeChat's scene value, which says how it
was opened (a chat, Moments, an Official Account article …)."""
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from flask_babel import lazy_gettext as _l

MP_ARTICLE = "mp_article"  # 公众号推文: an Official Account article or menu
MINIPROGRAM = "miniprogram"  # 小程序: opened in the mini-program any other way
GROUP = "group"  # 社群: a link or card in a (group) chat
MOMENTS = "moments"  # 朋友圈
DIRECT = "direct"  # 直接访问: no source known

CHANNELS = {
    MP_ARTICLE: _l("Official Account articles"),
    MINIPROGRAM: _l("Mini-program"),
    GROUP: _l("Group chats"),
    MOMENTS: _l("Moments"),
    DIRECT: _l("Direct visits"),
}

# WeChat scene values (https://developers.weixin.qq.com/miniprogram/dev/reference/scene-list.html)
SCENES = {
    1007: GROUP, 1008: GROUP,  # a card shared in a one-to-one / group chat
    1154: MOMENTS, 1155: MOMENTS,  # Moments' single-page mode, opened from it
    1035: MP_ARTICLE, 1043: MP_ARTICLE, 1058: MP_ARTICLE, 1082: MP_ARTICLE, 1091: MP_ARTICLE,  # Official Account menu, message, article, …
}


def channel_of(utm_source=None, scene=None):
    """The channel code of a visit: a known ``utm_source`` wins; a mini-program scene maps by
    ``SCENES`` (any other scene is the mini-program itself); nothing known is ``direct``."""
    source = (utm_source or "").strip().lower()
    if source in CHANNELS:
        return source
    if scene not in (None, ""):
        try:
            return SCENES.get(int(scene), MINIPROGRAM)
        except (TypeError, ValueError):
            return MINIPROGRAM
    return DIRECT


def mini_program_channel(utm_source=None, scene=None):
    """The channel of a mini-program visit: the share link's known ``utm_source``, else its scene's,
    else the mini-program itself (it was opened somehow, never "direct")."""
    return channel_of(utm_source, scene) if utm_source in CHANNELS or scene else MINIPROGRAM


def tagged_link(url, channel):
    """``url`` carrying ``utm_source=<channel>`` (any earlier one replaced): the share link the
    console's link builder hands the merchant for one channel.

    :raise ValueError: unknown channel
    """
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    parts = urlsplit(url)
    query = [(key, value) for key, value in parse_qsl(parts.query, keep_blank_values=True) if key != "utm_source"]
    return urlunsplit(parts._replace(query=urlencode([*query, ("utm_source", channel)])))
