"""The block registry: every block type, discovered from ``themes/blocks/<name>/block.py``.

A block type declares its settings schema, limits, palette label and icon, and the data it
needs. It never queries: the renderer gathers every block's needs and loads them in a fixed
number of queries for the whole page.
"""
import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ConfigDict

BLOCKS_DIR = Path(__file__).parent

PALETTE_GROUPS = ("basic", "products", "marketing", "layout")


class BlockSettings(BaseModel):
    """Base of every block schema: unknown settings are refused, not silently kept."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


@dataclass(frozen=True)
class BlockType:
    name: str
    label: str  # English msgid; shown through gettext
    icon: str  # a short glyph for the palette
    settings: type[BlockSettings]
    group: str = "basic"
    max_per_page: int = 10
    child_type: str | None = None  # the block type its nested blocks must be (slides in a carousel)
    max_children: int = 0
    nested_only: bool = False  # may appear only inside its parent (a slide)
    needs: Callable | None = None  # settings → list of data needs (see themes.data)
    defaults_children: tuple = field(default=())  # settings of the children a new block starts with

    @property
    def template(self):
        return f"{self.name}/{self.name}.html"


_registry: dict[str, BlockType] = {}


def register(block_type):
    if block_type.name in _registry:
        raise ValueError(f"block type {block_type.name!r} registered twice")
    _registry[block_type.name] = block_type
    return block_type


def load_blocks():
    """Import every block folder once; returns the registry."""
    if not _registry:
        for block_file in sorted(BLOCKS_DIR.glob("*/block.py")):
            importlib.import_module(f"themes.blocks.{block_file.parent.name}.block")
    return _registry


def get_block_type(name):
    return load_blocks().get(name)


def block_types():
    return sorted(load_blocks().values(), key=lambda b: (PALETTE_GROUPS.index(b.group), b.name))
