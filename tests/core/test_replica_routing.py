"""Which connection a statement goes to when a read replica is configured
(``core.database.PlatformReadSession``). The replica bind here is the suite's own database
under a second engine: these tests look at the choice, the scale-out tests (tests/scaleout)
at a real standby."""
import pytest
from sqlalchemy import select, text, update

from commerce.catalog.models import Product
from core.database import REPLICA_BIND, lag_tolerant
from core.extensions import db
from core.tenancy import tenant_context, unscoped
from duoshop.app import create_app
from tests.conftest import HostClient
from tests.factories import create_product, create_store


@pytest.fixture(scope="module")
def routed_app(app, app_overrides):
    application = create_app("test", overrides={**app_overrides,
                                                "DATABASE_REPLICA_URL": app_overrides["SQLALCHEMY_DATABASE_URI"]})
    application.test_client_class = HostClient
    yield application
    with application.app_context():
        for engine in db.engines.values():
            engine.dispose()


@pytest.fixture
def demo(app_ctx):
    store = create_store("demo")
    create_product(store, "龙井")
    return store


def bind_of(statement):
    return db.session.get_bind(clause=statement)


def test_without_a_replica_lag_tolerant_reads_stay_on_the_primary(demo):
    with tenant_context(demo.id), lag_tolerant():
        assert bind_of(select(Product)) is db.engine


def test_only_plain_selects_in_a_lag_tolerant_block_go_to_the_replica(demo, routed_app):
    with routed_app.app_context(), tenant_context(demo.id):
        replica = db.engines[REPLICA_BIND]
        assert bind_of(select(Product)) is db.engine  # not marked: the primary
        with lag_tolerant():
            assert bind_of(select(Product)) is replica
            assert bind_of(select(Product.id).union(select(Product.id))) is replica
            assert bind_of(select(Product).with_for_update()) is db.engine  # locks rows: the primary
            assert bind_of(text("SELECT 1")) is db.engine  # raw SQL may be anything
            assert bind_of(update(Product).values(price=1)) is db.engine


def test_once_a_session_wrote_its_reads_stay_on_the_primary(demo, routed_app):
    with routed_app.app_context(), tenant_context(demo.id), lag_tolerant():
        product = db.session.scalars(select(Product)).one()
        assert bind_of(select(Product)) is db.engines[REPLICA_BIND]
        product.title = "明前龙井"
        db.session.flush()
        assert bind_of(select(Product)) is db.engine
        assert db.session.scalars(select(Product.title)).all() == ["明前龙井"]
        db.session.rollback()


def test_an_update_statement_also_keeps_the_session_on_the_primary(demo, routed_app):
    with routed_app.app_context(), tenant_context(demo.id), lag_tolerant():
        db.session.execute(update(Product).values(price=2))
        assert bind_of(select(Product)) is db.engine
        db.session.rollback()


@pytest.mark.postgres
def test_unscoped_reads_keep_going_to_the_platform_connection(demo, routed_app):
    with routed_app.app_context(), lag_tolerant(), unscoped():
        assert bind_of(select(Product)) is db.engines["platform"]
