"""Alembic environment: the URL comes from the app's config (DATABASE_URL) unless set by the caller."""
from __future__ import annotations

from alembic import context
from sqlalchemy import engine_from_config, pool

from lms.db import normalise_url
from lms.models import metadata

config = context.config
url = config.get_main_option("sqlalchemy.url")
if not url:
    from lms.config import from_env
    url = normalise_url(str(from_env()["DATABASE_URL"]))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))


def run_migrations_offline() -> None:
    context.configure(url=url, target_metadata=metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connectable = engine_from_config(config.get_section(config.config_ini_section, {}), prefix="sqlalchemy.",
                                     poolclass=pool.NullPool)
    with connectable.connect() as connection:
        context.configure(connection=connection, target_metadata=metadata,
                          render_as_batch=connection.dialect.name == "sqlite")
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
