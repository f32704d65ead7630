"""Row-level-security policies for PostgreSQL, used by migrations.

The policy admits a row when its ``tenant_id`` equals the transaction-local setting
``duoshop.tenant_id``, or when the code deliberately entered ``unscoped()``. ``FORCE`` makes
the policy apply to the table owner too; superusers and BYPASSRLS roles are never
subject to RLS, so the app connects as an ordinary role (see README).
"""

POLICY_EXPRESSION = (
    "current_setting('duoshop.unscoped', true) = 'on' "
    "OR tenant_id = NULLIF(current_setting('duoshop.tenant_id', true), '')::integer"
)


def enable_tenant_rls(op, table):
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    op.execute(
        f"CREATE POLICY tenant_isolation ON {table} "
        f"USING ({POLICY_EXPRESSION}) WITH CHECK ({POLICY_EXPRESSION})"
    )


def disable_tenant_rls(op, table):
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"DROP POLICY IF EXISTS tenant_isolation ON {table}")
    op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
