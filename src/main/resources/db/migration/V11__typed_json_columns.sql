-- The watcher's memory of a followed attempt as JSON that PostgreSQL knows (mapped as typed fields: the attempt as
-- Digdag listed it, and task id -> state). Existing rows were written as JSON text, so they convert as they are.
-- event_outbox.data stays TEXT: it is the exact value sent to Kafka, which jsonb would re-order and re-space.
ALTER TABLE watch_attempt
    ALTER COLUMN attempt TYPE JSONB USING attempt::jsonb,
    ALTER COLUMN task_states TYPE JSONB USING task_states::jsonb;
COMMENT ON COLUMN watch_attempt.attempt IS 'the attempt as Digdag listed it last, for the session details of task events';
COMMENT ON COLUMN watch_attempt.task_states IS 'task id -> state, null until the tasks were first read';

-- The instant of a session as Baton stores it: a timestamp with offset ('2026-11-24T00:00:00+09:00', also without
-- seconds or with Z), or a date ('2026-11-24') taken at 00:00 in zone. Null for what no parser reads (a row stored
-- before validation existed), so such a row never falls into a range. Immutable: the text names its own offset, and
-- a date's zone is an argument.
CREATE FUNCTION session_instant(session TEXT, zone TEXT) RETURNS TIMESTAMPTZ
    LANGUAGE plpgsql IMMUTABLE STRICT AS $$
BEGIN
    IF session ~ '^\d{4}-\d{2}-\d{2}$' THEN
        RETURN session::date::timestamp AT TIME ZONE zone;
    ELSIF session ~ '^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}(:\d{2})?)$' THEN
        RETURN session::timestamptz;
    END IF;
    RETURN NULL;
EXCEPTION WHEN OTHERS THEN
    RETURN NULL;
END $$;

-- The downstream session as an instant, kept by PostgreSQL itself (every writer of downstream_session stays as it
-- is), so that GET /rules/{name}/runs selects a range and pages in SQL.
ALTER TABLE trigger_run ADD COLUMN downstream_session_at TIMESTAMPTZ
    GENERATED ALWAYS AS (session_instant(downstream_session, 'UTC')) STORED;
CREATE INDEX trigger_run_rule_session ON trigger_run (rule_name, downstream_session_at);
