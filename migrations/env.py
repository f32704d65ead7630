"""Alembic environment. Migrations run as the schema owner (``MIGRATION_DATABASE_URL``,
falling back to ``DATABASE_URL``); the app may connect as a lesser role so RLS applies."""
import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app
from sqlalchemy import create_engine

from commerce.analytics.partitions import is_partition
from tenants.scoping import for_dialect

config = context.config
if config.config_file_name and not logging.getLogger().handlers:
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

target_db = current_app.extensions["migrate"].db


def get_engine():
    owner_url = current_app.config.get("MIGRATION_DATABASE_URL")
    return create_engine(owner_url) if owner_url else target_db.engine


def run_migrations_offline():
    context.configure(url=str(get_engine().url), target_metadata=target_db.metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def include_name(name, type_, parent_names):
    """Autogenerate compares the models with the tables, less the monthly partitions of
    ``analytics_events`` (made by ``ensure_partitions``, unknown to the models)."""
    return not (type_ == "table" and is_partition(name))


def run_migrations_online():
    def skip_empty_autogenerate(context_, revision, directives):
        if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
            directives[:] = []
            logger.info("No changes in schema detected.")

    conf_args = dict(current_app.extensions["migrate"].configure_args)
    conf_args.setdefault("process_revision_directives", skip_empty_autogenerate)
    conf_args.setdefault("include_name", include_name)
    with get_engine().connect() as connection:
        conf_args.setdefault("include_object", for_dialect(connection.dialect.name))
        context.configure(connection=connection, target_metadata=target_db.metadata, **conf_args)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
