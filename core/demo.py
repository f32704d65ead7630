"""Demo data for ``make run``: two stores with owners, categories and products."""
from sqlalchemy import select

from billing.models import PlatformAdmin
from billing.platform import create_platform_admin
from commerce.catalog.models import Category, Product
from core.extensions import db
from tenants.context import tenant_context
from tenants.models import StaffUser, Tenant
from tenants.provisioning import provision_store
from tenants.service import sign_up_merchant
from themes.models import Page
from themes.pages import change_theme, create_page, publish_page, save_draft, store_theme
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
        _block("rich_text", html=spec["story"]),
        _block("member_card", title="会员专享", benefits="注册会员立享 95 折，积分可抵现。", link="/"),
        _block("footer", links, text=f"© {spec['name']}", icp_number=""),
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
            "服饰": [("纯棉短袖T恤", 7900, 120), ("水洗牛仔外套", 25900, 40)],
            "家居": [("北欧陶瓷马克杯", 3900, 300), ("亚麻抱枕套", 5900, 80)],
            "数码": [("无线蓝牙耳机", 19900, 60)],
        },
    },
    {
        "slug": "tea", "name": "一叶茶舍", "email": "owner@tea.test", "password": "tea-owner-2026",
        "theme": "boutique", "announcement": "明前新茶已到店，顺丰包邮", "keywords": "龙井, 红茶, 茶具",
        "story": "<h3>一叶一世界</h3><p>我们只卖亲自到产区挑选的茶，<em>春采、秋藏</em>，一年只做一季。</p>",
        "catalog": {
            "绿茶": [("特级绿茶礼盒", 29800, 50), ("明前龙井 250g", 16800, 70)],
            "红茶": [("正山小种 罐装", 12800, 90)],
            "茶具": [("汝窑功夫茶杯", 8800, 35), ("纯棉短袖T恤", 6900, 20)],
        },
    },
]


DEMO_ADMIN = ("admin@duoshop.test", "platform-admin-2026")


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
        lines.append(f"store {spec['slug']:<5} owner login: store={spec['slug']} email={owner.email} "
                     f"password={spec['password']}")
    if db.session.scalar(select(PlatformAdmin).where(PlatformAdmin.email == DEMO_ADMIN[0])) is None:
        create_platform_admin(email=DEMO_ADMIN[0], password=DEMO_ADMIN[1])
        db.session.commit()
    lines.append(f"platform admin login: email={DEMO_ADMIN[0]} password={DEMO_ADMIN[1]}")
    return lines


def _seed_pages(spec, owner):
    """Decorate the home page and add a campaign page, unless the merchant already did."""
    home = db.session.scalar(select(Page).where(Page.kind == Page.HOME))
    if not (home.published_document or {}).get("order"):
        save_draft(home, _home_document(spec), expected_revision=home.draft_revision, actor=owner)
        publish_page(home, actor=owner, note="demo")
    if db.session.scalar(select(Page.id).where(Page.slug == "new-season")) is None:
        campaign = create_page(actor=owner, title="新品上市", slug="new-season")
        save_draft(campaign, _campaign_document(), expected_revision=campaign.draft_revision, actor=owner)
        publish_page(campaign, actor=owner, note="demo")
    if spec["theme"] in themes() and store_theme().theme != spec["theme"] and store_theme().version == 1:
        change_theme(actor=owner, theme_name=spec["theme"], settings={})


def _seed_catalog(catalog):
    if db.session.scalar(select(Product.id).limit(1)) is not None:
        return
    for position, (category_name, products) in enumerate(catalog.items(), start=10):
        category = Category(name=category_name, position=position)
        db.session.add(category)
        db.session.flush()
        for title, price, stock in products:
            db.session.add(Product(title=title, price=price, stock=stock, status=Product.ON_SALE,
                                   category_id=category.id))
    db.session.flush()
