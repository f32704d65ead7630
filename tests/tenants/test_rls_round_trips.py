"""A store request sets the row-level-security variables once, when its transaction begins:
not again when the request enters its tenant, nor when it leaves at teardown."""
import pytest
from sqlalchemy import event

from core.extensions import db
from tests.factories import create_product, create_store


@pytest.mark.postgres
def test_a_store_request_sets_the_rls_variables_once(app, app_ctx, store_client):
    demo = create_store("demo", name="Demo Shop")
    create_product(demo, "纯棉短袖T恤")
    client = store_client("demo")
    assert client.get("/api/v1/categories").status_code == 200  # the store's host is now known
    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        assert client.get("/api/v1/categories").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert sum("set_config" in s for s in statements) == 1, statements
