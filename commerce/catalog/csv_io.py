"""Products as CSV, one row per SKU: the merchant's spreadsheet in and out of the catalog.

Columns (header row first; only ``title``, ``price`` and ``stock`` are required, any order)::

    product_ref   our product id; empty for a new product
    title         product title (rows of one product repeat it)
    subtitle      optional
    category      path of names, parent first: "服饰/T恤"; missing ones are created
                  (at most Category.MAX_DEPTH levels)
    status        draft | on_sale | off_shelf (empty: draft for a new product, unchanged otherwise)
    tags          "新品,热卖" (commas, ， or 、)
    description   rich text (HTML), sanitized as on the product form
    video_url     https address of an MP4
    spec_names    the product's specs: "颜色|尺码" (empty: the product has one SKU)
    spec_values   this SKU's value of each spec, in the same order: "红|S"
    price         yuan, at most two decimals: "29.90"
    market_price  yuan, optional (the struck-through "was" price)
    stock         whole number, zero or more
    weight_g      grams, optional
    sku_code      merchant's own SKU code, optional, unique in the store

Rows belong to one product when they share ``product_ref``, or, with ``product_ref`` empty,
the same ``title``. Product columns come from the product's first row; later rows repeat
them or leave them empty.

Matching rule: a row with ``product_ref`` updates that product of this store (an id that is
not one of this store's products is reported, never created or looked up elsewhere); a row
without it creates a product. SKU codes do not match products; a code used by another
product is refused, as on the product form.

Import is all-or-nothing: every row is checked, then every product goes through
``create_product`` / ``update_product`` in the caller's transaction; any problem raises
:class:`CsvImportRefused` with all of them, each with its spreadsheet line (header = 1),
and the caller rolls back. Files are UTF-8 (with or without BOM) or GBK/GB18030 as Excel
on Chinese Windows saves them; export writes UTF-8 with a BOM for the same Excel. Cells
that a spreadsheet would run as a formula (starting with = + - @ tab or CR) are exported
with a leading ``'``, which import removes again.
"""
import csv
import io
import re
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from commerce.catalog.categories import category_tree, create_category
from commerce.catalog.errors import InvalidCategory, InvalidProduct
from commerce.catalog.models import Category, Product
from commerce.catalog.service import create_product, update_product
from core.errors import DomainError
from core.extensions import db
from core.money import parse_yuan

COLUMNS = ("product_ref", "title", "subtitle", "category", "status", "tags", "description", "video_url",
           "spec_names", "spec_values", "price", "market_price", "stock", "weight_g", "sku_code")
REQUIRED_COLUMNS = ("title", "price", "stock")
PRODUCT_COLUMNS = ("title", "subtitle", "category", "status", "tags", "description", "video_url", "spec_names")
MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5_000
MAX_PROBLEMS = 200  # a wholly wrong file should not produce a page of 5,000 lines
SPEC_SEPARATOR = "|"
CATEGORY_SEPARATOR = "/"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"
_WHOLE = re.compile(r"\d{1,9}")


@dataclass
class Problem:
    line: int  # as a spreadsheet numbers it: the header is line 1
    message: str


@dataclass
class ImportResult:
    created: list = field(default_factory=list)  # products
    updated: list = field(default_factory=list)


class CsvImportRefused(DomainError):
    """The file cannot be imported; ``problems`` lists every reason with its line."""

    def __init__(self, problems):
        problems = sorted(problems, key=lambda problem: problem.line)
        super().__init__(problems[0].message if problems else _("The file cannot be imported."), field="file")
        self.problems = problems


# --- export -----------------------------------------------------------------------------

def export_products_csv():
    """The current store's products, one row per SKU, as text starting with a UTF-8 BOM."""
    paths = _category_paths()
    products = db.session.scalars(
        select(Product).order_by(Product.id).options(selectinload(Product.specs), selectinload(Product.skus))
    ).all()
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for product in products:
        base = {
            "product_ref": str(product.id), "title": product.title, "subtitle": product.subtitle or "",
            "category": paths.get(product.category_id, ""), "status": product.status,
            "tags": ",".join(product.tags or ()), "description": product.description or "",
            "video_url": product.video_url or "",
            "spec_names": SPEC_SEPARATOR.join(spec.name for spec in product.specs),
        }
        # A product made without the SKU matrix (older data) still exports as one SKU.
        skus = product.skus or [None]
        for sku in skus:
            row = dict(base)
            if sku is None:
                row.update(price=_yuan(product.price), stock=str(product.stock))
            else:
                row.update(spec_values=SPEC_SEPARATOR.join(sku.spec_values), price=_yuan(sku.price),
                           market_price=_yuan(sku.market_price), stock=str(sku.stock),
                           weight_g="" if sku.weight is None else str(sku.weight), sku_code=sku.code or "")
            writer.writerow([_defuse(row.get(column, "")) for column in COLUMNS])
    return out.getvalue()


def sample_csv():
    """A two-product template merchants can fill in (UTF-8 with BOM, like an export)."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    shirt = ["", "纯棉T恤", "夏季新款", "服饰/T恤", Product.ON_SALE, "新品,热卖", "<p>100% 棉</p>", "", "颜色|尺码"]
    for values, price, stock, code in ((("红", "S"), "29.90", "10", "TS-R-S"), (("红", "M"), "29.90", "8", "TS-R-M"),
                                       (("蓝", "S"), "31.00", "5", "TS-B-S"), (("蓝", "M"), "31.00", "0", "TS-B-M")):
        writer.writerow(shirt + [SPEC_SEPARATOR.join(values), price, "39.00", stock, "200", code])
    writer.writerow(["", "陶瓷茶杯", "", "家居", Product.DRAFT, "", "", "", "", "", "15.00", "", "20", "350", "CUP-1"])
    return out.getvalue()


def _defuse(text):
    """A cell a spreadsheet would run as a formula gets a leading ``'`` (CSV injection)."""
    text = str(text)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _yuan(fen):
    return "" if fen is None else f"{fen // 100}.{fen % 100:02d}"


def _category_paths():
    paths, names = {}, {}
    for category, _depth in category_tree():
        parent = names.get(category.parent_id)
        names[category.id] = f"{parent}{CATEGORY_SEPARATOR}{category.name}" if parent else category.name
        paths[category.id] = names[category.id]
    return paths


# --- import -----------------------------------------------------------------------------

@dataclass
class _Group:
    """The rows of one product in the file."""

    key: str
    line: int  # first line of the product
    ref: int | None
    fields: dict
    skus: list = field(default_factory=list)
    spec_values: list = field(default_factory=list)  # per spec name, values in first-seen order


def import_products_csv(file, *, actor):
    """Create and update the current store's products from a CSV file (binary stream or bytes).

    Writes through ``create_product`` / ``update_product`` and flushes; the caller commits.

    :raise CsvImportRefused: anything is wrong (every problem, with its line); the caller
        must roll back, since products before the bad one may already be flushed
    """
    rows = _read_rows(file)
    problems, groups = [], {}
    for line, row in rows:
        _group_row(line, row, groups, problems)
        if len(problems) >= MAX_PROBLEMS:
            break
    existing = _existing_products([group.ref for group in groups.values() if group.ref is not None])
    for group in groups.values():
        if group.ref is not None and group.ref not in existing:
            problems.append(Problem(group.line, _("Product %(ref)s is not in this store; leave product_ref empty "
                                                  "to create a new product.", ref=group.ref)))
    if problems:
        raise CsvImportRefused(problems)

    result, categories = ImportResult(), _CategoryPaths(actor)
    for group in groups.values():
        try:
            arguments = _product_arguments(group, categories)
            if group.ref is None:
                result.created.append(create_product(actor=actor, **arguments))
            else:
                product = existing[group.ref]
                result.updated.append(update_product(product, actor=actor, **arguments))
        except (InvalidProduct, InvalidCategory) as refusal:
            problems.append(Problem(group.line, f"{group.fields['title']}: {refusal.message}"))
    if problems:
        raise CsvImportRefused(problems)
    return result


def _read_rows(file):
    """``[(line, {column: text}), …]`` of the non-empty rows, or :class:`CsvImportRefused`."""
    content = file if isinstance(file, bytes) else file.read(MAX_BYTES + 1)
    if len(content) > MAX_BYTES:
        raise CsvImportRefused([Problem(1, _("The file is larger than %(n)d MB.", n=MAX_BYTES // (1024 * 1024)))])
    text = _decode(content)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if not header or not any(cell.strip() for cell in header):
            raise CsvImportRefused([Problem(1, _("The file is empty; the first line must name the columns."))])
        columns = [cell.strip().lower() for cell in header]
        _check_header(columns)
        rows = []
        for line, cells in enumerate(reader, start=2):
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) >= MAX_ROWS:
                raise CsvImportRefused([Problem(line, _("The file has more than %(n)d rows; split it into "
                                                        "smaller files.", n=MAX_ROWS))])
            if len(cells) > len(columns):
                raise CsvImportRefused([Problem(line, _("This line has more cells than the header has columns."))])
            rows.append((line, {column: _undefuse(cells[i].strip()) if i < len(cells) else ""
                                for i, column in enumerate(columns)}))
    except csv.Error as error:
        raise CsvImportRefused([Problem(reader.line_num or 1, _("The file is not valid CSV (%(error)s).",
                                                                error=str(error)))]) from None
    if not rows:
        raise CsvImportRefused([Problem(2, _("The file has no product rows."))])
    return rows


def _decode(content):
    """UTF-8 (BOM or not), else GB18030 (a superset of the GBK Excel writes); else refused."""
    if content.startswith(b"\xef\xbb\xbf"):
        content = content[3:]
    for encoding in ("utf-8", "gb18030"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise CsvImportRefused([Problem(1, _("The file is neither UTF-8 nor GBK text. Save it from your "
                                         "spreadsheet as \"CSV UTF-8\"."))])


def _check_header(columns):
    problems = []
    unknown = [column for column in columns if column and column not in COLUMNS]
    if unknown:
        problems.append(Problem(1, _("Unknown columns: %(names)s. Allowed: %(allowed)s.",
                                     names=", ".join(unknown), allowed=", ".join(COLUMNS))))
    twice = sorted({column for column in columns if column and columns.count(column) > 1})
    if twice:
        problems.append(Problem(1, _("Columns appear twice: %(names)s.", names=", ".join(twice))))
    missing = [column for column in REQUIRED_COLUMNS if column not in columns]
    if missing:
        problems.append(Problem(1, _("Required columns are missing: %(names)s.", names=", ".join(missing))))
    if problems:
        raise CsvImportRefused(problems)


def _undefuse(text):
    """Undo :func:`_defuse`, so an exported file imports back unchanged."""
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_STARTS) else text


def _group_row(line, row, groups, problems):
    ref_text, title = row.get("product_ref", ""), row.get("title", "")
    if ref_text and not _WHOLE.fullmatch(ref_text):
        problems.append(Problem(line, _("product_ref %(value)s is not a product id.", value=ref_text)))
        return
    if not ref_text and not title:
        problems.append(Problem(line, _("Enter a title (or the product_ref of an existing product).")))
        return
    key = f"ref:{ref_text}" if ref_text else f"title:{title}"
    group = groups.get(key)
    if group is None:
        fields = {column: row.get(column, "") for column in PRODUCT_COLUMNS}
        group = groups[key] = _Group(key=key, line=line, ref=int(ref_text) if ref_text else None, fields=fields)
        _check_product_fields(line, group, problems)
    else:
        for column in PRODUCT_COLUMNS:
            value = row.get(column, "")
            if value and value != group.fields[column]:
                problems.append(Problem(line, _("%(column)s differs from line %(first)d of the same product.",
                                                column=column, first=group.line)))
    sku = _sku_from_row(line, row, group, problems)
    if sku is not None:
        group.skus.append(sku)


def _check_product_fields(line, group, problems):
    fields = group.fields
    if fields["status"] and fields["status"] not in Product.STATUSES:
        problems.append(Problem(line, _("Unknown status %(value)s; use one of %(allowed)s.",
                                        value=fields["status"], allowed=", ".join(Product.STATUSES))))
    path = _category_path(fields["category"])
    if len(path) > Category.MAX_DEPTH:
        problems.append(Problem(line, _("Category %(path)s is deeper than %(n)d levels.",
                                        path=fields["category"], n=Category.MAX_DEPTH)))
    names = _split(fields["spec_names"])
    group.spec_values = [[] for _name in names]


def _sku_from_row(line, row, group, problems):
    names = _split(group.fields["spec_names"])
    values = _split(row.get("spec_values", ""))
    if len(values) != len(names):
        problems.append(Problem(line, _("spec_values has %(got)d values but the product has %(n)d specs "
                                        "(%(names)s).", got=len(values), n=len(names),
                                        names=group.fields["spec_names"] or "-")))
        return None
    before = len(problems)
    sku = {
        "spec_values": values,
        "price": _fen(line, "price", row.get("price", ""), problems, required=True),
        "market_price": _fen(line, "market_price", row.get("market_price", ""), problems),
        "stock": _whole(line, "stock", row.get("stock", ""), problems, required=True),
        "weight": _whole(line, "weight_g", row.get("weight_g", ""), problems),
        "code": row.get("sku_code") or None,
    }
    if len(problems) > before:
        return None
    for known, value in zip(group.spec_values, values, strict=True):
        if value not in known:
            known.append(value)
    return sku


def _fen(line, column, text, problems, required=False):
    """``"29.90"`` yuan → 2990 fen; a problem for anything else (negative included)."""
    if not text:
        if required:
            problems.append(Problem(line, _("%(column)s is required.", column=column)))
        return None
    fen = parse_yuan(text.replace(",", "").lstrip("¥￥"))
    if fen is None or fen < 0:
        problems.append(Problem(line, _("%(column)s %(value)s is not an amount in yuan (like 29.90).",
                                        column=column, value=text)))
        return None
    return fen


def _whole(line, column, text, problems, required=False):
    if not text:
        if required:
            problems.append(Problem(line, _("%(column)s is required.", column=column)))
        return None
    if not _WHOLE.fullmatch(text):
        problems.append(Problem(line, _("%(column)s %(value)s must be a whole number, zero or more.",
                                        column=column, value=text)))
        return None
    return int(text)


def _split(text):
    return [part.strip() for part in text.split(SPEC_SEPARATOR)] if text.strip() else []


def _category_path(text):
    return [part.strip() for part in text.split(CATEGORY_SEPARATOR) if part.strip()]


def _existing_products(ids):
    """This store's products among ``ids`` (the ORM scopes the query to the store)."""
    if not ids:
        return {}
    return {product.id: product for product in db.session.scalars(select(Product).where(Product.id.in_(ids)))}


def _product_arguments(group, categories):
    fields = group.fields
    names = _split(fields["spec_names"])
    return {
        "title": fields["title"], "subtitle": fields["subtitle"],
        "category_id": categories.resolve(_category_path(fields["category"])),
        "status": fields["status"] or (Product.DRAFT if group.ref is None else None),
        "specs": list(zip(names, group.spec_values, strict=True)), "skus": group.skus,
        "description": fields["description"], "video_url": fields["video_url"], "tags": fields["tags"],
    }


class _CategoryPaths:
    """Category ids by path of names, creating the missing ones (once) with ``create_category``."""

    def __init__(self, actor):
        self.actor = actor
        self.ids = {}
        for path_text, category_id in ((path, cid) for cid, path in _category_paths().items()):
            self.ids.setdefault(tuple(path_text.split(CATEGORY_SEPARATOR)), category_id)

    def resolve(self, path):
        if not path:
            return None
        parent_id = None
        for depth in range(1, len(path) + 1):
            key = tuple(path[:depth])
            if key not in self.ids:
                self.ids[key] = create_category(actor=self.actor, name=path[depth - 1], parent_id=parent_id).id
            parent_id = self.ids[key]
        return parent_id
