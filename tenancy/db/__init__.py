"""PostgreSQL tooling of the platform: schema migrations, the Free→Standard tenant data move,
and the purge of a moved tenant's rows from the shared database. See docs/data-isolation.md."""
from tenancy.db.datamove import DataMigrationReport, TableResult, migrate_data
from tenancy.db.errors import DatabaseToolError
from tenancy.db.migrations import MigrateResult, migrate, status
from tenancy.db.purge import PurgeReport, purge_tenant

__all__ = [
    "DataMigrationReport",
    "DatabaseToolError",
    "MigrateResult",
    "PurgeReport",
    "TableResult",
    "migrate",
    "migrate_data",
    "purge_tenant",
    "status",
]
