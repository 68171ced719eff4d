-- 0007: custom application roles for enterprise tenants (seed 002, "Enterprise Tier: custom roles
-- beyond the 4 standard ones").
--
-- A membership's role is still one of the four standard roles, or 'custom' naming one of its own
-- tenant's custom roles (custom_role). The foreign key includes tenant_id, so a membership can only
-- name a role of the same tenant (foreign-key checks bypass row-level security; this does not),
-- and a role in use cannot be deleted. Only an enterprise tenant may define roles: a trigger reads
-- the tenant's tier, which the services cannot write (0004), so a free or standard tenant cannot
-- make itself one. A custom role never carries the owner-only permissions.

CREATE TABLE tenant_roles (
    tenant_id   text         NOT NULL DEFAULT NULLIF(current_setting('app.current_tenant', true), '')
                             REFERENCES tenants (id),
    name        varchar(50)  NOT NULL,
    description varchar(300),
    permissions text[]       NOT NULL DEFAULT '{}',
    created_at  timestamptz  NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, name),
    CONSTRAINT tenant_roles_name_format CHECK (name ~ '^[a-z][a-z0-9_]{1,49}$'),
    CONSTRAINT tenant_roles_not_standard
        CHECK (name NOT IN ('owner', 'admin', 'member', 'readonly', 'custom')),
    CONSTRAINT tenant_roles_permissions_bounded CHECK (cardinality(permissions) <= 200),
    CONSTRAINT tenant_roles_permissions_format
        CHECK (array_to_string(permissions, ' ') ~ '^(tenant(:[a-z_]+)+( |$))*$'),
    -- Deleting the tenant and its billing stay the owner's (seed 002, "Permission Examples").
    CONSTRAINT tenant_roles_no_owner_permissions
        CHECK (NOT permissions && ARRAY['tenant:delete', 'tenant:billing:manage']::text[])
);

CREATE FUNCTION public.tenant_roles_require_enterprise() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    -- Read as the caller: a session that cannot see the tenant record is refused too.
    IF NOT EXISTS (
        SELECT 1 FROM public.tenants AS t WHERE t.id = NEW.tenant_id AND t.tier = 'enterprise'
    ) THEN
        RAISE EXCEPTION 'tenant % may not define custom roles: only enterprise tenants may',
            NEW.tenant_id
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION public.tenant_roles_require_enterprise() FROM PUBLIC;

-- AFTER: row-level security has judged the row first (its refusal is the one a cross-tenant
-- write sees).
CREATE TRIGGER tenant_roles_require_enterprise
    AFTER INSERT OR UPDATE ON tenant_roles
    FOR EACH ROW EXECUTE FUNCTION public.tenant_roles_require_enterprise();

ALTER TABLE user_tenants
    ADD COLUMN custom_role varchar(50),
    DROP CONSTRAINT user_tenants_role_known,
    ADD CONSTRAINT user_tenants_role_known CHECK (
        (role IN ('owner', 'admin', 'member', 'readonly') AND custom_role IS NULL)
        OR (role = 'custom' AND custom_role IS NOT NULL)
    ),
    ADD CONSTRAINT user_tenants_custom_role_fkey
        FOREIGN KEY (tenant_id, custom_role) REFERENCES tenant_roles (tenant_id, name);
CREATE INDEX user_tenants_tenant_custom_role_idx ON user_tenants (tenant_id, custom_role)
    WHERE custom_role IS NOT NULL;

-- Row-level security as on every tenant-owned table: the tenant setting and the login's binding
-- (0004), and the write freeze (0005).
ALTER TABLE tenant_roles ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenant_roles FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON tenant_roles
    USING (tenant_id = current_setting('app.current_tenant', true)
           AND (SELECT tenancy_guard.session_may_act_for(current_setting('app.current_tenant', true))))
    WITH CHECK (tenant_id = current_setting('app.current_tenant', true)
           AND (SELECT tenancy_guard.session_may_act_for(current_setting('app.current_tenant', true))));

CREATE POLICY tenant_write_freeze_insert ON tenant_roles AS RESTRICTIVE FOR INSERT TO tenancy_app
    WITH CHECK (public.tenant_accepts_writes());
CREATE POLICY tenant_write_freeze_update ON tenant_roles AS RESTRICTIVE FOR UPDATE TO tenancy_app
    USING (public.tenant_accepts_writes());
CREATE POLICY tenant_write_freeze_delete ON tenant_roles AS RESTRICTIVE FOR DELETE TO tenancy_app
    USING (public.tenant_accepts_writes());

GRANT SELECT, INSERT, UPDATE, DELETE ON tenant_roles TO tenancy_app;
