"""Shipping: per-store templates (运费模板) priced by province and weight."""
