"""Ready page templates (页面模板): whole page documents made only of the registered block
types, with demo pictures drawn by ``tools/make_page_template_images.py`` and shipped in
``images/``.

A template's document names its pictures by file name; ``template_document(template,
image_url)`` fills in their addresses: the console's copy for a preview, the store's own
library copy when a page is started from it (``themes.page_templates.start``). Product,
category, coupon and flash-sale blocks carry no ids: they show the store's own newest or
best-selling products, its categories and campaigns (or their empty placeholder).
"""
from dataclasses import dataclass
from pathlib import Path

from flask_babel import lazy_gettext as _l

IMAGES_DIR = Path(__file__).parent / "images"


@dataclass(frozen=True)
class PageTemplate:
    key: str
    name: str  # lazy gettext
    description: str  # lazy gettext
    industry: str  # lazy gettext: what kind of store it suits
    title: str  # the new page's default title (Chinese: stores are Chinese)
    slug: str  # the new page's default address
    cover: str  # the picture shown in the gallery
    blocks: tuple  # ((block_id, block), …); a picture setting holds {"picture": file name}

    def pictures(self):
        """The file names of every picture the template uses, in order, each once."""
        found = []
        for _block_id, block in self.blocks:
            for value in _picture_values(block):
                if value not in found:
                    found.append(value)
        return found


def _picture_values(block):
    for value in block.get("settings", {}).values():
        if isinstance(value, dict) and "picture" in value:
            yield value["picture"]
    for _child_id, child in block.get("children", ()):
        yield from _picture_values(child)


def picture(name):
    return {"picture": name}


def _block(block_type, children=(), **settings):
    block = {"type": block_type, "settings": settings}
    if children:
        block["children"] = tuple(children)
    return block


def _banner(*pictures):
    return _block("banner", children=[(f"s{i}", _block("slide", image=picture(name), alt=alt, link=""))
                                      for i, (name, alt) in enumerate(pictures, 1)], height="medium",
                  autoplay=True, interval=4)


def _grid(title, source, *, count):
    """Two columns of the store's own newest or best-selling products."""
    return _block("product_grid", title=title, source=source, category_id=None, product_ids=[], columns=2,
                  count=count)


def _carousel(title, source, *, count, card_size):
    return _block("product_carousel", title=title, source=source, category_id=None, product_ids=[], count=count,
                  card_size=card_size)


def template_document(template, image_url):
    """The template as a page document; ``image_url(file name)`` gives each picture's address."""
    def settings_of(block):
        return {name: image_url(value["picture"]) if isinstance(value, dict) and "picture" in value else value
                for name, value in block["settings"].items()}

    def level(items):
        blocks, order = {}, []
        for block_id, block in items:
            built = {"type": block["type"], "settings": settings_of(block), "hidden": False}
            if "children" in block:
                built.update(level(block["children"]))
            blocks[block_id] = built
            order.append(block_id)
        return {"blocks": blocks, "order": order}

    return level(template.blocks)


TEMPLATES = (
    PageTemplate(
        key="apparel-home", name=_l("Apparel home"), industry=_l("Clothing and accessories"),
        description=_l("New-season banner, categories, two collection tiles, newest and best-selling products."),
        title="服装首页", slug="apparel-home", cover="apparel-hero.jpg",
        blocks=(
            ("announce", _block("announcement_bar", text="新品上市 · 全场满 299 减 50", link="", text_color="",
                                background_color="", dismissible=True)),
            ("search", _block("search_bar", placeholder="搜索连衣裙、T恤、外套", hot_keywords="连衣裙, T恤, 牛仔裤")),
            ("banner", _banner(("apparel-hero.jpg", "春夏新品 轻盈上身"))),
            ("categories", _block("category_grid", title="商品分类", columns=4, count=8, icon_style="circle")),
            ("women", _block("image", image=picture("apparel-women.jpg"), alt="女装上新", link="")),
            ("men", _block("image", image=picture("apparel-men.jpg"), alt="男装精选", link="")),
            ("newest", _grid("本周上新", "newest", count=6)),
            ("hot", _carousel("热销榜单", "best_selling", count=8, card_size="small")),
        )),
    PageTemplate(
        key="food-home", name=_l("Fresh food home"), industry=_l("Fresh food and groceries"),
        description=_l("Delivery notice, farm-fresh banner, coupons, category tiles and best sellers."),
        title="生鲜首页", slug="fresh-home", cover="food-hero.jpg",
        blocks=(
            ("notice", _block("notice", text="今日 16:00 前下单，次日送达；满 99 元包邮", link="", speed="normal")),
            ("search", _block("search_bar", placeholder="搜索水果、蔬菜、粮油", hot_keywords="草莓, 车厘子, 大米")),
            ("banner", _banner(("food-hero.jpg", "产地直发 新鲜到家"))),
            ("categories", _block("category_grid", title="生鲜分类", columns=5, count=10, icon_style="circle")),
            ("coupons", _block("coupon_strip", title="新人领券", count=6)),
            ("fruit", _block("image", image=picture("food-fruit.jpg"), alt="时令鲜果", link="")),
            ("pantry", _block("image", image=picture("food-pantry.jpg"), alt="粮油副食", link="")),
            ("best", _grid("爆款热卖", "best_selling", count=8)),
            ("promise", _block("rich_text", html="<h3>新鲜承诺</h3><p>坏果包赔，签收后 48 小时内拍照联系客服即可。</p>")),
        )),
    PageTemplate(
        key="beauty-home", name=_l("Beauty home"), industry=_l("Beauty and skincare"),
        description=_l("Soft banner, skincare tile, hot products, a member card and the full range."),
        title="美妆首页", slug="beauty-home", cover="beauty-hero.jpg",
        blocks=(
            ("banner", _banner(("beauty-hero.jpg", "焕亮新肌 匠心之选"))),
            ("categories", _block("category_grid", title="", columns=4, count=8, icon_style="square")),
            ("skincare", _block("image", image=picture("beauty-skincare.jpg"), alt="护肤专区", link="")),
            ("hot", _carousel("人气爆款", "best_selling", count=8, card_size="large")),
            ("member", _block("member_card", title="加入会员", benefits="会员专享价、生日礼、积分抵现", link="")),
            ("all", _grid("全部商品", "newest", count=10)),
        )),
    PageTemplate(
        key="big-sale", name=_l("618 / Double 11 sale"), industry=_l("Shopping festivals"),
        description=_l("A loud banner, coupons, a flash-sale countdown, deals and the sale's rules."),
        title="618 年中大促", slug="big-sale", cover="campaign-hero.jpg",
        blocks=(
            ("announce", _block("announcement_bar", text="大促进行中 · 跨店满 300 减 40", link="",
                                text_color="#ffffff", background_color="#c4161c", dismissible=False)),
            ("banner", _banner(("campaign-hero.jpg", "年中大促 狂欢开场"))),
            ("coupons", _block("coupon_strip", title="大促神券 先领再买", count=6)),
            ("flash", _block("flash_sale", title="限时秒杀", ends_at="", count=4)),
            ("deals", _block("image", image=picture("campaign-deals.jpg"), alt="爆款直降", link="")),
            ("best", _grid("全场热卖", "best_selling", count=10)),
            ("rules", _block("rich_text", html="<h3>活动规则</h3><ul><li>活动期间全场商品参与满减</li>"
                                              "<li>优惠券与满减可叠加使用</li><li>秒杀商品数量有限，售完即止</li></ul>")),
        )),
    PageTemplate(
        key="new-arrivals", name=_l("Weekly new arrivals"), industry=_l("Any store"),
        description=_l("A weekly new-in banner, the newest products first and a carousel of the latest."),
        title="每周上新", slug="new-arrivals", cover="new-hero.jpg",
        blocks=(
            ("banner", _banner(("new-hero.jpg", "每周上新"))),
            ("notice", _block("notice", text="每周五上新，新品首发限时 9 折", link="", speed="slow")),
            ("latest", _carousel("今日新品", "newest", count=8, card_size="large")),
            ("grid", _grid("新品速递", "newest", count=12)),
        )),
    PageTemplate(
        key="member-day", name=_l("Member day"), industry=_l("Any store"),
        description=_l("A monthly member-day banner, the member card, member coupons and featured products."),
        title="会员日", slug="member-day", cover="member-hero.jpg",
        blocks=(
            ("banner", _banner(("member-hero.jpg", "每月 18 日 会员日"))),
            ("member", _block("member_card", title="会员日专享", benefits="会员专享价 · 积分翻倍 · 满额赠礼",
                              link="")),
            ("coupons", _block("coupon_strip", title="会员专享券", count=4)),
            ("picks", _grid("会员日好物", "best_selling", count=8)),
            ("rules", _block("rich_text", html="<h3>会员日规则</h3><p>每月 18 日 00:00–23:59，会员下单享双倍积分。</p>")),
        )),
)

_BY_KEY = {template.key: template for template in TEMPLATES}


def page_templates():
    return TEMPLATES


def find_template(key):
    return _BY_KEY.get(key)
