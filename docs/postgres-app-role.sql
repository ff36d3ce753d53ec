-- Line of Sight on PostgreSQL: the application's own role, which may add to the audit ledger and read it,
-- but never change or remove a row of it. The triggers already refuse UPDATE, DELETE and TRUNCATE; without
-- these privileges the application could not even drop the triggers to get round them.
--
-- Run it as the role that owns the schema (the one that ran `lineofsight init`), in the app's database:
--     psql "$OWNER_URL" -f docs/postgres-app-role.sql
-- then give the role a password and point the service at it:
--     ALTER ROLE lineofsight_app PASSWORD '...';
--     LINEOFSIGHT_DATABASE_URL=postgresql+psycopg://lineofsight_app:...@host:5432/db
-- Run `lineofsight init` (migrations) as the owner, never as lineofsight_app. After a migration that adds
-- tables, run this file again.
DO $$
DECLARE
    app text := 'lineofsight_app';
    schema_name text := current_schema();
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = app) THEN
        EXECUTE format('CREATE ROLE %I LOGIN', app);
    END IF;
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO %I', schema_name, app);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA %I TO %I', schema_name, app);
    EXECUTE format('GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA %I TO %I', schema_name, app);
    -- The ledger: append and read, nothing else.
    EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE ON %I.audit_event FROM %I', schema_name, app);
    -- The schema version: read it (every command checks it), never move it.
    EXECUTE format('REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON %I.alembic_version FROM %I', schema_name, app);
END
$$;
