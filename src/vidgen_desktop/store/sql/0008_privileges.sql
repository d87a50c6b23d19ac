-- Vidgen on Supabase: take back what Supabase's default privileges hand out
-- (part of schema revision 0008_share_links; run again after procrastinate's
-- schema is applied, by the first `vidgen worker`).
--
-- A Supabase project's `postgres` role has default privileges that grant
-- ALL on every new table, sequence and function of the public schema to
-- `anon` (the public API key) and `authenticated` (any signed-in user).
-- Row level security (0005_supabase_setup.sql) limits which rows a SELECT
-- sees, but not TRUNCATE, and not procrastinate's tables, which have no
-- policies. So, for both roles, on Vidgen's and procrastinate's tables,
-- views, sequences and functions: everything is revoked, then only SELECT on
-- the job log is granted back to `authenticated` (row level security decides
-- which rows). No TRUNCATE, no INSERT/UPDATE/DELETE, no DDL (CREATE on the
-- schema), no procrastinate function (they are executable by PUBLIC by
-- default: that is revoked too). Writers (the desktop's replication and the
-- workers) connect as the tables' owner and keep every right.
--
-- Safe to run again; it does nothing where neither role exists.

DO $$
DECLARE
    ours text[] := ARRAY['jobs', 'elements', 'processing_timeline', 'storage_operations',
                         'url_access_logs', 'system_metrics', 'vidgen_outbox', 'alembic_version',
                         'processing_error_log', 'job_audit_log', 'api_keys', 'api_job_owners', 'tracked_links', 'job_summary', 'job_status_realtime', 'active_jobs', 'daily_job_stats',
                         'storage_performance'];
    readable text[] := ARRAY['jobs', 'elements', 'processing_timeline', 'storage_operations',
                             'url_access_logs', 'processing_error_log', 'job_audit_log',
                             'job_summary', 'job_status_realtime', 'active_jobs', 'daily_job_stats',
                             'storage_performance'];
    grantee text;
    item record;
BEGIN
    FOREACH grantee IN ARRAY ARRAY['anon', 'authenticated'] LOOP
        CONTINUE WHEN NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = grantee);
        FOR item IN
            SELECT c.oid::regclass AS name, c.relkind AS kind
            FROM pg_class c
            WHERE c.relnamespace = current_schema()::regnamespace
              AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
              AND (c.relname = ANY (ours)
                   OR starts_with(c.relname, 'procrastinate')
                   OR starts_with(c.relname, 'vidgen')
                   OR (c.relkind = 'S' AND EXISTS (
                       SELECT 1 FROM pg_depend d JOIN pg_class t ON t.oid = d.refobjid
                       WHERE d.objid = c.oid AND t.relname = ANY (ours))))
        LOOP
            IF item.kind = 'S' THEN
                EXECUTE 'REVOKE ALL ON SEQUENCE ' || item.name::text || ' FROM ' || quote_ident(grantee);
            ELSE
                EXECUTE 'REVOKE ALL ON TABLE ' || item.name::text || ' FROM ' || quote_ident(grantee);
            END IF;
        END LOOP;
        FOR item IN
            SELECT p.oid::regprocedure AS name FROM pg_proc p
            WHERE p.pronamespace = current_schema()::regnamespace
              AND (starts_with(p.proname, 'procrastinate') OR starts_with(p.proname, 'vidgen'))
        LOOP
            EXECUTE 'REVOKE ALL ON FUNCTION ' || item.name::text || ' FROM ' || quote_ident(grantee);
        END LOOP;
        EXECUTE 'REVOKE CREATE ON SCHEMA ' || quote_ident(current_schema()) || ' FROM ' || quote_ident(grantee);
    END LOOP;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname IN ('anon', 'authenticated')) THEN
        RETURN;
    END IF;
    FOR item IN
        SELECT p.oid::regprocedure AS name FROM pg_proc p
        WHERE p.pronamespace = current_schema()::regnamespace
          AND (starts_with(p.proname, 'procrastinate') OR starts_with(p.proname, 'vidgen'))
    LOOP
        EXECUTE 'REVOKE EXECUTE ON FUNCTION ' || item.name::text || ' FROM PUBLIC';
    END LOOP;
    EXECUTE 'REVOKE CREATE ON SCHEMA ' || quote_ident(current_schema()) || ' FROM PUBLIC';
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'authenticated') THEN
        FOR item IN
            SELECT c.oid::regclass AS name FROM pg_class c
            WHERE c.relnamespace = current_schema()::regnamespace AND c.relname = ANY (readable)
        LOOP
            EXECUTE 'GRANT SELECT ON TABLE ' || item.name::text || ' TO authenticated';
        END LOOP;
    END IF;
END
$$;
