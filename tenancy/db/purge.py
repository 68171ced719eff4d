"""``purge-tenant-data``: step 6 of the Free→Standard runbook.

After a tenant moved to its dedicated database, its rows stay in the shared database for a
retention period (a way back if the upgrade has to be undone). Then they are deleted here.

The purge deletes only what was exported, and proves it at purge time, in the one transaction that
deletes. It refuses unless
* this database recorded a verified export of the tenant (written by migrate-data when every
  table matched the live rows under a freeze) at least ``retention_days`` ago;
* the tenant is still under the freeze that export was taken under (frozen or moved, never
  unfrozen since: the database refused every write of its services in between);
* every tenant-owned table's rows of the tenant match the export's fingerprint (row count and
  checksum); otherwise it names each table that differs.
It then deletes, children first, and checks each table's deleted count against the export.
``force`` skips every check for operators who must erase a tenant now (e.g. on request); it is
reported as forced. The tenant's record in ``tenants`` stays: it is the control plane's entry.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import psycopg
from psycopg import sql

from tenancy.db import catalog
from tenancy.db.catalog import Fingerprint
from tenancy.db.connection import connect, describe_dsn, set_tenant
from tenancy.db.datamove import check_tenant_id
from tenancy.db.defaults import DEFAULT_RETENTION_DAYS
from tenancy.db.errors import PurgeRefused, SchemaMismatch, UnknownTenant
from tenancy.db.freeze import WriteState, read_state


@dataclass
class PurgeReport:
    tenant: str
    database: str
    dry_run: bool
    forced: bool
    verified_at: datetime | None
    deleted: dict[str, int] = field(default_factory=dict)
    export_id: int | None = None

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
            # FOR UPDATE: no freeze change (and no service write) until the purge commits.
            state = read_state(conn, tenant, lock="FOR UPDATE")
            export = _check_retention(conn, tenant, retention_days, force)
            report = PurgeReport(
                tenant, database, dry_run, force, export.verified_at if export else None
            )
            tables = catalog.tenant_owned_tables(conn)
            if not force and export is not None:
                report.export_id = export.id
                _check_still_frozen(tenant, state, export)
                _check_rows_match_export(conn, tenant, tables, export)
            # Children first: the reverse of the copy order.
            for table in reversed(tables):
                report.deleted[table.display] = _delete_or_count(conn, table, tenant, dry_run)
            if not force and export is not None:
                wrong = {
                    name: n for name, n in report.deleted.items() if n != export.tables[name].rows
                }
                if wrong:  # cannot happen after the checks above; never commit if it does
                    raise PurgeRefused(
                        f"deleted row counts differ from the export in {', '.join(sorted(wrong))}; "
                        "rolled back"
                    )
            if not dry_run:
                conn.execute(
                    "UPDATE tenancy_ops.tenant_exports SET purged_at = now() "
                    "WHERE tenant_id = %s AND purged_at IS NULL",
                    [tenant],
                )
    return report


@dataclass(frozen=True)
class Export:
    id: int
    verified_at: datetime
    freeze_id: str | None
    tables: dict[str, Fingerprint]


def _check_retention(
    conn: psycopg.Connection, tenant: str, retention_days: int, force: bool
) -> Export | None:
    row = conn.execute(
        "SELECT id, verified_at, verified_at <= now() - make_interval(days => %s), "
        "freeze_id::text FROM tenancy_ops.tenant_exports "
        "WHERE tenant_id = %s AND purged_at IS NULL ORDER BY verified_at DESC, id DESC LIMIT 1",
        [retention_days, tenant],
    ).fetchone()
    if row is None:
        if force:
            return None
        raise PurgeRefused(
            f"tenant '{tenant}' has no verified export recorded in this database: run "
            "`tenancy migrate-data` first (or pass --force to purge anyway)"
        )
    export_id, verified_at, retention_over, freeze_id = row
    tables = {
        name: Fingerprint(int(count), checksum)
        for name, count, checksum in conn.execute(
            "SELECT table_name, row_count, checksum FROM tenancy_ops.tenant_export_tables "
            "WHERE export_id = %s",
            [export_id],
        ).fetchall()
    }
    export = Export(int(export_id), verified_at, freeze_id, tables)
    if not force and not retention_over:
        raise PurgeRefused(
            f"tenant '{tenant}' was verified-migrated at {verified_at:%Y-%m-%d %H:%M} UTC; the "
            f"{retention_days}-day retention period is not over (or pass --force)"
        )
    return export


def _check_still_frozen(tenant: str, state: WriteState, export: Export) -> None:
    if export.freeze_id is None or not export.tables:
        raise PurgeRefused(
            f"tenant '{tenant}''s export {export.id} was recorded without a write freeze, so the "
            "rows here may have changed since: freeze the tenant and run migrate-data again"
        )
    if state.state == "open" or state.freeze_id != export.freeze_id:
        raise PurgeRefused(
            f"tenant '{tenant}' has not stayed frozen since its export at "
            f"{export.verified_at:%Y-%m-%d %H:%M} UTC (now {state.state}"
            f"{', under another freeze' if state.state != 'open' else ''}): its rows may have "
            "changed; freeze it and export again"
        )


def _check_rows_match_export(
    conn: psycopg.Connection, tenant: str, tables: list[catalog.TenantTable], export: Export
) -> None:
    differ = []
    for table in tables:
        now = catalog.fingerprint(conn, table, tenant)
        then = export.tables.get(table.display)
        if then is None:
            differ.append(f"{table.display} (not in the export, {now.rows} rows now)")
        elif now != then:
            detail = (
                f"{then.rows} rows exported, {now.rows} now"
                if now.rows != then.rows
                else f"{now.rows} rows, content changed"
            )
            differ.append(f"{table.display} ({detail})")
    missing = export.tables.keys() - {t.display for t in tables}
    differ += [f"{name} (exported, no longer a tenant-owned table)" for name in sorted(missing)]
    if differ:
        raise PurgeRefused(
            f"tenant '{tenant}''s rows differ from the verified export {export.id} in: "
            f"{'; '.join(differ)}. Nothing was deleted"
        )


def _delete_or_count(
    conn: psycopg.Connection, table: catalog.TenantTable, tenant: str, dry_run: bool
) -> int:
    if dry_run:
        return catalog.count_rows(conn, table, tenant)
    query = sql.SQL("DELETE FROM {} WHERE {} = %s").format(
        table.identifier, sql.Identifier(catalog.TENANT_COLUMN)
    )
    return conn.execute(query, [tenant]).rowcount
