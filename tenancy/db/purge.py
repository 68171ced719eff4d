"""``purge-tenant-data``: step 6 of the Free→Standard runbook.

After a tenant moved to its dedicated database, its rows stay in the shared database for a
retention period (a way back if the upgrade has to be undone). Then they are deleted here.

The purge refuses unless this database recorded a verified export of the tenant (written by
migrate-data when every table matched) at least ``retention_days`` ago. ``force`` overrides that
for operators who know better (e.g. a tenant that asked to be erased); it is reported as forced.
The tenant's record in ``tenants`` stays: it is the control plane's entry for the tenant.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import psycopg
from psycopg import sql

from tenancy.db import catalog
from tenancy.db.connection import connect, describe_dsn, set_tenant
from tenancy.db.datamove import check_tenant_id
from tenancy.db.defaults import DEFAULT_RETENTION_DAYS
from tenancy.db.errors import PurgeRefused, SchemaMismatch, UnknownTenant


@dataclass
class PurgeReport:
    tenant: str
    database: str
    dry_run: bool
    forced: bool
    verified_at: datetime | None
    deleted: dict[str, int] = field(default_factory=dict)

    @property
    def total_rows(self) -> int:
        return sum(self.deleted.values())


def purge_tenant(
    tenant: str,
    dsn: str,
    retention_days: int = DEFAULT_RETENTION_DAYS,
    force: bool = False,
    dry_run: bool = False,
) -> PurgeReport:
    check_tenant_id(tenant)
    if retention_days < 0:
        raise PurgeRefused("the retention period cannot be negative")
    database = describe_dsn(dsn)
    with connect(dsn, "shared") as conn:
        if not catalog.has_migration_ledger(conn):
            raise SchemaMismatch(
                f"{database} has no schema_migrations table: it was never migrated"
            )
        set_tenant(conn, tenant)
        with conn.transaction():
            if (
                conn.execute("SELECT 1 FROM public.tenants WHERE id = %s", [tenant]).fetchone()
                is None
            ):
                raise UnknownTenant(f"tenant '{tenant}' does not exist in {database}")
            verified_at = _check_retention(conn, tenant, retention_days, force)
            report = PurgeReport(tenant, database, dry_run, force, verified_at)
            # Children first: the reverse of the copy order.
            for table in reversed(catalog.tenant_owned_tables(conn)):
                report.deleted[table.display] = _delete_or_count(conn, table, tenant, dry_run)
            if not dry_run:
                conn.execute(
                    "UPDATE tenancy_ops.tenant_exports SET purged_at = now() "
                    "WHERE tenant_id = %s AND purged_at IS NULL",
                    [tenant],
                )
    return report


def _check_retention(
    conn: psycopg.Connection, tenant: str, retention_days: int, force: bool
) -> datetime | None:
    row = conn.execute(
        "SELECT max(verified_at), max(verified_at) <= now() - make_interval(days => %s) "
        "FROM tenancy_ops.tenant_exports WHERE tenant_id = %s",
        [retention_days, tenant],
    ).fetchone()
    verified_at, retention_over = row if row else (None, None)
    if force:
        return verified_at
    if verified_at is None:
        raise PurgeRefused(
            f"tenant '{tenant}' has no verified export recorded in this database: run "
            "`tenancy migrate-data` first (or pass --force to purge anyway)"
        )
    if not retention_over:
        raise PurgeRefused(
            f"tenant '{tenant}' was verified-migrated at {verified_at:%Y-%m-%d %H:%M} UTC; the "
            f"{retention_days}-day retention period is not over (or pass --force)"
        )
    return verified_at


def _delete_or_count(
    conn: psycopg.Connection, table: catalog.TenantTable, tenant: str, dry_run: bool
) -> int:
    if dry_run:
        return catalog.count_rows(conn, table, tenant)
    query = sql.SQL("DELETE FROM {} WHERE {} = %s").format(
        table.identifier, sql.Identifier(catalog.TENANT_COLUMN)
    )
    return conn.execute(query, [tenant]).rowcount
