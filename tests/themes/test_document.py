"""Page documents are refused whole, with a message naming the block and the field."""
import pytest

from themes.document import MAX_BLOCKS, InvalidDocument, validate_document


def doc(*blocks, order=None):
    mapping = {block_id: block for block_id, block in blocks}
    return {"blocks": mapping, "order": order if order is not None else [block_id for block_id, _ in blocks]}


def banner(*slides):
    return {"type": "banner", "settings": {}, "blocks": {f"s{i}": {"type": "slide", "settings": s}
                                                         for i, s in enumerate(slides)},
            "order": [f"s{i}" for i in range(len(slides))]}


def problems(document):
    with pytest.raises(InvalidDocument) as refused:
        validate_document(document)
    return refused.value.problems


def test_valid_document_is_normalized_with_defaults():
    clean = validate_document(doc(("b1", {"type": "product_grid", "settings": {"count": 4}})))
    assert clean["order"] == ["b1"]
    settings = clean["blocks"]["b1"]["settings"]
    assert settings["count"] == 4 and settings["source"] == "newest" and clean["blocks"]["b1"]["hidden"] is False


def test_nested_slides_validate_in_order():
    clean = validate_document(doc(("b1", banner({"image": "/media/1/a.jpg", "alt": "春茶"}, {"link": "/p/sale"}))))
    assert clean["blocks"]["b1"]["order"] == ["s0", "s1"]
    assert clean["blocks"]["b1"]["blocks"]["s1"]["settings"]["link"] == "/p/sale"


@pytest.mark.parametrize("document, block, field, words", [
    (doc(("b1", {"type": "no_such_block"})), "b1", "type", "Unknown block type"),
    (doc(("b1", {"type": "product_grid", "settings": {"count": "many"}})), "b1", "count", "whole number"),
    (doc(("b1", {"type": "product_grid", "settings": {"count": 999}})), "b1", "count", "at most 40"),
    (doc(("b1", {"type": "product_grid", "settings": {"title": "长" * 81}})), "b1", "title", "at most 80 characters"),
    (doc(("b1", {"type": "product_grid", "settings": {"colour": "red"}})), "b1", "colour", "not a setting"),
    (doc(("b1", banner({"link": "javascript:alert(1)"}))), "b1/s0", "link", "links must start with"),
    (doc(("b1", banner({"image": "data:text/html;base64,xx"}))), "b1/s0", "image", "images must be uploaded"),
    (doc(("b1", banner({"image": "http://plain.example/a.jpg"}))), "b1/s0", "image", "images must be uploaded"),
    (doc(("b1", {"type": "product_grid", "settings": {"source": "category"}})), "b1", None, "choose a category"),
])
def test_bad_documents_name_block_and_field(document, block, field, words):
    found = problems(document)
    assert any(p["block"] == block and p.get("field") == field and words in str(p["message"]) for p in found), found


def test_a_slide_cannot_stand_alone_and_a_grid_cannot_hold_slides():
    assert "only be placed inside" in str(problems(doc(("s1", {"type": "slide", "settings": {}})))[0]["message"])
    grid = {"type": "product_grid", "settings": {}, "blocks": {"x": {"type": "slide"}}, "order": ["x"]}
    assert "does not take nested blocks" in str(problems(doc(("b1", grid)))[0]["message"])


def test_order_must_list_every_block_exactly_once():
    assert problems(doc(("b1", {"type": "rich_text"}), order=["b1", "b1"]))
    assert problems(doc(("b1", {"type": "rich_text"}), order=[]))
    assert problems(doc(("b1", {"type": "rich_text"}), order=["b1", "ghost"]))


def test_too_many_blocks_of_a_type_and_in_total():
    five_banners = [(f"b{i}", banner()) for i in range(6)]
    assert any("At most 5" in str(p["message"]) for p in problems(doc(*five_banners)))
    many = [(f"r{i}", {"type": "rich_text"}) for i in range(MAX_BLOCKS + 1)]
    assert any(f"at most {MAX_BLOCKS} blocks" in str(p["message"]) for p in problems(doc(*many)))


@pytest.mark.parametrize("raw", [None, [], {"blocks": []}, {"order": []}, {"blocks": {}, "order": "b1"}])
def test_malformed_documents_are_refused(raw):
    assert problems(raw)


def test_block_ids_are_plain_identifiers():
    assert "Block ids" in str(problems(doc(("<script>", {"type": "rich_text"})))[0]["message"])


def test_rich_text_is_sanitized_on_the_way_in():
    clean = validate_document(doc(("b1", {"type": "rich_text", "settings": {
        "html": '<p onclick="x()">好茶<script>alert(1)</script><a href="javascript:alert(1)">链接</a></p>'}})))
    html = clean["blocks"]["b1"]["settings"]["html"]
    assert "<script>" not in html and "onclick" not in html and "javascript:" not in html and "好茶" in html
