"""Builders for test data, through the same services the product uses."""
from dataclasses import dataclass

from sqlalchemy import select

from commerce.catalog.models import Category, Product
from core.extensions import db
from core.tenancy import tenant_context
from tenants.models import StaffUser
from tenants.provisioning import provision_store
from tenants.service import sign_up_merchant

DEFAULT_PASSWORD = "correct-horse-42"


@dataclass
class Store:
    id: int
    slug: str
    owner_email: str
    password: str = DEFAULT_PASSWORD


def create_store(slug, *, name=None, email=None, provision=True):
    """A signed-up (and by default provisioned) store. Needs an app context."""
    email = email or f"owner@{slug}.example.com"
    tenant, _ = sign_up_merchant(email=email, password=DEFAULT_PASSWORD, store_name=name or slug.title(), slug=slug)
    db.session.commit()
    if provision:
        with tenant_context(tenant):
            provision_store(tenant.id)
    return Store(tenant.id, slug, email)


def create_product(store, title, *, price=1000, stock=10, status=Product.ON_SALE, category_name=None, subtitle=None,
                   tags=(), sold_count=0):
    with tenant_context(store.id):
        category_id = None
        if category_name:
            category = db.session.scalar(select(Category).where(Category.name == category_name))
            if category is None:
                category = Category(name=category_name)
                db.session.add(category)
                db.session.flush()
            category_id = category.id
        product = Product(title=title, price=price, stock=stock, status=status, category_id=category_id,
                          subtitle=subtitle, tags=list(tags), sold_count=sold_count)
        db.session.add(product)
        db.session.commit()
        return product.id


def create_staff(store, email, role, password=DEFAULT_PASSWORD):
    with tenant_context(store.id):
        user = StaffUser(email=email, role=role)
        user.set_password(password)
        db.session.add(user)
        db.session.commit()
        return user.id


def login_staff(client, store, email=None, password=None):
    from tests.conftest import csrf_from

    token = csrf_from(client, "/console/login")
    return client.post("/console/login", headers={"Accept-Language": "en"}, data={
        "csrf_token": token, "slug": store.slug, "email": email or store.owner_email,
        "password": password or store.password,
    })


def create_member(store, *, nickname="顾客", openid=None, province_code="330000"):
    """A shopper of ``store`` with one delivery address; returns ``(member_id, address_id)``."""
    from commerce.members.models import Address, Member

    with tenant_context(store.id):
        member = Member(nickname=nickname, openid=openid)
        db.session.add(member)
        db.session.flush()
        address = Address(member_id=member.id, name="张三", phone="13812345678", province_code=province_code,
                          city="杭州市", district="西湖区", detail="文三路 100 号", is_default=True)
        db.session.add(address)
        db.session.commit()
        return member.id, address.id


def sku_of(store, product_id):
    """The id of a product's (first) SKU; factory products get one made for them."""
    from commerce.catalog.models import SKU

    with tenant_context(store.id):
        sku = db.session.scalar(select(SKU).where(SKU.product_id == product_id).order_by(SKU.id))
        if sku is None:
            product = db.session.get(Product, product_id)
            sku = SKU(product_id=product_id, spec_values=[], price=product.price, stock=product.stock)
            db.session.add(sku)
            db.session.commit()
        return sku.id
