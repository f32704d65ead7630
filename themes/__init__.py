"""Themes, the block registry and the page renderer (the page builder's domain)."""
