"""Shopper-facing H5 pages and the JSON API for mini-programs."""
