"""Seed the benchmark store through the services: one tenant, 200 products in 5 categories,
a published home page of 12 blocks and a mini-program AppID for the API.

Run by ``bench/run.py`` as ``python -m bench.seed`` with ``DATABASE_URL`` pointing at the
fresh benchmark database (as its owner); prints one JSON line: slug, appid, ids to request.
"""
import json
import sys

from sqlalchemy import select

BENCH_SLUG = "benchshop"
BENCH_APPID = "wx0123456789abcdef"
OWNER_EMAIL = "owner@bench.test"
OWNER_PASSWORD = "bench-owner-2026"
CATEGORIES = ("服饰", "家居", "数码", "食品", "美妆")
PRODUCT_COUNT = 200
HOME_BLOCKS = 12


def _block(block_type, children=(), **settings):
    block = {"type": block_type, "settings": settings}
    if children:
        block["blocks"] = {f"c{i}": child for i, child in enumerate(children)}
        block["order"] = [f"c{i}" for i in range(len(children))]
    return block


def home_document(category_id):
    """Twelve top-level blocks, the mix a real home page has: four of them list products."""
    nav = [_block("nav_link", label=label, link=link) for label, link in (("首页", "/"), ("搜索", "/search"))]
    footer_links = [_block("footer_link", label=label, link=link) for label, link in (("首页", "/"), ("搜索", "/search"))]
    blocks = [
        _block("header", nav, show_store_name=True, sticky=False),
        _block("announcement_bar", text="双十二预热：新人首单立减 10 元", link="/"),
        _block("search_bar", placeholder="搜索商品", hot_keywords="T恤, 马克杯, 耳机"),
        _block("notice", text="全场满 199 减 20，限时三天。", speed="normal"),
        _block("category_grid", title="商品分类", columns=4, count=8, icon_style="circle"),
        _block("product_grid", title="本周新品", source="newest", columns=2, count=6),
        _block("product_carousel", title="人气热卖", source="best_selling", count=8, card_size="small"),
        _block("divider", style="solid"),
        _block("product_grid", title="服饰精选", source="category", category_id=category_id, columns=2, count=10),
        _block("rich_text", html="<h3>关于我们</h3><p>精选好物，<strong>48 小时发货</strong>，七天无理由退换。</p>"),
        _block("member_card", title="会员专享", benefits="注册会员立享 95 折，积分可抵现。", link="/"),
        _block("footer", footer_links, text="全国包邮 · 七天无理由退换", icp_number=""),
    ]
    assert len(blocks) == HOME_BLOCKS
    return {"blocks": {f"b{i}": b for i, b in enumerate(blocks)}, "order": [f"b{i}" for i in range(len(blocks))]}


def seed():
    from commerce.catalog.models import Category, Product
    from core.extensions import db
    from core.tenancy import tenant_context
    from tenants.models import StaffUser, Tenant
    from tenants.provisioning import provision_store
    from tenants.service import add_mini_program, sign_up_merchant
    from themes.models import Page
    from themes.pages import publish_page, save_draft

    if db.session.scalar(select(Tenant.id).where(Tenant.slug == BENCH_SLUG)) is not None:
        raise SystemExit(f"store {BENCH_SLUG} already exists: the benchmark wants a fresh database")
    tenant, owner = sign_up_merchant(email=OWNER_EMAIL, password=OWNER_PASSWORD, store_name="压测商店", slug=BENCH_SLUG)
    db.session.commit()
    with tenant_context(tenant):
        provision_store(tenant.id)
        categories = []
        for position, name in enumerate(CATEGORIES, start=10):
            category = Category(name=name, position=position)
            db.session.add(category)
            categories.append(category)
        db.session.flush()
        for i in range(PRODUCT_COUNT):
            category = categories[i % len(categories)]
            db.session.add(Product(
                title=f"{category.name}好物 {i + 1:03d}", subtitle="压测样品，七天无理由退换",
                price=990 + 100 * (i % 50), stock=10 + i % 90, status=Product.ON_SALE,
                category_id=category.id, sold_count=(i * 37) % 500,
            ))
        db.session.flush()
        owner = db.session.scalar(select(StaffUser).where(StaffUser.role == StaffUser.OWNER))
        home = db.session.scalar(select(Page).where(Page.kind == Page.HOME))
        save_draft(home, home_document(categories[0].id), expected_revision=home.draft_revision, actor=owner)
        publish_page(home, actor=owner, note="bench")
        add_mini_program(actor=owner, appid=BENCH_APPID, name="压测小程序")
        product_id = db.session.scalar(
            select(Product.id).where(Product.status == Product.ON_SALE).order_by(Product.id.desc()).limit(1))
        db.session.commit()
        return {"slug": BENCH_SLUG, "appid": BENCH_APPID, "tenant_id": tenant.id, "product_id": product_id,
                "category_id": categories[0].id, "products": PRODUCT_COUNT, "categories": len(categories),
                "home_blocks": HOME_BLOCKS}


def main():
    from duoshop.app import create_app

    app = create_app()
    with app.app_context():
        result = seed()
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
