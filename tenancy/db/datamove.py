"""``migrate-data``: copy one tenant's rows from the shared database to its dedicated one.

How it stays safe:
* Both sessions are scoped to the tenant (app.current_tenant) and every statement also filters
  on tenant_id, so other tenants' rows are never read or written, even by a superuser.
* The source is read in one REPEATABLE READ, read-only snapshot, so all tables agree.
* Each table is copied, verified (row count + checksum against the source) and recorded in
  tenancy_ops.tenant_table_copies in ONE target transaction: a table is either fully copied and
  verified or not touched. ``resume`` skips tables recorded earlier after re-verifying them.
* Everything that can be checked before writing is checked before writing: the DSNs, the tenant,
  the schema versions and column lists on both sides, and an empty target.
* The tenant must be frozen in the source (migration 0005: ``tenancy db freeze``, or
  ``freeze=True``): the database refuses its writes, so the snapshot is the live data. At the end
  every table is fingerprinted again, live, under a lock that keeps the freeze in place, and only
  if all match is the export recorded, with its freeze id and per-table fingerprints (what the
  purge compares). The target's tenant record is held frozen under the same freeze until the
  upgrade opens it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import psycopg
from psycopg import sql

from domain.names import ID_PATTERN
from tenancy.db import catalog
from tenancy.db.catalog import Fingerprint, TenantTable
from tenancy.db.connection import connect, describe_dsn, set_tenant
from tenancy.db.errors import (
    InvalidTenant,
    NotFrozen,
    SameDatabase,
    SchemaMismatch,
    TargetNotEmpty,
    UnknownTenant,
    VerificationFailed,
)
from tenancy.db.freeze import freeze as write_freeze
from tenancy.db.freeze import read_state

BATCH_ROWS = 1000
_TENANT_ID = re.compile(ID_PATTERN)

TableAction = Literal["copied", "verified-earlier", "would-copy"]


@dataclass(frozen=True)
class TableResult:
    table: str
    rows: int
    checksum: str
    action: TableAction


@dataclass
class DataMigrationReport:
    tenant: str
    source: str
    target: str
    dry_run: bool
    tables: list[TableResult] = field(default_factory=list)
    freeze_id: str | None = None
    export_id: int | None = None

    @property
    def total_rows(self) -> int:
        return sum(t.rows for t in self.tables)


def check_tenant_id(tenant: str) -> None:
    if not _TENANT_ID.fullmatch(tenant):
        raise InvalidTenant(
            f"'{tenant}' is not a tenant id (4-20 lowercase letters, digits and single hyphens, "
            "starting with a letter)"
        )


def migrate_data(
    tenant: str,
    from_dsn: str,
    to_dsn: str,
    resume: bool = False,
    dry_run: bool = False,
    on_table: Callable[[TableResult], None] | None = None,
    freeze: bool = False,
) -> DataMigrationReport:
    """Copy, verify and record. ``freeze`` freezes the tenant in the source first; without it a
    real run refuses a tenant that is not frozen (a dry run does not need the freeze)."""
    check_tenant_id(tenant)
    report = DataMigrationReport(tenant, describe_dsn(from_dsn), describe_dsn(to_dsn), dry_run)
    with connect(from_dsn, "source") as src, connect(to_dsn, "target") as dst:
        _refuse_same_database(src, dst)
        set_tenant(src, tenant)
        set_tenant(dst, tenant)
        tables = _matching_schema(src, dst)
        if freeze and not dry_run:
            _require_tenant(src, tenant)
            write_freeze(from_dsn, tenant, role="source")
        src.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        src.read_only = True
        with src.transaction():
            _require_tenant(src, tenant)
            _refuse_other_tenants(dst, tables, tenant)
            if not dry_run:
                report.freeze_id = _require_frozen(src, tenant)
            recorded = _copy_records(dst, tenant)
            _refuse_unexpected_target_rows(dst, tables, tenant, recorded, resume)
            if not dry_run:
                with dst.transaction():
                    _ensure_tenant_record(src, dst, tenant)
                    _hold_target_frozen(dst, tenant, report.freeze_id, bool(recorded))
            for table in tables:
                result = _migrate_table(src, dst, table, tenant, recorded, dry_run, report.source)
                report.tables.append(result)
                if on_table:
                    on_table(result)
        if not dry_run:
            _record_export(src, tables, tenant, report)
    return report


# --- checks before anything is written ----------------------------------------------------------
def _refuse_same_database(src: psycopg.Connection, dst: psycopg.Connection) -> None:
    query = "SELECT system_identifier, current_database() FROM pg_catalog.pg_control_system()"
    if src.execute(query).fetchone() == dst.execute(query).fetchone():
        raise SameDatabase("the source and target DSNs point at the same database")


def _matching_schema(src: psycopg.Connection, dst: psycopg.Connection) -> list[TenantTable]:
    source_versions = catalog.schema_versions(src)
    target_versions = catalog.schema_versions(dst)
    if source_versions is None:
        raise SchemaMismatch(
            "the source database has no schema_migrations table: it was never migrated"
        )
    if target_versions is None:
        raise SchemaMismatch(
            "the target database has no schema_migrations table: run `tenancy db migrate --dsn "
            "...` against it first"
        )
    if source_versions != target_versions:
        only_source = sorted(source_versions.keys() - target_versions.keys())
        only_target = sorted(target_versions.keys() - source_versions.keys())
        changed = sorted(
            v
            for v in source_versions.keys() & target_versions.keys()
            if source_versions[v] != target_versions[v]
        )
        details = "; ".join(
            part
            for part in (
                f"applied only on the source: {', '.join(only_source)}" if only_source else "",
                f"applied only on the target: {', '.join(only_target)}" if only_target else "",
                f"applied with different file checksums: {', '.join(changed)}" if changed else "",
            )
            if part
        )
        raise SchemaMismatch(f"schema versions differ between source and target ({details})")

    source_tables = catalog.tenant_owned_tables(src)
    target_tables = catalog.tables_by_name(catalog.tenant_owned_tables(dst))
    for table in source_tables:
        other = target_tables.get(table.display)
        if other is None:
            raise SchemaMismatch(
                f"table {table.display} is tenant-owned on the source but missing on the target"
            )
        ours = [(c.name, c.type) for c in table.columns]
        theirs = [(c.name, c.type) for c in other.columns]
        if ours != theirs:
            raise SchemaMismatch(
                f"table {table.display} has different columns: source {ours}, target {theirs}"
            )
    extra = target_tables.keys() - {t.display for t in source_tables}
    if extra:
        raise SchemaMismatch(f"tenant-owned tables only on the target: {', '.join(sorted(extra))}")
    return source_tables


def _require_tenant(src: psycopg.Connection, tenant: str) -> None:
    row = src.execute("SELECT 1 FROM public.tenants WHERE id = %s", [tenant]).fetchone()
    if row is None:
        raise UnknownTenant(f"tenant '{tenant}' does not exist in the source database")


def _require_frozen(src: psycopg.Connection, tenant: str) -> str:
    state = read_state(src, tenant)
    if state.state == "open" or state.freeze_id is None:
        raise NotFrozen(
            f"tenant '{tenant}' is not frozen in the source database: its services could write "
            f"during the copy. Freeze it first (`tenancy db freeze {tenant} --dsn ...`, or "
            "migrate-data --freeze); a dry run needs no freeze"
        )
    return state.freeze_id


def _hold_target_frozen(
    dst: psycopg.Connection, tenant: str, freeze_id: str | None, has_copies: bool
) -> None:
    """Nothing may write to the copy before the upgrade opens it: the target's record is held
    under the source's freeze (a record that provisioning created open is frozen too)."""
    if has_copies and read_state(dst, tenant).accepts_writes:
        raise TargetNotEmpty(
            f"the target's copy of tenant '{tenant}' accepts writes: it is live, and is never "
            "copied over"
        )
    dst.execute(
        "UPDATE public.tenants SET write_state = 'frozen', write_freeze_id = %s::uuid, "
        "write_state_since = now() WHERE id = %s AND write_state <> 'moved'",
        [freeze_id, tenant],
    )


def _copy_records(dst: psycopg.Connection, tenant: str) -> dict[str, Fingerprint]:
    rows = dst.execute(
        "SELECT table_name, row_count, checksum FROM tenancy_ops.tenant_table_copies "
        "WHERE tenant_id = %s",
        [tenant],
    ).fetchall()
    return {name: Fingerprint(int(count), checksum) for name, count, checksum in rows}


def _refuse_other_tenants(dst: psycopg.Connection, tables: list[TenantTable], tenant: str) -> None:
    """A dedicated database holds one tenant: refuse a target that holds another's rows.

    Row-level security hides other tenants' rows from the owner too (FORCE), so the count runs in
    a transaction that lifts FORCE on the tables and is always rolled back."""
    found: dict[str, list[str]] = {}
    with dst.transaction(force_rollback=True):
        targets = [(sql.Identifier("public", "tenants"), "tenants", sql.Identifier("id"))] + [
            (t.identifier, t.display, sql.Identifier("tenant_id")) for t in tables
        ]
        for identifier, _, _ in targets:
            dst.execute(sql.SQL("ALTER TABLE {} NO FORCE ROW LEVEL SECURITY").format(identifier))
        for identifier, display, column in targets:
            rows = dst.execute(
                sql.SQL("SELECT {col}, count(*) FROM {t} WHERE {col} <> %s GROUP BY 1").format(
                    col=column, t=identifier
                ),
                [tenant],
            ).fetchall()
            for other, count in rows:
                found.setdefault(other, []).append(f"{display} ({count} rows)")
    if found:
        listing = "; ".join(
            f"tenant '{other}': {', '.join(where)}" for other, where in sorted(found.items())
        )
        raise TargetNotEmpty(
            f"the target already holds rows of another tenant ({listing}); a dedicated database "
            f"holds one tenant, so '{tenant}' is not copied into it"
        )


def _refuse_unexpected_target_rows(
    dst: psycopg.Connection,
    tables: list[TenantTable],
    tenant: str,
    recorded: dict[str, Fingerprint],
    resume: bool,
) -> None:
    if recorded and not resume:
        raise TargetNotEmpty(
            f"the target already holds a copy of tenant '{tenant}' (tables "
            f"{', '.join(sorted(recorded))}); pass --resume to continue or re-verify it"
        )
    # Rows without a copy record were not written by migrate-data: never mix with them.
    unexpected = {
        t.display: n
        for t in tables
        if t.display not in recorded and (n := catalog.count_rows(dst, t, tenant)) > 0
    }
    if unexpected:
        listing = ", ".join(f"{name} ({n} rows)" for name, n in unexpected.items())
        raise TargetNotEmpty(f"the target already holds rows of tenant '{tenant}': {listing}")


# --- the copy ----------------------------------------------------------------------------------
def _migrate_table(
    src: psycopg.Connection,
    dst: psycopg.Connection,
    table: TenantTable,
    tenant: str,
    recorded: dict[str, Fingerprint],
    dry_run: bool,
    source_label: str,
) -> TableResult:
    source = catalog.fingerprint(src, table, tenant)
    earlier = recorded.get(table.display)
    if earlier is not None:
        target = catalog.fingerprint(dst, table, tenant)
        if target != earlier:
            raise VerificationFailed(
                f"table {table.display}: the target's rows of tenant '{tenant}' changed after they "
                f"were copied ({earlier.rows} rows recorded, {target.rows} now)"
            )
        if source != earlier:
            raise VerificationFailed(
                f"table {table.display}: the source's rows of tenant '{tenant}' changed since they "
                f"were copied ({earlier.rows} rows copied, {source.rows} now); the tenant must be "
                "read-only while it is migrated"
            )
        return TableResult(table.display, source.rows, source.checksum, "verified-earlier")
    if dry_run:
        return TableResult(table.display, source.rows, source.checksum, "would-copy")

    with dst.transaction():
        _copy_rows(src, dst, table, tenant)
        target = catalog.fingerprint(dst, table, tenant)
        if target != source:
            raise VerificationFailed(
                f"table {table.display}: verification failed for tenant '{tenant}' (source "
                f"{source.rows} rows, md5 {source.checksum}; target {target.rows} rows, md5 "
                f"{target.checksum}); the table's copy was rolled back"
            )
        dst.execute(
            "INSERT INTO tenancy_ops.tenant_table_copies "
            "(tenant_id, table_name, row_count, checksum, source) VALUES (%s, %s, %s, %s, %s)",
            [tenant, table.display, target.rows, target.checksum, source_label],
        )
    return TableResult(table.display, source.rows, source.checksum, "copied")


def _ensure_tenant_record(src: psycopg.Connection, dst: psycopg.Connection, tenant: str) -> None:
    """Tenant-owned rows reference tenants(id): the dedicated database needs the tenant's record.
    A record that provisioning created already is left as it is."""
    if dst.execute("SELECT 1 FROM public.tenants WHERE id = %s", [tenant]).fetchone():
        return
    columns = [
        row[0]
        for row in dst.execute(
            "SELECT attname FROM pg_catalog.pg_attribute WHERE attrelid = "
            "'public.tenants'::regclass "
            "AND attnum > 0 AND NOT attisdropped AND attgenerated = '' ORDER BY attnum"
        ).fetchall()
    ]
    _stream_as_text(
        src, dst, sql.Identifier("public", "tenants"), columns, sql.Identifier("id"), tenant
    )


def _copy_rows(
    src: psycopg.Connection, dst: psycopg.Connection, table: TenantTable, tenant: str
) -> None:
    columns = [c.name for c in table.insertable_columns]
    _stream_as_text(
        src, dst, table.identifier, columns, sql.Identifier(catalog.TENANT_COLUMN), tenant
    )


def _stream_as_text(
    src: psycopg.Connection,
    dst: psycopg.Connection,
    table: sql.Identifier,
    columns: list[str],
    tenant_column: sql.Identifier,
    tenant: str,
) -> None:
    """Rows travel as each column's text form and are parsed back by the same type on the target,
    exactly as COPY would (COPY FROM itself is refused on tables with forced row security).
    Python str parameters are sent untyped, so PostgreSQL casts them to the column's type."""
    select = sql.SQL("SELECT {} FROM {} WHERE {} = %s").format(
        sql.SQL(", ").join(sql.SQL("{}::text").format(sql.Identifier(c)) for c in columns),
        table,
        tenant_column,
    )
    insert = sql.SQL("INSERT INTO {} ({}) OVERRIDING SYSTEM VALUE VALUES ({})").format(
        table,
        sql.SQL(", ").join(sql.Identifier(c) for c in columns),
        sql.SQL(", ").join(sql.Placeholder() for _ in columns),
    )
    # A server-side cursor keeps memory flat however many rows the tenant has.
    with src.cursor(name="tenancy_migrate_data") as reader, dst.cursor() as writer:
        reader.execute(select, [tenant])
        while batch := reader.fetchmany(BATCH_ROWS):
            writer.executemany(insert, batch)


# --- after everything verified ------------------------------------------------------------------
def _record_export(
    src: psycopg.Connection, tables: list[TenantTable], tenant: str, report: DataMigrationReport
) -> None:
    """Verify the copy against the live source, still under the same freeze, then tell the source
    that this tenant has a verified copy: purge-tenant-data requires it and compares with it."""
    src.read_only = False
    src.isolation_level = None
    copied = {t.table: Fingerprint(t.rows, t.checksum) for t in report.tables}
    with src.transaction():
        # FOR SHARE: nobody unfreezes the tenant until this export is recorded.
        state = read_state(src, tenant, lock="FOR SHARE")
        if state.freeze_id != report.freeze_id or state.state == "open":
            raise NotFrozen(
                f"tenant '{tenant}' was unfrozen or re-frozen during the copy (freeze "
                f"{report.freeze_id}, now {state.state} {state.freeze_id}); nothing was recorded"
            )
        live = {t.display: catalog.fingerprint(src, t, tenant) for t in tables}
        differ = sorted(name for name in live if live[name] != copied.get(name))
        if differ:
            raise VerificationFailed(
                f"the live rows of tenant '{tenant}' differ from the copy in: {', '.join(differ)}"
            )
        existing = src.execute(
            "SELECT id FROM tenancy_ops.tenant_exports WHERE tenant_id = %s AND target = %s "
            "AND freeze_id = %s::uuid AND purged_at IS NULL ORDER BY id DESC LIMIT 1",
            [tenant, report.target, report.freeze_id],
        ).fetchone()
        if existing is not None:  # a re-run under the same freeze: the rows cannot have changed
            report.export_id = int(existing[0])
            return
        row = src.execute(
            "INSERT INTO tenancy_ops.tenant_exports "
            "(tenant_id, target, table_count, row_count, freeze_id) "
            "VALUES (%s, %s, %s, %s, %s::uuid) RETURNING id",
            [tenant, report.target, len(report.tables), report.total_rows, report.freeze_id],
        ).fetchone()
        assert row is not None  # INSERT ... RETURNING gives its row
        report.export_id = int(row[0])
        with src.cursor() as cur:
            cur.executemany(
                "INSERT INTO tenancy_ops.tenant_export_tables "
                "(export_id, table_name, row_count, checksum) VALUES (%s, %s, %s, %s)",
                [(report.export_id, name, f.rows, f.checksum) for name, f in live.items()],
            )
