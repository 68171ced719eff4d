"""Constants the CLI needs when it starts, kept apart from the modules that import psycopg."""

from domain.migration_files import MIGRATIONS_DIR_ENV  # noqa: F401  (re-exported)

DEFAULT_RETENTION_DAYS = 30  # how long a migrated tenant's rows stay in the shared database
