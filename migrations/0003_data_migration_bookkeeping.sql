-- 0003: bookkeeping of `tenancy migrate-data` and `tenancy purge-tenant-data`.
--
-- It lives in its own schema: it is operator metadata, not tenant data, so it is not discovered
-- as tenant-owned, and tenancy_app has no privileges on it.

CREATE SCHEMA tenancy_ops;
REVOKE ALL ON SCHEMA tenancy_ops FROM PUBLIC;

-- On a target database: one row per tenant-owned table whose copy was committed and verified.
-- The copy of a table and its row here commit in one transaction, so a resumed run can trust it.
CREATE TABLE tenancy_ops.tenant_table_copies (
    tenant_id   text        NOT NULL,
    table_name  text        NOT NULL,
    row_count   bigint      NOT NULL,
    checksum    text        NOT NULL,
    source      text        NOT NULL,  -- user@host:port/dbname of the source, never a password
    verified_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, table_name)
);

-- On a source database: one row per completed and verified export of a tenant. purge-tenant-data
-- refuses to delete a tenant's rows without one that is older than the retention period.
CREATE TABLE tenancy_ops.tenant_exports (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id   text        NOT NULL,
    target      text        NOT NULL,  -- user@host:port/dbname of the target, never a password
    table_count integer     NOT NULL,
    row_count   bigint      NOT NULL,
    verified_at timestamptz NOT NULL DEFAULT now(),
    purged_at   timestamptz
);
CREATE INDEX tenant_exports_tenant_idx ON tenancy_ops.tenant_exports (tenant_id, verified_at);
