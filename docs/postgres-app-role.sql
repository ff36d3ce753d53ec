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
--
-- What the database enforces for lineofsight_app (tests/integration/test_postgres_role.py runs this file
-- and checks each line):
--   * It cannot UPDATE, DELETE or TRUNCATE audit_event: it holds no such privilege, and the table's
--     triggers refuse those statements anyway.
--   * It cannot get round the triggers: only the table's owner may disable or drop them, and only a
--     superuser (or a role granted SET on it) may set session_replication_role = replica.
--   * It can INSERT into audit_event only the row that continues the chain: seq one more than the last
--     row's, prev_hash the last row's hash (the genesis hash, 64 zeros, on an empty ledger), hash the
--     SHA-256 of the body, and a body that starts with the row's own columns (migration 0007). A junk row
--     (seq 0, a made-up link) is refused, so it can never make `audit verify` fail for ever.
--   * It cannot move the schema version (alembic_version).
-- What it does NOT stop: lineofsight_app (or whoever holds its password) can append a well-formed event
-- that says something untrue, and can change the plan's own tables as the service does. The ledger proves
-- that nothing written to it was later changed, reordered or removed; it cannot prove that what was
-- written was true. The schema's owner and superusers are bound by none of the above: they can disable the
-- triggers (or SET LOCAL session_replication_role = replica) and edit the ledger; `lineofsight audit
-- verify`, and `audit verify --head SEQ:HASH` against a head kept elsewhere, still finds such an edit.
-- `lineofsight doctor` warns ("ledger role") when the service connects as a role that could bypass the
-- triggers: a superuser, a REPLICATION role, a member of the table's owner, or a role allowed to set
-- session_replication_role.
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
