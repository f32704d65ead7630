"""The mini-program template (miniprogram/) has one component per block type, nested types
included, and none for a type that does not exist — the same rule as its own parity test
(miniprogram/test/parity.test.js), checked here from the block registry so it holds where
Node isn't run. Types that stand on a page are mapped by the page renderer; a nested type is
drawn by its parent, which therefore uses the child's component."""
import json
from pathlib import Path

from themes.blocks.registry import load_blocks

MINIPROGRAM = Path(__file__).resolve().parents[2] / "miniprogram"
COMPONENTS = MINIPROGRAM / "components" / "blocks"
RENDERER = MINIPROGRAM / "components" / "page-renderer"


def _tag(type_name):
    return "block-" + type_name.replace("_", "-")


def _json(path):
    return json.loads(path.read_text(encoding="utf-8"))


def test_every_block_type_has_a_component_and_every_component_a_block_type():
    types = set(load_blocks())
    components = {path.name for path in COMPONENTS.iterdir() if path.is_dir()}
    assert sorted(types - components) == [], "block types without a mini-program component"
    assert sorted(components - types) == [], "mini-program components for no block type"


def test_each_block_component_has_its_four_files():
    for name in load_blocks():
        missing = [ext for ext in ("js", "json", "wxml", "wxss") if not (COMPONENTS / name / f"{name}.{ext}").is_file()]
        assert missing == [], name
        assert _json(COMPONENTS / name / f"{name}.json")["component"] is True


def test_the_page_renderer_maps_every_type_that_stands_on_a_page():
    using = _json(RENDERER / "page-renderer.json")["usingComponents"]
    wxml = (RENDERER / "page-renderer.wxml").read_text(encoding="utf-8")
    for block_type in load_blocks().values():
        branch = f"item.type === '{block_type.name}'"
        if block_type.nested_only:
            assert _tag(block_type.name) not in using and branch not in wxml, block_type.name
        else:
            assert using[_tag(block_type.name)] == f"../blocks/{block_type.name}/{block_type.name}"
            assert branch in wxml, block_type.name


def test_a_parent_draws_its_children_with_the_child_component():
    blocks = load_blocks()
    for parent in (b for b in blocks.values() if b.child_type):
        using = _json(COMPONENTS / parent.name / f"{parent.name}.json").get("usingComponents", {})
        assert using.get(_tag(parent.child_type)) == f"../{parent.child_type}/{parent.child_type}", parent.name
        assert f"<{_tag(parent.child_type)} " in (COMPONENTS / parent.name / f"{parent.name}.wxml").read_text("utf-8")
    for nested in (b for b in blocks.values() if b.nested_only):
        assert any(parent.child_type == nested.name for parent in blocks.values()), nested.name
