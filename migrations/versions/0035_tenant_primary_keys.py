"""Citus-ready keys: every tenant table's primary key is (tenant_id, id) (it replaces both
the key on id and UNIQUE (tenant_id, id)); order, refund and top-up numbers and staff
invitation tokens are unique within their store (every lookup of them knows the store).
On SQLite only the unique constraints change: its tables keep ``id INTEGER PRIMARY KEY``,
the one key it numbers by itself, and UNIQUE (tenant_id, id) for the composite foreign keys.

Each table's new primary key is built while it is locked (ACCESS EXCLUSIVE): on a large
production database run it in a quiet hour (docs/scaling.md).

Revision ID: 0035
Revises: 0034
"""
from contextlib import contextmanager

from alembic import op
from sqlalchemy import text

revision = "0035"
down_revision = "0034"
branch_labels = None
depends_on = None

# The tenant tables of 0034 with UNIQUE (tenant_id, id) (all but the partitioned
# analytics_events, whose key already holds tenant_id), and retention_periods.
REFERENCED = (
    "addresses", "after_sales", "analytics_buyer_daily", "analytics_daily", "analytics_hourly",
    "analytics_product_daily", "analytics_rollups", "analytics_search_daily", "balance_entries",
    "bargain_campaigns", "bargain_help_days", "bargain_helps", "bargain_orders", "bargains", "billing_notices",
    "cart_items", "carts", "categories", "commissions", "coupons", "credits", "data_exports",
    "distribution_settings", "distributors", "domains", "flash_sale_items", "flash_sale_quotas", "flash_sales",
    "fulfillment_lines", "fulfillments", "group_buys", "group_team_members", "group_teams", "invite_rewards",
    "invite_settings", "invoice_lines", "invoices", "library_images", "member_consents", "member_coupons",
    "member_levels", "member_rfm", "member_settings", "members", "mini_program_authorizations",
    "mini_program_releases", "mini_programs", "order_lines", "orders", "outbox_emails", "page_versions", "pages",
    "parcels", "payment_events", "payments", "points_entries", "privacy_policies", "product_images",
    "product_specs", "products", "referrals", "refunds", "retention_runs", "rfm_runs",
    "segment_campaign_recipients", "segment_campaigns", "shipping_rules", "shipping_templates", "skus",
    "staff_users", "store_themes", "subscriptions", "top_ups", "wechatpay_accounts",
)
REKEYED = (*REFERENCED, "retention_periods")
# (table, column): unique across stores before, within the store after.
PER_STORE = (("orders", "number"), ("refunds", "number"), ("top_ups", "number"), ("staff_users", "invite_token"))


def upgrade():
    for table, column in PER_STORE:
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_constraint(f"uq_{table}_{column}", type_="unique")
            batch_op.create_unique_constraint(f"uq_{table}_tenant_id_{column}", ["tenant_id", column])
    if op.get_bind().dialect.name != "postgresql":
        return
    with _foreign_keys_set_aside():
        for table in REKEYED:
            drop_unique = f"DROP CONSTRAINT uq_{table}_tenant_id_id, " if table in REFERENCED else ""
            op.execute(f"ALTER TABLE {table} {drop_unique}DROP CONSTRAINT pk_{table}, "
                       f"ADD CONSTRAINT pk_{table} PRIMARY KEY (tenant_id, id)")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        with _foreign_keys_set_aside():
            for table in REKEYED:
                add_unique = f", ADD CONSTRAINT uq_{table}_tenant_id_id UNIQUE (tenant_id, id)" if table in REFERENCED else ""
                op.execute(f"ALTER TABLE {table} DROP CONSTRAINT pk_{table}, "
                           f"ADD CONSTRAINT pk_{table} PRIMARY KEY (id){add_unique}")
    for table, column in PER_STORE:
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_constraint(f"uq_{table}_tenant_id_{column}", type_="unique")
            batch_op.create_unique_constraint(f"uq_{table}_{column}", [column])


@contextmanager
def _foreign_keys_set_aside():
    """Drop every foreign key that points at a rekeyed table and make it again afterwards
    (a key's index cannot be dropped while a foreign key leans on it); PostgreSQL finds the
    new unique index for (tenant_id, id) itself."""
    keys = op.get_bind().execute(text(
        "SELECT conrelid::regclass::text AS child, conname, pg_get_constraintdef(oid) AS definition "
        "FROM pg_constraint WHERE contype = 'f' AND confrelid::regclass::text = ANY(:tables) "
        "ORDER BY 1, 2"), {"tables": list(REKEYED)}).all()
    for key in keys:
        op.execute(f"ALTER TABLE {key.child} DROP CONSTRAINT {key.conname}")
    yield
    for key in keys:
        op.execute(f"ALTER TABLE {key.child} ADD CONSTRAINT {key.conname} {key.definition}")
