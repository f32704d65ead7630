"""Row-level-security policies for PostgreSQL, used by migrations.

The policy admits a row when its ``tenant_id`` equals the transaction-local setting
``duoshop.tenant_id``, or when the session may span stores: ``duoshop_spans_stores()`` is
true only when the code entered ``unscoped()`` (``duoshop.unscoped = 'on'``) *and* the
session's role is the platform role ``duoshop_platform`` (or a member of it) or the
schema's owner. The app role can set ``duoshop.unscoped`` itself, but that alone opens
nothing: reading across stores takes the platform role's credentials
(``DATABASE_PLATFORM_URL``, see ``core.database`` and docs/security.md). ``FORCE`` makes
the policy apply to the table owner too; superusers and BYPASSRLS roles are never subject
to RLS, so the app connects as an ordinary role (see README).
"""

PLATFORM_ROLE = "duoshop_platform"
SPANS_STORES = "duoshop_spans_stores()"
TENANT_MATCHES = "tenant_id = NULLIF(current_setting('duoshop.tenant_id', true), '')::integer"
POLICY_EXPRESSION = f"{TENANT_MATCHES} OR {SPANS_STORES}"

# Names qualified with pg_catalog: a role that can create objects cannot shadow them
# through its search_path. The schema owner's name is written in when the function is made.
_SPANS_STORES_FUNCTION = f"""
DO $do$ BEGIN
EXECUTE format($f$
CREATE OR REPLACE FUNCTION duoshop_spans_stores() RETURNS boolean LANGUAGE sql STABLE AS $body$
    SELECT pg_catalog.current_setting('duoshop.unscoped', true) = 'on' AND EXISTS (
        SELECT 1 FROM pg_catalog.pg_roles AS r
        WHERE r.rolname IN ('{PLATFORM_ROLE}', %L) AND pg_catalog.pg_has_role(current_user, r.oid, 'MEMBER'))
$body$
$f$, current_user);
END $do$
"""


def _postgres(op):
    return op.get_bind().dialect.name == "postgresql"


def create_spans_stores_function(op):
    """(Re)create ``duoshop_spans_stores()``; every policy's escape goes through it."""
    if _postgres(op):
        op.execute(_SPANS_STORES_FUNCTION)


def enable_tenant_rls(op, table):
    if not _postgres(op):
        return
    create_spans_stores_function(op)
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    op.execute(
        f"CREATE POLICY tenant_isolation ON {table} "
        f"USING ({POLICY_EXPRESSION}) WITH CHECK ({POLICY_EXPRESSION})"
    )


def disable_tenant_rls(op, table):
    if not _postgres(op):
        return
    op.execute(f"DROP POLICY IF EXISTS tenant_isolation ON {table}")
    op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
