"""docs/api.md lists the endpoints the app serves (redraw with `make api-doc`), and the
document's schemas are one per model."""
import importlib
import pkgutil

from pydantic import BaseModel

import storefront.api
from storefront.api.spec import openapi_document
from tools.api_doc import DOC, endpoint_table, with_table


def test_the_endpoint_table_in_docs_api_md_is_the_served_documents(app):
    with app.app_context():
        table = endpoint_table(openapi_document())
    text = DOC.read_text(encoding="utf-8")
    assert with_table(text, table) == text, "docs/api.md is out of date: run `make api-doc`"
    assert "| POST | `/session` |" in table


def test_no_two_api_models_share_a_name_so_no_schema_hides_another():
    """The document names each schema by its class; two classes of one name would silently
    describe one answer with the other's fields."""
    models = {}
    for module_info in pkgutil.iter_modules(storefront.api.__path__):
        module = importlib.import_module(f"storefront.api.{module_info.name}")
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, BaseModel) and value.__module__ == module.__name__:
                models.setdefault(value.__name__, set()).add(value.__module__)
    assert {name: where for name, where in models.items() if len(where) > 1} == {}
    assert len(models) > 40
