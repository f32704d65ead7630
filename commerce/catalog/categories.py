"""The category tree: at most ``Category.MAX_DEPTH`` levels, siblings ordered by position.

A store has tens of categories, so the verbs load the whole tree once and check it in memory.
"""
from flask_babel import gettext as _
from sqlalchemy import select

from commerce.catalog.errors import InvalidCategory
from commerce.catalog.models import Category, Product
from core.audit import record_audit
from core.extensions import db

MAX_NAME = 60


def category_tree():
    """The current store's categories, loaded in one query: the only place the tree is built.

    The console, the CSV import, the storefront, the JSON API and the theme blocks all read
    it; see ``CategoryTree`` for the shapes it answers in.
    """
    return CategoryTree(db.session.scalars(select(Category).order_by(Category.position, Category.id)).all())


class CategoryTree:
    """A store's categories in memory (tens of rows). Iterating gives ``(category, depth)``
    in display order: each parent followed by its children, depth 1 at the top."""

    def __init__(self, categories):
        self.categories = list(categories)  # flat, by position then id
        self.by_id = {c.id: c for c in self.categories}
        self._children = {}
        for category in self.categories:
            self._children.setdefault(category.parent_id, []).append(category)

    def __iter__(self):
        return iter(self._ordered())

    def __len__(self):
        return len(self.categories)

    def _ordered(self):
        ordered = []

        def walk(parent_id, depth):
            for category in self._children.get(parent_id, []):
                ordered.append((category, depth))
                walk(category.id, depth + 1)

        walk(None, 1)
        return ordered

    @property
    def roots(self):
        return self.children(None)

    def children(self, parent_id):
        return list(self._children.get(parent_id, []))

    def get(self, category_id):
        """:raise InvalidCategory: no such category in this store"""
        if category_id not in self.by_id:
            raise InvalidCategory(_("No such category."), field="parent_id")
        return self.by_id[category_id]

    def subtree_ids(self, category_id):
        """Ids of the category and every category below it, sorted; ``[]`` if there is none."""
        if category_id not in self.by_id:
            return []
        found, pending = set(), [category_id]
        while pending:
            current = pending.pop()
            if current not in found:
                found.add(current)
                pending.extend(c.id for c in self._children.get(current, []))
        return sorted(found)

    def nested(self, as_dict):
        """Roots first, each ``as_dict(category)`` with its ``children`` (for the JSON API)."""
        return [self._nested(category, as_dict) for category in self.roots]

    def _nested(self, category, as_dict):
        return {**as_dict(category), "children": [self._nested(c, as_dict) for c in self.children(category.id)]}

    def depth(self, category):
        depth = 1
        while category.parent_id is not None and depth <= Category.MAX_DEPTH + 1:
            category = self.by_id[category.parent_id]
            depth += 1
        return depth

    def height(self, category_id):
        """Levels of the subtree rooted at ``category_id``, itself included."""
        return 1 + max((self.height(c.id) for c in self.children(category_id)), default=0)

    def is_ancestor(self, ancestor_id, category):
        while category.parent_id is not None:
            if category.parent_id == ancestor_id:
                return True
            category = self.by_id[category.parent_id]
        return False

    def next_position(self, parent_id):
        return 1 + max((c.position for c in self.children(parent_id)), default=-1)


def create_category(*, actor, name, parent_id=None):
    """A new category at the end of its siblings.

    :raise InvalidCategory: empty name, unknown parent, or deeper than the limit
    """
    name = _clean_name(name)
    tree = category_tree()
    depth = 1 if parent_id is None else tree.depth(tree.get(parent_id)) + 1
    if depth > Category.MAX_DEPTH:
        raise InvalidCategory(_("Categories can be at most %(n)d levels deep.", n=Category.MAX_DEPTH),
                              field="parent_id")
    category = Category(name=name, parent_id=parent_id, position=tree.next_position(parent_id))
    db.session.add(category)
    db.session.flush()
    record_audit("category.create", actor=actor, tenant_id=category.tenant_id, target=category,
                 details={"name": name})
    return category


def delete_category(category, *, actor):
    """Remove an empty branch; its products stay, without a category.

    :raise InvalidCategory: it still has sub-categories (move or delete them first)
    """
    if db.session.scalar(select(Category.id).where(Category.parent_id == category.id).limit(1)) is not None:
        raise InvalidCategory(_("%(name)s has sub-categories: move or delete them first.", name=category.name))
    for product in db.session.scalars(select(Product).where(Product.category_id == category.id)):
        product.category_id = None  # one by one, so their search words lose the category's name
    record_audit("category.delete", actor=actor, tenant_id=category.tenant_id, target=category,
                 details={"name": category.name})
    db.session.delete(category)
    db.session.flush()


def rename_category(category, *, actor, name):
    category.name = _clean_name(name)
    record_audit("category.rename", actor=actor, tenant_id=category.tenant_id, target=category,
                 details={"name": category.name})
    return category


def move_category(category, *, actor, parent_id):
    """Put ``category`` (with its subtree) under ``parent_id`` (None: top level), last.

    :raise InvalidCategory: unknown parent, a move into its own subtree, or too deep
    """
    tree = category_tree()
    if parent_id is not None:
        parent = tree.get(parent_id)
        if parent.id == category.id or tree.is_ancestor(category.id, parent):
            raise InvalidCategory(_("A category cannot move inside itself."), field="parent_id")
        new_depth = tree.depth(parent) + 1
    else:
        new_depth = 1
    if new_depth + tree.height(category.id) - 1 > Category.MAX_DEPTH:
        raise InvalidCategory(_("Categories can be at most %(n)d levels deep.", n=Category.MAX_DEPTH),
                              field="parent_id")
    if category.parent_id != parent_id:
        category.position = tree.next_position(parent_id)
        category.parent_id = parent_id
    db.session.flush()
    record_audit("category.move", actor=actor, tenant_id=category.tenant_id, target=category,
                 details={"parent_id": parent_id})
    return category


def shift_category(category, *, actor, offset):
    """Move ``category`` up (``offset=-1``) or down (``+1``) among its siblings."""
    siblings = [c for c in category_tree().children(category.parent_id)]
    index = next(i for i, c in enumerate(siblings) if c.id == category.id)
    target = index + offset
    if 0 <= target < len(siblings):
        siblings[index], siblings[target] = siblings[target], siblings[index]
    for position, sibling in enumerate(siblings):
        sibling.position = position
    db.session.flush()
    record_audit("category.reorder", actor=actor, tenant_id=category.tenant_id, target=category,
                 details={"offset": offset})
    return category


def _clean_name(name):
    name = (name or "").strip()
    if not name:
        raise InvalidCategory(_("Category name is required."), field="name")
    if len(name) > MAX_NAME:
        raise InvalidCategory(_("Category name can be at most %(n)d characters.", n=MAX_NAME), field="name")
    return name
