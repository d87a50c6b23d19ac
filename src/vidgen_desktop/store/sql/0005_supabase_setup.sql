-- Vidgen job log on Supabase: who may read what, and live updates
-- (part of schema revision 0005_remote_backend).
--
-- `vidgen db upgrade --remote` runs this by itself when the database is a
-- Supabase one (it has the function auth.uid()); a team may also run it once
-- by hand, after the schema (it is safe to run again).
--
-- Reading, for signed-in designers (the `authenticated` role):
--   * a job is visible to its owner (jobs.owner_id = auth.uid()) and, when it
--     has a team, to everyone whose JWT carries that team in
--     app_metadata.team_id (app_metadata is set by the team's admin; designers
--     cannot change it);
--   * elements, timeline steps, storage operations and link logs follow their
--     job (their policy asks whether the job is visible);
--   * the report views run with the reader's rights (security_invoker), so
--     they count only visible jobs.
-- The `anon` role reads nothing. Writers (the desktop's replication and the
-- render workers) connect with the database URL as the tables' owner, which
-- row level security does not restrict.

ALTER TABLE jobs ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS vidgen_jobs_read ON jobs;
CREATE POLICY vidgen_jobs_read ON jobs FOR SELECT TO authenticated
    USING (
        owner_id = (SELECT auth.uid())
        OR (team_id IS NOT NULL
            AND team_id = (SELECT auth.jwt() -> 'app_metadata' ->> 'team_id'))
    );

ALTER TABLE elements ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS vidgen_elements_read ON elements;
CREATE POLICY vidgen_elements_read ON elements FOR SELECT TO authenticated
    USING (EXISTS (SELECT 1 FROM jobs WHERE jobs.id = elements.job_id));

ALTER TABLE processing_timeline ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS vidgen_processing_timeline_read ON processing_timeline;
CREATE POLICY vidgen_processing_timeline_read ON processing_timeline FOR SELECT TO authenticated
    USING (EXISTS (SELECT 1 FROM jobs WHERE jobs.id = processing_timeline.job_id));

ALTER TABLE storage_operations ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS vidgen_storage_operations_read ON storage_operations;
CREATE POLICY vidgen_storage_operations_read ON storage_operations FOR SELECT TO authenticated
    USING (EXISTS (SELECT 1 FROM jobs WHERE jobs.id = storage_operations.job_id));

ALTER TABLE url_access_logs ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS vidgen_url_access_logs_read ON url_access_logs;
CREATE POLICY vidgen_url_access_logs_read ON url_access_logs FOR SELECT TO authenticated
    USING (EXISTS (SELECT 1 FROM jobs WHERE jobs.id = url_access_logs.job_id));

-- Only the workers and the desktop's replication (table owners) use these.
ALTER TABLE system_metrics ENABLE ROW LEVEL SECURITY;
ALTER TABLE vidgen_outbox ENABLE ROW LEVEL SECURITY;

ALTER VIEW job_summary SET (security_invoker = true);
ALTER VIEW active_jobs SET (security_invoker = true);
ALTER VIEW daily_job_stats SET (security_invoker = true);
ALTER VIEW storage_performance SET (security_invoker = true);

REVOKE ALL ON jobs, elements, processing_timeline, storage_operations, url_access_logs,
    system_metrics, vidgen_outbox, alembic_version FROM anon;
REVOKE ALL ON job_summary, active_jobs, daily_job_stats, storage_performance FROM anon;
GRANT SELECT ON jobs, elements, processing_timeline, storage_operations, url_access_logs
    TO authenticated;
GRANT SELECT ON job_summary, active_jobs, daily_job_stats, storage_performance TO authenticated;

-- Supabase Realtime (postgres_changes) streams only the tables in this publication.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_publication
               WHERE pubname = 'supabase_realtime' AND NOT puballtables) THEN
        IF NOT EXISTS (SELECT 1 FROM pg_publication_tables
                       WHERE pubname = 'supabase_realtime' AND tablename = 'jobs'
                         AND schemaname = current_schema()) THEN
            ALTER PUBLICATION supabase_realtime ADD TABLE jobs;
        END IF;
        IF NOT EXISTS (SELECT 1 FROM pg_publication_tables
                       WHERE pubname = 'supabase_realtime' AND tablename = 'processing_timeline'
                         AND schemaname = current_schema()) THEN
            ALTER PUBLICATION supabase_realtime ADD TABLE processing_timeline;
        END IF;
    END IF;
END
$$;
