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

DEMO_STORES = [
    {
        "slug": "demo", "name": "Duoshop 演示店", "email": "owner@demo.test", "password": "demo-owner-2026",
        "catalog": {
            "服饰": [("纯棉短袖T恤", 7900, 120), ("水洗牛仔外套", 25900, 40)],
            "家居": [("北欧陶瓷马克杯", 3900, 300), ("亚麻抱枕套", 5900, 80)],
            "数码": [("无线蓝牙耳机", 19900, 60)],
        },
    },
    {
        "slug": "tea", "name": "一叶茶舍", "email": "owner@tea.test", "password": "tea-owner-2026",
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
        lines.append(f"store {spec['slug']:<5} owner login: store={spec['slug']} email={owner.email} "
                     f"password={spec['password']}")
    if db.session.scalar(select(PlatformAdmin).where(PlatformAdmin.email == DEMO_ADMIN[0])) is None:
        create_platform_admin(email=DEMO_ADMIN[0], password=DEMO_ADMIN[1])
        db.session.commit()
    lines.append(f"platform admin login: email={DEMO_ADMIN[0]} password={DEMO_ADMIN[1]}")
    return lines


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
