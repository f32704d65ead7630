"""Validation of page documents. A document that fails is refused whole, with messages
that name the block and the field; nothing of it is saved.

Shape (Shopify's sections/blocks): ``{"blocks": {id: block}, "order": [id, ...]}`` where a
block is ``{"type": str, "settings": {...}, "hidden": bool, "blocks": {...}, "order": [...]}``
(``blocks``/``order`` only for types that take nested blocks). An optional ``"share"``
holds the page's share card settings (``themes.share``).
"""
import json
import re

from flask_babel import gettext as _
from pydantic import ValidationError

from core.errors import DomainError
from themes.blocks.registry import get_block_type
from themes.share import clean_share

MAX_BLOCKS = 60
MAX_DOCUMENT_BYTES = 256 * 1024
BLOCK_ID = re.compile(r"^[A-Za-z0-9_-]{1,40}$")


class InvalidDocument(DomainError):
    """Carries every problem found, each ``{"block", "type", "field", "message"}``."""

    def __init__(self, problems):
        self.problems = problems
        super().__init__(describe(problems[0]), extra={"problems": [
            {**problem, "message": str(problem["message"]), "text": describe(problem)} for problem in problems]})


def describe(problem):
    where = problem.get("block") or _("page")
    if problem.get("field"):
        return _("Block %(block)s, field %(field)s: %(message)s", block=where, field=problem["field"],
                 message=problem["message"])
    return _("Block %(block)s: %(message)s", block=where, message=problem["message"])


def validate_document(raw):
    """Return the normalized document or raise ``InvalidDocument``."""
    problems = []
    if not isinstance(raw, dict) or not isinstance(raw.get("blocks"), dict) or not isinstance(raw.get("order"), list):
        raise InvalidDocument([{"block": None, "message": _("A page needs “blocks” and “order”.")}])
    if len(json.dumps(raw, ensure_ascii=False).encode()) > MAX_DOCUMENT_BYTES:
        raise InvalidDocument([{"block": None, "message": _("The page is too large.")}])
    counts = {}
    blocks = _validate_level(raw, None, problems, counts, path="")
    total = sum(counts.values())
    if total > MAX_BLOCKS:
        problems.append({"block": None, "message": _("A page holds at most %(n)d blocks.", n=MAX_BLOCKS)})
    for type_name, count in counts.items():
        block_type = get_block_type(type_name)
        if block_type and count > block_type.max_per_page:
            problems.append({"block": None, "type": type_name, "message": _(
                "At most %(n)d “%(label)s” blocks per page.", n=block_type.max_per_page, label=_(block_type.label))})
    share, share_problems = clean_share(raw.get("share"))
    problems += [{**problem, "message": _translate_pydantic(problem.pop("detail"))} if "detail" in problem else problem
                 for problem in share_problems]
    if problems:
        raise InvalidDocument(problems)
    if share:
        blocks["share"] = share
    return blocks


def _validate_level(level, parent_type, problems, counts, path):
    blocks, order = level.get("blocks") or {}, level.get("order") or []
    if not isinstance(blocks, dict) or not isinstance(order, list):
        problems.append({"block": path or None, "message": _("Nested blocks need “blocks” and “order”.")})
        return {"blocks": {}, "order": []}
    if len(set(order)) != len(order) or set(order) != set(blocks):
        problems.append({"block": path or None,
                         "message": _("The block order must list every block exactly once.")})
    if parent_type is not None and len(order) > parent_type.max_children:
        problems.append({"block": path, "message": _("At most %(n)d nested blocks here.", n=parent_type.max_children)})
    clean = {"blocks": {}, "order": [block_id for block_id in order if block_id in blocks]}
    for block_id, block in blocks.items():
        name = f"{path}/{block_id}" if path else block_id
        clean_block = _validate_block(block_id, block, parent_type, problems, counts, name)
        if clean_block is not None:
            clean["blocks"][block_id] = clean_block
    return clean


def _validate_block(block_id, block, parent_type, problems, counts, name):
    if not isinstance(block_id, str) or not BLOCK_ID.match(block_id):
        problems.append({"block": name, "message": _("Block ids use letters, digits, - and _ only.")})
        return None
    if not isinstance(block, dict):
        problems.append({"block": name, "message": _("A block must be an object.")})
        return None
    block_type = get_block_type(block.get("type"))
    if block_type is None:
        problems.append({"block": name, "field": "type",
                         "message": _("Unknown block type “%(type)s”.", type=str(block.get("type"))[:40])})
        return None
    if parent_type is None and block_type.nested_only:
        problems.append({"block": name, "type": block_type.name,
                         "message": _("This block can only be placed inside another block.")})
        return None
    if parent_type is not None and block_type.name != parent_type.child_type:
        problems.append({"block": name, "type": block_type.name,
                         "message": _("This block cannot be placed here.")})
        return None
    counts[block_type.name] = counts.get(block_type.name, 0) + 1
    try:
        settings = block_type.settings.model_validate(block.get("settings") or {})
    except ValidationError as error:
        for detail in error.errors(include_url=False):
            field = ".".join(str(part) for part in detail["loc"]) or None
            problems.append({"block": name, "type": block_type.name, "field": field,
                             "message": _translate_pydantic(detail)})
        return None
    clean = {"type": block_type.name, "settings": settings.model_dump(mode="json"),
             "hidden": bool(block.get("hidden", False))}
    if block_type.child_type:
        clean.update(_validate_level(block, block_type, problems, counts, name))
    elif block.get("blocks"):
        problems.append({"block": name, "type": block_type.name,
                         "message": _("This block does not take nested blocks.")})
    return clean


_PYDANTIC_MESSAGES = {
    "string_too_long": lambda d: _("at most %(n)d characters", n=d["ctx"]["max_length"]),
    "greater_than_equal": lambda d: _("must be at least %(n)s", n=d["ctx"]["ge"]),
    "less_than_equal": lambda d: _("must be at most %(n)s", n=d["ctx"]["le"]),
    "extra_forbidden": lambda d: _("is not a setting of this block"),
    "literal_error": lambda d: _("choose one of %(options)s", options=d["ctx"]["expected"]),
    "too_long": lambda d: _("too many items (at most %(n)d)", n=d["ctx"]["max_length"]),
    "int_parsing": lambda d: _("must be a whole number"),
    "int_type": lambda d: _("must be a whole number"),
    "string_type": lambda d: _("must be text"),
    "bool_type": lambda d: _("must be yes or no"),
    "bool_parsing": lambda d: _("must be yes or no"),
}


def _translate_pydantic(detail):
    translate = _PYDANTIC_MESSAGES.get(detail["type"])
    if translate:
        return translate(detail)
    message = detail["msg"]
    return message.removeprefix("Value error, ")
