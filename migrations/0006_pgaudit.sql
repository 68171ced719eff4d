-- 0006: the pgAudit extension, so that the statements pgaudit.log names are written to the
-- database log (and from there to Cloud Logging) with the login that ran them.
--
-- Cloud SQL (https://cloud.google.com/sql/docs/postgres/pg-audit): three steps, in this order:
--   1. the instance flag cloudsql.enable_pgaudit=on, which loads the library at server start;
--   2. CREATE EXTENSION pgaudit in the database, as a member of cloudsqlsuperuser (Cloud SQL
--      lets that role create extensions that need a superuser:
--      https://cloud.google.com/sql/docs/postgres/users); the migration user is a built-in user,
--      which is such a member. Cloud SQL does not create the extension through Terraform (nor
--      Pulumi), hence this migration;
--   3. the instance flag pgaudit.log (its default is none: nothing is logged).
-- The flags are set on the instances by the stack (components/blocks/postgres_set.py).
--
-- On Cloud SQL (recognised by its cloudsqlsuperuser role) a failure is an error: an instance
-- without the flag must not pass for audited. Elsewhere (a developer's PostgreSQL, the tests'
-- server) the library may be missing or not preloaded: the migration then says so in a NOTICE
-- and creates nothing; it is recorded as applied like any other.
DO $$
DECLARE
    on_cloud_sql constant boolean :=
        EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'cloudsqlsuperuser');
BEGIN
    IF on_cloud_sql THEN
        BEGIN
            CREATE EXTENSION IF NOT EXISTS pgaudit;
        EXCEPTION WHEN OTHERS THEN
            RAISE EXCEPTION 'cannot create the pgaudit extension on Cloud SQL: %', SQLERRM
                USING HINT = 'set the instance flag cloudsql.enable_pgaudit=on (it restarts '
                    'the instance), then run the migrations again as a member of '
                    'cloudsqlsuperuser';
        END;
    ELSIF NOT EXISTS (SELECT FROM pg_catalog.pg_available_extensions WHERE name = 'pgaudit') THEN
        RAISE NOTICE 'pgaudit not created: the library is not installed on this server';
    ELSE
        BEGIN
            CREATE EXTENSION IF NOT EXISTS pgaudit;
        EXCEPTION WHEN OTHERS THEN
            RAISE NOTICE 'pgaudit not created: %', SQLERRM;
        END;
    END IF;
END
$$;
