"""PostgreSQL tooling of the platform: schema migrations, the Free→Standard tenant data move,
and the purge of a moved tenant's rows from the shared database. See docs/data-isolation.md.

The names below load on first use, so that the CLI does not import psycopg until a database
command runs.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "DataMigrationReport": "tenancy.db.datamove",
    "TableResult": "tenancy.db.datamove",
    "migrate_data": "tenancy.db.datamove",
    "DatabaseToolError": "tenancy.db.errors",
    "MigrateResult": "tenancy.db.migrations",
    "migrate": "tenancy.db.migrations",
    "status": "tenancy.db.migrations",
    "PurgeReport": "tenancy.db.purge",
    "purge_tenant": "tenancy.db.purge",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'tenancy.db' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
