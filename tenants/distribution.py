"""How Citus would hold each table when one PostgreSQL is not enough (docs/scaling.md).

A table with a ``tenant_id`` column is distributed by it (``create_distributed_table(t,
'tenant_id', colocate_with => …)``): every shard holds whole stores, and a query that names
its store runs on one node. For that, its primary key, unique constraints and foreign keys
to other distributed tables all hold ``tenant_id`` (tests/tenants/test_distribution.py reads
the migrated schema and checks). Every other table is named below with the reason, so a new
table that is in no list fails that test until someone decides.
"""

# Copied to every node: small, read by every request or joined by every table, rarely written.
REFERENCE_TABLES = {
    "tenants": "the stores themselves: every distributed table's tenant_id points here, and "
               "the routing tables below must point at a table on every node too",
    "domains": "host → store routing, before the store is known; a verified hostname is unique "
               "across stores, which only a table on one shard (or every node) can promise",
    "mini_programs": "AppID → store routing for the mini-program API; an AppID is unique across stores",
    "platform_admins": "the platform's own accounts",
    "login_failures": "sign-in throttling by account key, before any store is chosen",
    "wechat_component_credentials": "the platform's WeChat Open Platform component token",
    "wechat_open_events": "WeChat Open Platform notifications applied once, for every store",
    "wechat_open_rollouts": "platform-wide mini-program release rollouts",
}

# Kept on the coordinator (``citus_add_local_table_to_metadata``) until they are split.
COORDINATOR_TABLES = {
    "alembic_version": "Alembic's own bookkeeping: migrations run on the coordinator",
    "audit_log": "holds platform entries with an empty tenant_id, which a distribution column may "
                 "not be: split them into a reference table, then distribute by tenant_id",
    "outbox_events": "holds platform events with an empty tenant_id (split them as audit_log's), "
                     "and the relay reads it across stores",
    "processed_events": "subscribers' markers for outbox_events, which it points at",
}


def plan_of(table_name, has_tenant_id):
    """``"reference"``, ``"coordinator"``, ``"distributed"``, or None when nobody decided."""
    if table_name in REFERENCE_TABLES:
        return "reference"
    if table_name in COORDINATOR_TABLES:
        return "coordinator"
    return "distributed" if has_tenant_id else None
