"""Fixtures shared by the order, payment and after-sales tests."""
import pytest

from sandbox.wechatpay.blueprint import EXTENSION, create_sandbox_app
from sandbox.wechatpay.testing import serving
from tests.factories import create_product, create_store, sku_of


@pytest.fixture
def wechat(app):
    """The app's own sandbox, answering the SDK over HTTP on 127.0.0.1."""
    sandbox = app.extensions[EXTENSION]
    with serving(create_sandbox_app(sandbox)) as base_url:
        previous = app.config["WECHATPAY_BASE_URL"]
        app.config["WECHATPAY_BASE_URL"] = base_url
        yield sandbox
        app.config["WECHATPAY_BASE_URL"] = previous


@pytest.fixture
def shop(app_ctx):
    """Two stores; demo sells 龙井 (¥50, 5 in stock): ``(demo, tea, product id, sku id)``."""
    demo, tea = create_store("demo"), create_store("tea")
    product = create_product(demo, "龙井", price=5000, stock=5)
    return demo, tea, product, sku_of(demo, product)
