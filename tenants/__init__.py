"""Tenancy: stores, their domains and AppIDs, staff, resolution, scoping, provisioning."""
