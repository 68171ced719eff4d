"""What the database itself says about tenant data: which tables are tenant-owned (they have a
``tenant_id`` column), their columns, the foreign-key order between them, and per-table
fingerprints (row count + checksum) of one tenant's rows."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import psycopg
from psycopg import sql

from tenancy.db.errors import SchemaMismatch

TENANT_COLUMN = "tenant_id"
# Operator bookkeeping (tenancy_ops) carries tenant ids but is not tenant data.
EXCLUDED_SCHEMAS = ("pg_catalog", "information_schema", "pg_toast", "tenancy_ops")


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    generated: bool  # GENERATED ALWAYS AS (...) STORED: computed, never inserted


@dataclass(frozen=True)
class TenantTable:
    oid: int
    schema: str
    name: str
    columns: tuple[Column, ...]
    rls_enabled: bool
    rls_forced: bool

    @property
    def display(self) -> str:
        return self.name if self.schema == "public" else f"{self.schema}.{self.name}"

    @property
    def identifier(self) -> sql.Identifier:
        return sql.Identifier(self.schema, self.name)

    @property
    def insertable_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if not c.generated)


@dataclass(frozen=True)
class Fingerprint:
    rows: int
    checksum: str


def tenant_owned_tables(conn: psycopg.Connection) -> list[TenantTable]:
    """Every ordinary or partitioned table with a tenant_id column, sorted parents-first by the
    foreign keys between them."""
    rows = conn.execute(
        """
        SELECT c.oid, n.nspname, c.relname, c.relrowsecurity, c.relforcerowsecurity
        FROM pg_catalog.pg_class c
        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_catalog.pg_attribute a
          ON a.attrelid = c.oid AND a.attname = %s AND NOT a.attisdropped
        WHERE c.relkind IN ('r', 'p')
          AND NOT c.relispartition
          AND n.nspname <> ALL(%s)
          AND n.nspname NOT LIKE 'pg\\_%%'
        ORDER BY n.nspname, c.relname
        """,
        [TENANT_COLUMN, list(EXCLUDED_SCHEMAS)],
    ).fetchall()
    columns = _columns(conn, [row[0] for row in rows])
    tables = {
        oid: TenantTable(oid, schema, name, columns[oid], rls, forced)
        for oid, schema, name, rls, forced in rows
    }
    return _foreign_key_order(conn, tables)


def _columns(conn: psycopg.Connection, oids: list[int]) -> dict[int, tuple[Column, ...]]:
    """The columns of every table in ``oids``, in their order, from one catalog query."""
    rows = conn.execute(
        """
        SELECT attrelid, attname, pg_catalog.format_type(atttypid, atttypmod), attgenerated <> ''
        FROM pg_catalog.pg_attribute
        WHERE attrelid = ANY(%s::oid[]) AND attnum > 0 AND NOT attisdropped
        ORDER BY attrelid, attnum
        """,
        [oids],
    ).fetchall()
    columns: dict[int, list[Column]] = {oid: [] for oid in oids}
    for oid, *column in rows:
        columns[oid].append(Column(*column))
    return {oid: tuple(table_columns) for oid, table_columns in columns.items()}


def _foreign_key_order(
    conn: psycopg.Connection, tables: dict[int, TenantTable]
) -> list[TenantTable]:
    edges = conn.execute(
        "SELECT conrelid, confrelid FROM pg_catalog.pg_constraint WHERE contype = 'f'"
    ).fetchall()
    parents: dict[int, set[int]] = {oid: set() for oid in tables}
    for child, parent in edges:
        # Self-references are fine: a table's rows are copied in one statement batch.
        if child in tables and parent in tables and child != parent:
            parents[child].add(parent)
    ordered: list[TenantTable] = []
    remaining = dict(parents)
    while remaining:
        ready = sorted(
            (oid for oid, deps in remaining.items() if not deps & remaining.keys()),
            key=lambda oid: (tables[oid].schema, tables[oid].name),
        )
        if not ready:
            cycle = ", ".join(sorted(tables[oid].display for oid in remaining))
            raise SchemaMismatch(f"foreign keys between tenant-owned tables form a cycle: {cycle}")
        for oid in ready:
            ordered.append(tables[oid])
            del remaining[oid]
    return ordered


def has_migration_ledger(conn: psycopg.Connection) -> bool:
    """Whether the database has a schema_migrations table (``tenancy db migrate`` ran on it)."""
    exists = conn.execute("SELECT to_regclass('public.schema_migrations') IS NOT NULL").fetchone()
    return bool(exists and exists[0])


def schema_versions(conn: psycopg.Connection) -> dict[str, str] | None:
    """{version: checksum} from schema_migrations, or None when the database was never migrated."""
    if not has_migration_ledger(conn):
        return None
    rows = conn.execute("SELECT version, checksum FROM public.schema_migrations").fetchall()
    return dict(rows)


def fingerprint(conn: psycopg.Connection, table: TenantTable, tenant_id: str) -> Fingerprint:
    """Row count and an order-independent md5 over the text of every row of one tenant.

    Rows are hashed one by one and the hashes sorted (collation "C"), so both servers agree
    whatever their physical row order or locale."""
    row_text = sql.SQL("ROW({})::text").format(
        sql.SQL(", ").join(sql.Identifier(c.name) for c in table.columns)
    )
    query = sql.SQL(
        """
        SELECT count(*),
               md5(coalesce(string_agg(h, '' ORDER BY h COLLATE "C"), ''))
        FROM (SELECT md5({row_text}) AS h FROM {table} WHERE {tenant_column} = %s) AS rows
        """
    ).format(row_text=row_text, table=table.identifier, tenant_column=sql.Identifier(TENANT_COLUMN))
    row = conn.execute(query, [tenant_id]).fetchone()
    assert row is not None  # an aggregate without GROUP BY always gives one row
    count, checksum = row
    return Fingerprint(int(count), str(checksum))


def count_rows(conn: psycopg.Connection, table: TenantTable, tenant_id: str) -> int:
    query = sql.SQL("SELECT count(*) FROM {} WHERE {} = %s").format(
        table.identifier, sql.Identifier(TENANT_COLUMN)
    )
    row = conn.execute(query, [tenant_id]).fetchone()
    assert row is not None  # count(*) always gives one row
    return int(row[0])


def tables_by_name(tables: Iterable[TenantTable]) -> dict[str, TenantTable]:
    return {t.display: t for t in tables}
