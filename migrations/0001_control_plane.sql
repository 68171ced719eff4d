-- 0001: control plane (seed 002) and the application role.
--
-- Tenant ids are the registry's slugs (tenants/<id>.yaml): the same value names the tenant's
-- Kubernetes namespace, Temporal namespace and Identity Platform tenant, and it is the value of
-- the app.current_tenant setting that row-level security compares against. So tenants.id is
-- that slug, as text, rather than a surrogate UUID (see docs/data-isolation.md).
--
-- Users mirror Identity Platform users. With Identity Platform multi-tenancy every user lives in
-- exactly one tenant's pool (the same email in two tenants is two accounts with two uids), so
-- users is tenant-owned too.

-- Roles are cluster-wide: another database on the same server may have created it already.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'tenancy_app') THEN
        -- A group role: services log in as their own users and are granted membership.
        CREATE ROLE tenancy_app NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS INHERIT;
    END IF;
END
$$;

GRANT USAGE ON SCHEMA public TO tenancy_app;

CREATE TABLE tenants (
    id         text        PRIMARY KEY,
    name       varchar(255) NOT NULL,
    tier       varchar(20) NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT tenants_id_is_registry_slug CHECK (
        char_length(id) BETWEEN 4 AND 20
        AND id ~ '^[a-z][a-z0-9-]*[a-z0-9]$'
        AND position('--' IN id) = 0
    ),
    CONSTRAINT tenants_tier_known CHECK (tier IN ('free', 'standard', 'enterprise'))
);

CREATE TABLE users (
    tenant_id    text         NOT NULL DEFAULT NULLIF(current_setting('app.current_tenant', true), '')
                              REFERENCES tenants (id),
    id           uuid         NOT NULL DEFAULT gen_random_uuid(),
    firebase_uid varchar(128) NOT NULL,
    email        varchar(255) NOT NULL,
    created_at   timestamptz  NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT users_tenant_firebase_uid_key UNIQUE (tenant_id, firebase_uid)
);
CREATE UNIQUE INDEX users_tenant_email_key ON users (tenant_id, lower(email));

CREATE TABLE user_tenants (
    tenant_id  text        NOT NULL DEFAULT NULLIF(current_setting('app.current_tenant', true), '')
                           REFERENCES tenants (id),
    id         uuid        NOT NULL DEFAULT gen_random_uuid(),
    user_id    uuid        NOT NULL,
    role       varchar(50) NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT user_tenants_tenant_user_key UNIQUE (tenant_id, user_id),
    CONSTRAINT user_tenants_role_known CHECK (role IN ('owner', 'admin', 'member', 'readonly')),
    -- tenant_id is part of the key, so a membership can only name a user of the same tenant.
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);

-- Row-level security. FORCE makes the policies bind the table owner (the migration user) too;
-- only superusers and BYPASSRLS roles skip them, and neither is used by the platform.
-- current_setting(..., true) is NULL when the setting was never made and '' after a SET LOCAL
-- has ended: neither equals any tenant id, so a session without a tenant sees and writes nothing.
ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenants FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON tenants
    USING (id = current_setting('app.current_tenant', true))
    WITH CHECK (id = current_setting('app.current_tenant', true));

ALTER TABLE users ENABLE ROW LEVEL SECURITY;
ALTER TABLE users FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON users
    USING (tenant_id = current_setting('app.current_tenant', true))
    WITH CHECK (tenant_id = current_setting('app.current_tenant', true));

ALTER TABLE user_tenants ENABLE ROW LEVEL SECURITY;
ALTER TABLE user_tenants FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON user_tenants
    USING (tenant_id = current_setting('app.current_tenant', true))
    WITH CHECK (tenant_id = current_setting('app.current_tenant', true));

-- Sign-up creates the tenant record through the application (within that tenant's context, so
-- the policy above applies). The tier mirrors the registry and deleting a tenant is an operator
-- task, so neither is granted here.
GRANT SELECT, INSERT, UPDATE (name) ON tenants TO tenancy_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON users, user_tenants TO tenancy_app;
