-- 0004: service logins are bound to the tenants they serve, and the app cannot choose a tier.
--
-- Row-level security compares rows with app.current_tenant, which any session may set. That is
-- right for the shared pool's login, which serves every free tenant and takes the tenant from the
-- verified Identity Platform token. A dedicated instance's login serves one tenant: it is bound
-- to it here, so even set_config('app.current_tenant', <another tenant>) reaches no other
-- tenant's row (a dedicated instance should hold none, but this is the second line of defence
-- if it ever does, e.g. a Free->Standard copy into the wrong database).
--
-- `tenancy db migrate --grant-app-role-to LOGIN --app-tenant ID` (or --all-tenants) records the
-- binding; the login itself has no privilege on tenancy_ops, so it cannot change it.

CREATE TABLE tenancy_ops.login_tenants (
    login     text NOT NULL,
    tenant_id text NOT NULL,  -- '*': every tenant of this database (shared pool, migration user)
    PRIMARY KEY (login, tenant_id)
);

-- The migration user (the owner) copies and purges any tenant's rows.
INSERT INTO tenancy_ops.login_tenants (login, tenant_id) VALUES (current_user, '*');

-- The check lives in its own schema: the app may call it but has no access to tenancy_ops.
CREATE SCHEMA tenancy_guard;
REVOKE ALL ON SCHEMA tenancy_guard FROM PUBLIC;
GRANT USAGE ON SCHEMA tenancy_guard TO tenancy_app;

-- session_user, not current_user: SET ROLE cannot change it (only a superuser can SET SESSION
-- AUTHORIZATION). SECURITY DEFINER reads the binding table the caller has no access to.
CREATE FUNCTION tenancy_guard.session_may_act_for(tenant text) RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT tenant IS NOT NULL AND EXISTS (
        SELECT 1 FROM tenancy_ops.login_tenants b
        WHERE b.login = session_user::text AND b.tenant_id IN (tenant, '*')
    )
$$;
REVOKE ALL ON FUNCTION tenancy_guard.session_may_act_for(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tenancy_guard.session_may_act_for(text) TO tenancy_app;

-- Every tenant_isolation policy gains the binding. The sub-select has no reference to the row, so
-- PostgreSQL evaluates it once per statement, not once per row.
DO $$
DECLARE
    p record;
    key text;
    rule text;
BEGIN
    FOR p IN
        SELECT c.relname
        FROM pg_catalog.pg_policy pol
        JOIN pg_catalog.pg_class c ON c.oid = pol.polrelid
        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND pol.polname = 'tenant_isolation'
    LOOP
        key := CASE WHEN p.relname = 'tenants' THEN 'id' ELSE 'tenant_id' END;
        rule := format(
            '%I = current_setting(''app.current_tenant'', true) AND '
            '(SELECT tenancy_guard.session_may_act_for(current_setting(''app.current_tenant'', true)))',
            key
        );
        EXECUTE format('ALTER POLICY tenant_isolation ON %I USING (%s) WITH CHECK (%s)',
                       p.relname, rule, rule);
    END LOOP;
END
$$;

-- Sign-up creates a tenant record but never chooses its tier: the tier mirrors the registry and
-- only the migration user (migrate-data) writes it. A new record is a free tenant.
ALTER TABLE tenants ALTER COLUMN tier SET DEFAULT 'free';
REVOKE INSERT ON tenants FROM tenancy_app;
GRANT INSERT (id, name) ON tenants TO tenancy_app;
