"""The shop's domain (catalog, orders, payments, members, marketing): models and services, no HTTP."""
