"""Demo data for ``make run``: two stores with owners, categories and products, and a few
orders in the first store so the console's order screens are not empty."""
import colorsys
import io
from datetime import timedelta

from PIL import Image, ImageDraw
from sqlalchemy import select

from billing.models import PlatformAdmin
from billing.platform import create_platform_admin
from commerce.catalog.images import add_product_image
from commerce.catalog.models import SKU, Category, Product
from commerce.catalog.service import create_product
from commerce.marketing.bargains.models import BargainCampaign
from commerce.marketing.bargains.service import create_bargain_campaign
from commerce.marketing.coupons.models import Coupon
from commerce.marketing.coupons.service import create_coupon
from commerce.marketing.distribution.models import DistributionSettings
from commerce.marketing.distribution.service import save_distribution_settings
from commerce.marketing.flash_sales.models import FlashSale
from commerce.marketing.flash_sales.service import create_flash_sale
from commerce.marketing.group_buys.models import GroupBuy
from commerce.marketing.group_buys.service import create_group_buy
from commerce.marketing.invites.models import InviteSettings
from commerce.marketing.invites.service import save_invite_settings
from commerce.marketing.presales.models import Presale
from commerce.marketing.presales.service import create_presale
from commerce.members.consent import record_consents
from commerce.members.levels import save_level
from commerce.members.models import Address, Member, MemberConsent, MemberSettings
from commerce.orders.models import Order
from commerce.orders.payments import record_payment
from commerce.orders.service import Wanted, place_order
from core.extensions import db
from core.models import utcnow
from core.tenancy import tenant_context
from tenants.models import MiniProgram, StaffUser, Tenant
from tenants.provisioning import provision_store
from tenants.service import sign_up_merchant
from themes.models import Page
from themes.pages import NOTE_DEMO, change_theme, create_page, publish_page, save_draft, store_theme
from themes.theme import themes


def _block(block_type, children=(), **settings):
    block = {"type": block_type, "settings": settings}
    if children:
        block["blocks"] = {f"c{i}": child for i, child in enumerate(children)}
        block["order"] = [f"c{i}" for i in range(len(children))]
    return block


def _document(*blocks):
    return {"blocks": {f"b{i}": block for i, block in enumerate(blocks)}, "order": [f"b{i}" for i in range(len(blocks))]}


def _home_document(spec):
    links = [_block("footer_link", label=label, link=link) for label, link in (("首页", "/"), ("搜索", "/search"))]
    return _document(
        _block("announcement_bar", text=spec["announcement"], link="/p/new-season"),
        _block("search_bar", placeholder="搜索商品", hot_keywords=spec["keywords"]),
        _block("category_grid", title="商品分类", columns=4, count=8, icon_style="circle"),
        _block("product_grid", title="本周新品", source="newest", columns=2, count=6),
        _block("coupon_strip", title="领券中心", count=4),
        _block("flash_sale", title="限时秒杀", count=4),
        _block("group_buy_list", title="拼团", count=4),
        _block("bargain_list", title="砍价", count=4),
        _block("rich_text", html=spec["story"]),
        _block("member_card", title="会员专享", benefits="注册会员立享 95 折，积分可抵现。", link="/"),
        _block("footer", links, text="全国包邮 · 七天无理由退换", icp_number=""),
    )


def _campaign_document():
    return _document(
        _block("notice", text="新品上市：全场满 199 减 20，限时三天。", speed="normal"),
        _block("product_carousel", title="人气热卖", source="best_selling", count=8, card_size="large"),
        _block("product_grid", title="全部新品", source="newest", columns=2, count=10),
    )


DEMO_STORES = [
    {
        "slug": "demo", "name": "Duoshop 演示店", "email": "owner@demo.test", "password": "demo-owner-2026",
        "theme": "promo", "announcement": "双十二预热：新人首单立减 10 元", "keywords": "T恤, 马克杯, 耳机",
        "story": "<h3>关于我们</h3><p>精选好物，<strong>48 小时发货</strong>，七天无理由退换。</p>",
        "catalog": {
            "服饰": [{"title": "纯棉短袖T恤", "subtitle": "新疆长绒棉，亲肤不起球", "tags": ["新品", "包邮"],
                      "specs": [("颜色", ["白", "黑", "雾蓝"]), ("尺码", ["S", "M", "L"])],
                      "price": 7900, "market_price": 12900, "stock": 15, "sold_out": [("雾蓝", "S")],
                      "description": "<h3>面料</h3><p>100% 新疆长绒棉，220g 重磅，洗后不变形。</p>"
                                     "<ul><li>白 / 黑 / 雾蓝 三色</li><li>S–L 三个尺码</li></ul>"},
                     ("水洗牛仔外套", 25900, 40)],
            "家居": [("北欧陶瓷马克杯", 3900, 300), ("亚麻抱枕套", 5900, 80)],
            "数码": [("无线蓝牙耳机", 19900, 60)],
        },
    },
    {
        "slug": "tea", "name": "一叶茶舍", "email": "owner@tea.test", "password": "tea-owner-2026",
        "theme": "boutique", "announcement": "明前新茶已到店，顺丰包邮", "keywords": "龙井, 红茶, 茶具",
        "story": "<h3>一叶一世界</h3><p>我们只卖亲自到产区挑选的茶，<em>春采、秋藏</em>，一年只做一季。</p>",
        "catalog": {
            "绿茶": [{"title": "特级绿茶礼盒", "subtitle": "明前头采，礼盒装 2×125g", "tags": ["明前", "礼盒"],
                      "specs": [("规格", ["250g 礼盒", "500g 礼盒"])], "price": 29800, "stock": 25,
                      "description": "<h3>产地</h3><p>浙江杭州西湖产区，清明前手工采摘。</p>"
                                     "<p>冲泡：80℃ 水，3 克茶叶，第一泡 45 秒。</p>"},
                     ("明前龙井 250g", 16800, 70)],
            "红茶": [("正山小种 罐装", 12800, 90)],
            "茶具": [("汝窑功夫茶杯", 8800, 35), ("纯棉短袖T恤", 6900, 20)],
        },
    },
]


DEMO_ADMIN = ("admin@duoshop.test", "platform-admin-2026")
# The tea store's mini-program, as miniprogram/ext.json names it; the WeChat sandbox of
# `make run` takes the secret on first use, so the template signs in against it. (The demo
# store's one is left for the console's own 小程序 screens to bind and authorise.)
DEMO_MINI_PROGRAM = ("wxde00000000000001", "一叶茶舍", "demo-mini-program-secret")


def seed_demo():
    """Create each demo store and a platform admin unless they exist; returns lines to print."""
    lines = []
    for spec in DEMO_STORES:
        tenant = db.session.scalar(select(Tenant).where(Tenant.slug == spec["slug"]))
        if tenant is None:
            tenant, _owner = sign_up_merchant(email=spec["email"], password=spec["password"],
                                              store_name=spec["name"], slug=spec["slug"])
            db.session.commit()
        with tenant_context(tenant):
            provision_store(tenant.id)
            _seed_catalog(spec["catalog"])
            db.session.commit()
            owner = db.session.scalar(select(StaffUser).where(StaffUser.role == StaffUser.OWNER))
            _seed_pages(spec, owner)
            db.session.commit()
            if spec is DEMO_STORES[1]:
                _seed_mini_program()
                db.session.commit()
            if spec is DEMO_STORES[0]:
                _seed_orders()
                db.session.commit()
                _seed_campaigns(owner)
                db.session.commit()
        lines.append(f"store {spec['slug']:<5} owner login: store={spec['slug']} email={owner.email} "
                     f"password={spec['password']}")
    if db.session.scalar(select(PlatformAdmin).where(PlatformAdmin.email == DEMO_ADMIN[0])) is None:
        create_platform_admin(email=DEMO_ADMIN[0], password=DEMO_ADMIN[1])
        db.session.commit()
    lines.append(f"platform admin login: email={DEMO_ADMIN[0]} password={DEMO_ADMIN[1]}")
    return lines


def _seed_mini_program():
    appid, name, secret = DEMO_MINI_PROGRAM
    if db.session.scalar(select(MiniProgram).where(MiniProgram.appid == appid)) is None:
        db.session.add(MiniProgram(appid=appid, name=name, secret=secret))


def _seed_pages(spec, owner):
    """Decorate the home page and add a campaign page, unless the merchant already did."""
    home = db.session.scalar(select(Page).where(Page.kind == Page.HOME))
    if not (home.published_document or {}).get("order"):
        save_draft(home, _home_document(spec), expected_revision=home.draft_revision, actor=owner)
        publish_page(home, actor=owner, note=NOTE_DEMO)
    if db.session.scalar(select(Page.id).where(Page.slug == "new-season")) is None:
        campaign = create_page(actor=owner, title="新品上市", slug="new-season")
        save_draft(campaign, _campaign_document(), expected_revision=campaign.draft_revision, actor=owner)
        publish_page(campaign, actor=owner, note=NOTE_DEMO)
    if spec["theme"] in themes() and store_theme().theme != spec["theme"] and store_theme().version == 1:
        change_theme(actor=owner, theme_name=spec["theme"], settings={})


def _seed_orders():
    """A shopper with two orders, one paid and waiting to be shipped, one waiting for payment,
    placed through the order service (stock is reserved as for any order)."""
    if db.session.scalar(select(Order.id).limit(1)) is not None:
        return
    member = Member(nickname="演示顾客")
    db.session.add(member)
    db.session.flush()
    record_consents(member.id, {MemberConsent.ACCOUNT: True, MemberConsent.PROFILING: True}, channel=MemberConsent.H5)
    address = Address(member_id=member.id, name="李小龙", phone="13912345678", province_code="330000",
                      city="杭州市", district="西湖区", detail="文三路 100 号 2 单元 301", is_default=True)
    db.session.add(address)
    db.session.flush()
    skus = db.session.scalars(select(SKU).where(SKU.stock >= 5).order_by(SKU.id).limit(3)).all()
    paid = place_order(member_id=member.id, address=address, note="请周末送货",
                       wanted=[Wanted(skus[0].id, 2), Wanted(skus[-1].id, 1)])
    record_payment(paid, f"4200000000{paid.number[-12:]}", None, source="demo")
    place_order(member_id=member.id, address=address, wanted=[Wanted(skus[1].id, 1)])


def _seed_campaigns(owner):
    """One running campaign of each kind, so every marketing block and screen has something
    to show and two shoppers can try each one end to end (see README)."""

    now = utcnow()
    skus = {title: sku for sku, title in db.session.execute(
        select(SKU, Product.title).join(Product, Product.id == SKU.product_id).order_by(SKU.id)).all()}
    if db.session.scalar(select(Coupon.id).limit(1)) is None:
        for name, amount, threshold in (("满199减20", 2000, 19900), ("新人无门槛5元", 500, 0)):
            create_coupon({"name": name, "kind": Coupon.AMOUNT_OFF if threshold else Coupon.NO_THRESHOLD,
                           "amount_off": amount, "threshold": threshold, "percent_off": None, "max_discount": None,
                           "scope": Coupon.ALL, "target_ids": [], "valid_from": None, "valid_until": None,
                           "valid_days": 7, "total_quantity": 1000, "per_member_limit": 1, "stackable": False},
                          actor=owner)
    if db.session.scalar(select(FlashSale.id).limit(1)) is None:
        create_flash_sale(actor=owner, title="限时秒杀", starts_at=now - timedelta(minutes=1),
                          ends_at=now + timedelta(days=7), items=[(skus["北欧陶瓷马克杯"].id, 1990, 20, 1)])
    if db.session.scalar(select(GroupBuy.id).limit(1)) is None:
        create_group_buy(actor=owner, title="两人拼团", sku_id=skus["亚麻抱枕套"].id, group_price=3900, size=2, hours=24,
                         ends_at=now + timedelta(days=30))
    if db.session.scalar(select(DistributionSettings.id)) is None:
        save_distribution_settings(enabled=True, level1_percent=10, level2_percent=5, settle_days=7, actor=owner)
    if db.session.scalar(select(InviteSettings.id)) is None:
        welcome = db.session.scalar(select(Coupon).where(Coupon.name == "新人无门槛5元"))
        save_invite_settings(enabled=True, actor=owner, tiers=[(1, welcome.id, 0), (5, None, 500)])
    if db.session.scalar(select(MemberSettings.id)) is None:  # 充100送10, 充200送30; two levels
        db.session.add(MemberSettings(top_up_bonuses=[[10000, 1000], [20000, 3000]]))
        save_level(name="银卡会员", growth_threshold=500, discount_percent=98)
        save_level(name="金卡会员", growth_threshold=2000, discount_percent=95)
    if db.session.scalar(select(Presale.id).limit(1)) is None:  # 定金 ¥20 抵 ¥50, the balance payable at once
        create_presale(actor=owner, title="秋冬新款预售", starts_at=now - timedelta(minutes=1),
                       ends_at=now + timedelta(days=5), ships_from=now + timedelta(days=10),
                       items=[(skus["水洗牛仔外套"].id, 22900, 30)], mode=Presale.DEPOSIT, deposit=2000,
                       deposit_worth=5000, balance_starts_at=now - timedelta(minutes=1),
                       balance_ends_at=now + timedelta(days=7))
    if db.session.scalar(select(BargainCampaign.id).limit(1)) is None:
        create_bargain_campaign(actor=owner, title="耳机砍到99元", sku_id=skus["无线蓝牙耳机"].id, floor_price=9900,
                                max_helps=5, hours=24, starts_at=now - timedelta(minutes=1),
                                ends_at=now + timedelta(days=30))


def _seed_catalog(catalog):
    if db.session.scalar(select(Product.id).limit(1)) is not None:
        return
    for position, (category_name, products) in enumerate(catalog.items(), start=10):
        category = Category(name=category_name, position=position)
        db.session.add(category)
        db.session.flush()
        for index, entry in enumerate(products):
            entry = entry if isinstance(entry, dict) else dict(zip(("title", "price", "stock"), entry, strict=True))
            product = create_product(actor=None, category_id=category.id, status=Product.ON_SALE, **_product_arguments(entry))
            for picture in range(2 if entry.get("specs") else 1):
                add_product_image(product, _demo_picture(position * 7 + index * 3 + picture), actor=None)
    db.session.flush()


def _product_arguments(entry):
    specs = entry.get("specs", [])
    combos = [()]
    for _name, values in specs:
        combos = [combo + (value,) for combo in combos for value in values]
    sold_out = set(entry.get("sold_out", ()))
    market = entry.get("market_price")
    skus = []
    for combo in combos:
        step = specs[-1][1].index(combo[-1]) * 1000 if specs else 0  # the larger size costs a little more
        skus.append({"spec_values": list(combo), "price": entry["price"] + step,
                     "market_price": market + step if market else None,
                     "stock": 0 if combo in sold_out else entry["stock"]})
    return {"title": entry["title"], "subtitle": entry.get("subtitle"), "specs": specs, "skus": skus,
            "description": entry.get("description", ""), "tags": entry.get("tags", ())}


def _demo_picture(seed):
    """A soft two-colour picture (no text, no photo rights) so demo products are not blank."""
    hue = (seed * 47) % 360
    background, shape = _hsl(hue, 0.45, 0.86), _hsl((hue + 25) % 360, 0.55, 0.55)
    image = Image.new("RGB", (600, 600), background)
    draw = ImageDraw.Draw(image)
    draw.ellipse((150, 130, 450, 430), fill=shape)
    draw.rounded_rectangle((110, 400, 490, 470), radius=24, fill=_hsl(hue, 0.35, 0.72))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _hsl(hue, saturation, lightness):
    red, green, blue = colorsys.hls_to_rgb(hue / 360, lightness, saturation)
    return int(red * 255), int(green * 255), int(blue * 255)
