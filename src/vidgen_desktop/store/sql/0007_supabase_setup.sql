-- Vidgen job log on Supabase, revision 0007_job_log_design: the error log,
-- the audit trail and the live-status view follow their job, as the tables of
-- 0005_supabase_setup.sql do (applied with it by `vidgen db upgrade --remote`
-- on a Supabase database; safe to run again).

ALTER TABLE processing_error_log ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS vidgen_processing_error_log_read ON processing_error_log;
CREATE POLICY vidgen_processing_error_log_read ON processing_error_log FOR SELECT TO authenticated
    USING (EXISTS (SELECT 1 FROM jobs WHERE jobs.id = processing_error_log.job_id));

ALTER TABLE job_audit_log ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS vidgen_job_audit_log_read ON job_audit_log;
CREATE POLICY vidgen_job_audit_log_read ON job_audit_log FOR SELECT TO authenticated
    USING (EXISTS (SELECT 1 FROM jobs WHERE jobs.id = job_audit_log.job_id));

ALTER VIEW job_status_realtime SET (security_invoker = true);

REVOKE ALL ON processing_error_log, job_audit_log, job_status_realtime FROM anon;
REVOKE ALL ON processing_error_log, job_audit_log, job_status_realtime FROM authenticated;
GRANT SELECT ON processing_error_log, job_audit_log, job_status_realtime TO authenticated;
