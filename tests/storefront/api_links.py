"""The links an API answer carries, found through the OpenAPI document: every value whose
schema says ``format: uri``. The contract tests fetch each one as a mini-program would (no
AppID header, no cookie) and expect it to load."""
import io
from urllib.parse import urlsplit

from PIL import Image
from werkzeug.datastructures import FileStorage


def _resolve(document, schema):
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        schema = document["components"]["schemas"][name]
    return schema


def uri_values(document, schema, value):
    """Every string in ``value`` that ``schema`` (with its $refs, anyOf/oneOf and items) types
    as a URI."""
    schema = _resolve(document, schema)
    found = []
    if isinstance(value, str) and schema.get("format") == "uri":
        return [value]
    for option in schema.get("anyOf", []) + schema.get("oneOf", []) + schema.get("allOf", []):
        found += uri_values(document, option, value)
    if isinstance(value, list) and "items" in schema:
        for item in value:
            found += uri_values(document, schema["items"], item)
    if isinstance(value, dict):
        for name, sub_schema in schema.get("properties", {}).items():
            if name in value:
                found += uri_values(document, sub_schema, value[name])
    return found


def answer_schema(document, path, method, status):
    """The schema ``path``'s ``method`` promises for ``status`` (path as in the document)."""
    content = document["paths"][path][method.lower()]["responses"][str(status)]["content"]
    return next(iter(content.values()))["schema"]


def fetch_status(app, url):
    """Load ``url`` as the mini-program's image loader would: only the URL, nothing else."""
    parts = urlsplit(url)
    client = app.test_client()
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return client.get(path, base_url=f"{parts.scheme}://{parts.netloc}").status_code


def png_upload(colour):
    """A small real picture, as the console's upload would send it."""
    out = io.BytesIO()
    Image.new("RGB", (40, 30), colour).save(out, "PNG")
    return FileStorage(io.BytesIO(out.getvalue()), filename="photo.png", content_type="image/png")
