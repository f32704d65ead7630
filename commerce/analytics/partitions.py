"""Monthly partitions of ``analytics_events`` on PostgreSQL (nothing on SQLite).

The table is ``PARTITION BY RANGE (occurred_at)``, one partition per UTC calendar month named
``analytics_events_pYYYYMM``, plus ``analytics_events_default`` so an insert never fails for
a month nobody made ahead. ``ensure_partitions(now)`` makes the current month's and the next
two months' partitions if missing; the migration and every roll-up call it, so it is
idempotent and cheap when nothing is missing.

The app connects as an ordinary role that may not create tables, so the work is done by the
SQL function ``duoshop_analytics_partitions(at, months)``, made by the migration with the
owner's rights (``SECURITY DEFINER``, fixed ``search_path``). If rows of a month already sit
in the default partition, it moves them into the new partition in the same transaction.
Each partition gets the parent's row-level security too, so reading one directly is walled.
"""
import re

from sqlalchemy import text

from core.extensions import db
from tenants.rls import POLICY_EXPRESSION

MONTHS_AHEAD = 2
PARTITION_NAME = re.compile(r"^analytics_events_(p\d{6}|default)$")

FUNCTION = r"""
CREATE OR REPLACE FUNCTION duoshop_analytics_partitions(at timestamptz, months integer) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_catalog AS $fn$
DECLARE
    first_month date := date_trunc('month', at AT TIME ZONE 'UTC')::date;
    lower_bound timestamptz;
    upper_bound timestamptz;
    partition_name text;
    was_unscoped text := current_setting('duoshop.unscoped', true);
    made integer := 0;
BEGIN
    FOR step IN 0..months LOOP
        lower_bound := ((first_month + make_interval(months => step))::timestamp) AT TIME ZONE 'UTC';
        upper_bound := ((first_month + make_interval(months => step + 1))::timestamp) AT TIME ZONE 'UTC';
        partition_name := 'analytics_events_p' || to_char(lower_bound AT TIME ZONE 'UTC', 'YYYYMM');
        CONTINUE WHEN to_regclass(partition_name) IS NOT NULL;  -- the usual case: no lock taken
        -- Two transactions making the same month: the second waits here, then finds it made.
        PERFORM pg_advisory_xact_lock(hashtext('duoshop_analytics_partitions'));
        CONTINUE WHEN to_regclass(partition_name) IS NOT NULL;
        -- Rows of this month that fell into the default partition move into the new one.
        PERFORM set_config('duoshop.unscoped', 'on', true);
        CREATE TEMP TABLE duoshop_moved_events ON COMMIT DROP AS
            SELECT * FROM analytics_events_default WHERE occurred_at >= lower_bound AND occurred_at < upper_bound;
        DELETE FROM analytics_events_default WHERE occurred_at >= lower_bound AND occurred_at < upper_bound;
        EXECUTE format('CREATE TABLE %I PARTITION OF analytics_events FOR VALUES FROM (%L) TO (%L)',
                       partition_name, lower_bound, upper_bound);
        INSERT INTO analytics_events SELECT * FROM duoshop_moved_events;
        DROP TABLE duoshop_moved_events;
        PERFORM set_config('duoshop.unscoped', coalesce(was_unscoped, 'off'), true);
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', partition_name);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', partition_name);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (%s) WITH CHECK (%s)',
                       partition_name, '{policy}', '{policy}');
        made := made + 1;
    END LOOP;
    RETURN made;
END
$fn$
"""


def partition_function_sql():
    """The ``CREATE FUNCTION`` statement (the migration runs it as the owner)."""
    return FUNCTION.replace("{policy}", POLICY_EXPRESSION.replace("'", "''"))


def ensure_partitions(now, connection=None):
    """Make the partitions of ``now``'s month and the ``MONTHS_AHEAD`` next ones (PostgreSQL;
    a no-op elsewhere). Returns how many were made. Runs on ``connection`` (the migration's)
    or the session's, in its transaction."""
    run = connection if connection is not None else db.session
    bind = connection if connection is not None else db.session.get_bind()
    if bind.dialect.name != "postgresql":
        return 0
    return run.execute(text("SELECT duoshop_analytics_partitions(:at, :months)"),
                       {"at": now, "months": MONTHS_AHEAD}).scalar()


def is_partition(table_name):
    """True for the name of one of ``analytics_events``' partitions (Alembic's comparison
    leaves them out: the models know only the parent)."""
    return bool(PARTITION_NAME.match(table_name or ""))
