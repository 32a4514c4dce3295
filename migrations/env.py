"""Alembic environment: the connection comes from the app (see consult/migrate.py)."""

from alembic import context

import consult.models_registry  # noqa: F401  (imports every model)
from consult.db import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("Run migrations through `flask --app app init` or `flask --app app db …`.")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things; batch mode copies the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise RuntimeError("Offline migrations are not supported; run them against a database.")
run_migrations_online()
