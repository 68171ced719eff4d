"""Constants the CLI needs when it starts, kept apart from the modules that import psycopg."""

MIGRATIONS_DIR_ENV = "TENANCY_MIGRATIONS_DIR"
DEFAULT_RETENTION_DAYS = 30  # how long a migrated tenant's rows stay in the shared database
