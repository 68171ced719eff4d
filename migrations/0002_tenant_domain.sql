-- 0002: an example set of tenant-owned domain tables.
--
-- The pattern every tenant-owned table follows:
--   * tenant_id text NOT NULL, defaulting to the session's tenant;
--   * the primary key and every unique constraint start with tenant_id;
--   * foreign keys to other tenant-owned tables include tenant_id, so a row can only point at a
--     row of the same tenant (foreign-key checks bypass row-level security, this does not);
--   * row-level security ENABLED and FORCED with one policy for USING and WITH CHECK;
--   * privileges for tenancy_app, never ownership.
-- tests/db discovers tenant-owned tables from the catalog and fails for one that breaks this.

CREATE TABLE itineraries (
    tenant_id     text        NOT NULL DEFAULT NULLIF(current_setting('app.current_tenant', true), '')
                              REFERENCES tenants (id),
    id            uuid        NOT NULL DEFAULT gen_random_uuid(),
    owner_user_id uuid        NOT NULL,
    slug          text        NOT NULL,
    title         text        NOT NULL,
    starts_on     date,
    ends_on       date,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT itineraries_tenant_slug_key UNIQUE (tenant_id, slug),
    CONSTRAINT itineraries_dates_ordered CHECK (ends_on IS NULL OR starts_on IS NULL OR ends_on >= starts_on),
    FOREIGN KEY (tenant_id, owner_user_id) REFERENCES users (tenant_id, id)
);
CREATE INDEX itineraries_tenant_owner_idx ON itineraries (tenant_id, owner_user_id);

CREATE TABLE comments (
    tenant_id      text        NOT NULL DEFAULT NULLIF(current_setting('app.current_tenant', true), '')
                               REFERENCES tenants (id),
    id             uuid        NOT NULL DEFAULT gen_random_uuid(),
    itinerary_id   uuid        NOT NULL,
    author_user_id uuid        NOT NULL,
    body           text        NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, itinerary_id) REFERENCES itineraries (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, author_user_id) REFERENCES users (tenant_id, id)
);
CREATE INDEX comments_tenant_itinerary_idx ON comments (tenant_id, itinerary_id, created_at);

ALTER TABLE itineraries ENABLE ROW LEVEL SECURITY;
ALTER TABLE itineraries FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON itineraries
    USING (tenant_id = current_setting('app.current_tenant', true))
    WITH CHECK (tenant_id = current_setting('app.current_tenant', true));

ALTER TABLE comments ENABLE ROW LEVEL SECURITY;
ALTER TABLE comments FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON comments
    USING (tenant_id = current_setting('app.current_tenant', true))
    WITH CHECK (tenant_id = current_setting('app.current_tenant', true));

GRANT SELECT, INSERT, UPDATE, DELETE ON itineraries, comments TO tenancy_app;
