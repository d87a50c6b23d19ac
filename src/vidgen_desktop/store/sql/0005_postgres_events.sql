-- Vidgen job log on PostgreSQL: live events (part of schema revision 0005_remote_backend).
--
-- `vidgen db upgrade --remote` runs this for you; it is safe to run again.
--
-- 1. Every change to `jobs` and `processing_timeline` gets a number from the
--    sequence `vidgen_change_seq` in its `change_seq` column, so a feed that
--    was disconnected can re-read exactly the rows changed since.
-- 2. Every INSERT or UPDATE of those tables sends, at commit, a NOTIFY on the
--    channel `vidgen_events` with this JSON payload (the contract that the
--    LISTEN/NOTIFY feed and the Supabase Realtime feed both follow):
--
--      {"table": "jobs" | "processing_timeline",
--       "op": "INSERT" | "UPDATE",
--       "job_id": "<job uuid>",
--       "id": "<row id: the job's id, or the timeline step's id>",
--       "status": "<job status, or step status>",
--       "progress": <0..1>,
--       "step": "<job's current_step, or the step's name>" | null,
--       "updated_at": "<UTC, ISO 8601 ending in Z: jobs.updated_at, or the step's
--                      ended_at, else started_at>"}
--
-- The state-transition guard (`jobs_status_guard`, revision 0002) stays as it is.

CREATE SEQUENCE IF NOT EXISTS vidgen_change_seq;

CREATE OR REPLACE FUNCTION vidgen_stamp_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.change_seq := nextval('vidgen_change_seq');
    RETURN NEW;
END
$$;

CREATE OR REPLACE FUNCTION vidgen_utc(value timestamptz) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT to_char(value AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
$$;

CREATE OR REPLACE FUNCTION vidgen_notify_change() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    payload json;
BEGIN
    IF TG_TABLE_NAME = 'jobs' THEN
        payload := json_build_object(
            'table', 'jobs', 'op', TG_OP, 'job_id', NEW.id, 'id', NEW.id,
            'status', NEW.status, 'progress', NEW.progress, 'step', NEW.current_step,
            'updated_at', vidgen_utc(NEW.updated_at));
    ELSE
        payload := json_build_object(
            'table', 'processing_timeline', 'op', TG_OP, 'job_id', NEW.job_id, 'id', NEW.id,
            'status', NEW.status, 'progress', NEW.progress, 'step', NEW.step,
            'updated_at', vidgen_utc(COALESCE(NEW.ended_at, NEW.started_at)));
    END IF;
    PERFORM pg_notify('vidgen_events', payload::text);
    RETURN NULL;
END
$$;

DROP TRIGGER IF EXISTS jobs_change_seq ON jobs;
CREATE TRIGGER jobs_change_seq BEFORE INSERT OR UPDATE ON jobs
FOR EACH ROW EXECUTE FUNCTION vidgen_stamp_change();

DROP TRIGGER IF EXISTS processing_timeline_change_seq ON processing_timeline;
CREATE TRIGGER processing_timeline_change_seq BEFORE INSERT OR UPDATE ON processing_timeline
FOR EACH ROW EXECUTE FUNCTION vidgen_stamp_change();

DROP TRIGGER IF EXISTS jobs_notify ON jobs;
CREATE TRIGGER jobs_notify AFTER INSERT OR UPDATE ON jobs
FOR EACH ROW EXECUTE FUNCTION vidgen_notify_change();

DROP TRIGGER IF EXISTS processing_timeline_notify ON processing_timeline;
CREATE TRIGGER processing_timeline_notify AFTER INSERT OR UPDATE ON processing_timeline
FOR EACH ROW EXECUTE FUNCTION vidgen_notify_change();
