-- 0008: direct database access for an enterprise tenant (issue 16): a login of the tenant's own,
-- its own grants, row-level security still enforced.
--
-- The tenant's people sign in with Cloud SQL IAM database authentication as members of the
-- tenant's Google group: Cloud SQL keeps one role for the group and one login per member, a
-- member of the group's role. `tenancy db migrate --grant-direct-role-to GROUP --direct-tenant ID`
-- makes the group's role a member of tenancy_readonly (or of tenancy_app with --direct-writes)
-- and binds it to the tenant, after refusing it if it could escalate (as for service logins).
--
-- Binding a group must bind its members: session_may_act_for (0004) also accepts a session
-- user that is a member of a bound role. Membership is only granted by roles with CREATEROLE or
-- ADMIN OPTION, which no tenant login has (0004's checks refuse them).

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'tenancy_readonly') THEN
        CREATE ROLE tenancy_readonly NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS
            INHERIT;
    END IF;
END
$$;

GRANT USAGE ON SCHEMA public TO tenancy_readonly;
GRANT USAGE ON SCHEMA tenancy_guard TO tenancy_readonly;
GRANT SELECT ON tenants, users, user_tenants, itineraries, comments, tenant_roles
    TO tenancy_readonly;
GRANT EXECUTE ON FUNCTION tenancy_guard.session_may_act_for(text) TO tenancy_readonly;

CREATE OR REPLACE FUNCTION tenancy_guard.session_may_act_for(tenant text) RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT tenant IS NOT NULL AND EXISTS (
        SELECT 1
        FROM tenancy_ops.login_tenants b
        JOIN pg_catalog.pg_roles r ON r.rolname = b.login
        WHERE b.tenant_id IN (tenant, '*')
          AND (r.rolname = session_user::text OR pg_has_role(session_user, r.oid, 'MEMBER'))
    )
$$;
REVOKE ALL ON FUNCTION tenancy_guard.session_may_act_for(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tenancy_guard.session_may_act_for(text) TO tenancy_app, tenancy_readonly;
