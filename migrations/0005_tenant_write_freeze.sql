-- 0005: the write freeze of a tenant whose data is being moved (Free -> Standard upgrade).
--
-- Each tenant record carries a write state:
--   open    the tenant's services may write (the default);
--   frozen  its data is being copied: every write of the services is refused, so nothing
--           changes under the copy and the copy can be verified against the live rows;
--   moved   it lives in another database now: writes here stay refused for good, so the rows
--           left behind are exactly what was exported until purge-tenant-data deletes them.
-- write_freeze_id names one freeze; it stays the same from 'frozen' to 'moved'. An export records
-- it, and the purge refuses unless the tenant is still under that same freeze (never unfrozen
-- since the export). See docs/lifecycle.md.
--
-- The database enforces it, not the services: restrictive row-level security policies on every
-- tenant-owned table (and on updates of the tenant record) call tenant_accepts_writes(), which
-- raises read_only_sql_transaction (SQLSTATE 25006) for a tenant that is not open. The policies
-- apply to tenancy_app, the role of every service login. The migration user is not a member of
-- it: it copies into a frozen dedicated database and purges a moved tenant.

ALTER TABLE tenants
    ADD COLUMN write_state       text        NOT NULL DEFAULT 'open',
    ADD COLUMN write_freeze_id   uuid,
    ADD COLUMN write_state_since timestamptz NOT NULL DEFAULT now(),
    ADD CONSTRAINT tenants_write_state_known CHECK (write_state IN ('open', 'frozen', 'moved')),
    ADD CONSTRAINT tenants_freeze_id_iff_not_open
        CHECK ((write_state = 'open') = (write_freeze_id IS NULL));

-- Sign-up inserts a tenant record, but never its write state (nor its tier: 0004).
REVOKE INSERT ON tenants FROM tenancy_app;
GRANT INSERT (id, name) ON tenants TO tenancy_app;

-- The migration user must not be bound by the freeze (and the function below would recurse).
DO $$
BEGIN
    IF pg_catalog.pg_has_role(current_user, 'tenancy_app', 'USAGE') THEN
        RAISE EXCEPTION 'the migration user % is a member of tenancy_app: revoke that first',
            current_user;
    END IF;
END
$$;

-- SECURITY DEFINER: services cannot lock the tenant record themselves (they may update only its
-- name), and the definer is not bound by the policies below. The row lock is what makes the
-- freeze exact: a freeze (an UPDATE of the record) waits for every write in flight, and a write
-- that starts during a freeze waits for it and then sees the new state.
CREATE FUNCTION public.tenant_accepts_writes() RETURNS boolean
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    tenant text := NULLIF(current_setting('app.current_tenant', true), '');
    state  text;
BEGIN
    IF tenant IS NULL THEN
        RETURN true;  -- the isolation policy already refuses a session without a tenant
    END IF;
    SELECT t.write_state INTO state FROM public.tenants AS t WHERE t.id = tenant FOR SHARE;
    IF state IS NULL OR state = 'open' THEN
        RETURN true;
    END IF;
    RAISE EXCEPTION 'tenant % is read-only: its data is being moved (write state %)', tenant, state
        USING ERRCODE = 'read_only_sql_transaction',
              HINT = 'retry later: the upgrade switches the tenant to its new database';
END
$$;
REVOKE ALL ON FUNCTION public.tenant_accepts_writes() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.tenant_accepts_writes() TO tenancy_app;

-- Every tenant-owned table gets the same three policies (a new table must add them too; tests/db
-- checks every table the catalog finds). Restrictive: they narrow the isolation policy, never widen.
CREATE POLICY tenant_write_freeze_insert ON users AS RESTRICTIVE FOR INSERT TO tenancy_app
    WITH CHECK (public.tenant_accepts_writes());
CREATE POLICY tenant_write_freeze_update ON users AS RESTRICTIVE FOR UPDATE TO tenancy_app
    USING (public.tenant_accepts_writes());
CREATE POLICY tenant_write_freeze_delete ON users AS RESTRICTIVE FOR DELETE TO tenancy_app
    USING (public.tenant_accepts_writes());

CREATE POLICY tenant_write_freeze_insert ON user_tenants AS RESTRICTIVE FOR INSERT TO tenancy_app
    WITH CHECK (public.tenant_accepts_writes());
CREATE POLICY tenant_write_freeze_update ON user_tenants AS RESTRICTIVE FOR UPDATE TO tenancy_app
    USING (public.tenant_accepts_writes());
CREATE POLICY tenant_write_freeze_delete ON user_tenants AS RESTRICTIVE FOR DELETE TO tenancy_app
    USING (public.tenant_accepts_writes());

CREATE POLICY tenant_write_freeze_insert ON itineraries AS RESTRICTIVE FOR INSERT TO tenancy_app
    WITH CHECK (public.tenant_accepts_writes());
CREATE POLICY tenant_write_freeze_update ON itineraries AS RESTRICTIVE FOR UPDATE TO tenancy_app
    USING (public.tenant_accepts_writes());
CREATE POLICY tenant_write_freeze_delete ON itineraries AS RESTRICTIVE FOR DELETE TO tenancy_app
    USING (public.tenant_accepts_writes());

CREATE POLICY tenant_write_freeze_insert ON comments AS RESTRICTIVE FOR INSERT TO tenancy_app
    WITH CHECK (public.tenant_accepts_writes());
CREATE POLICY tenant_write_freeze_update ON comments AS RESTRICTIVE FOR UPDATE TO tenancy_app
    USING (public.tenant_accepts_writes());
CREATE POLICY tenant_write_freeze_delete ON comments AS RESTRICTIVE FOR DELETE TO tenancy_app
    USING (public.tenant_accepts_writes());

-- The record itself: a rename during the copy would be lost too.
CREATE POLICY tenant_write_freeze_update ON tenants AS RESTRICTIVE FOR UPDATE TO tenancy_app
    USING (public.tenant_accepts_writes());

-- Exports remember the freeze they were taken under and each table's fingerprint, so the purge
-- can prove that what it deletes is exactly what was copied.
ALTER TABLE tenancy_ops.tenant_exports ADD COLUMN freeze_id uuid;

CREATE TABLE tenancy_ops.tenant_export_tables (
    export_id  bigint NOT NULL REFERENCES tenancy_ops.tenant_exports (id) ON DELETE CASCADE,
    table_name text   NOT NULL,
    row_count  bigint NOT NULL,
    checksum   text   NOT NULL,
    PRIMARY KEY (export_id, table_name)
);
