-- Session times of the trigger conditions, the trigger and rerun ledgers and the expected sessions as instants
-- (timestamptz) plus the offset Digdag wrote them with (seconds east of UTC, as Hibernate's @TimeZoneStorage(COLUMN)
-- maps an OffsetDateTime): the text Baton sends to Digdag and puts into event ids is written again from both, the
-- same as the text stored before. The unique keys hold per instant. A row whose text no parser reads (stored before
-- validation existed, e.g. year +1000000000) has neither and never starts: a pending one is failed here, with the
-- text in last_error (detail).

-- The offset of a session text in seconds: Z (and a date, taken at 00:00 UTC as session_instant(session, 'UTC')
-- takes it), or +HH:MM[:SS] at its end; null for what no parser reads.
CREATE FUNCTION session_offset(session TEXT) RETURNS INTEGER
    LANGUAGE plpgsql IMMUTABLE STRICT AS $$
DECLARE
    part TEXT[];
BEGIN
    IF session_instant(session, 'UTC') IS NULL THEN
        RETURN NULL;
    ELSIF session ~ 'Z$' OR session ~ '^\d{4}-\d{2}-\d{2}$' THEN
        RETURN 0;
    END IF;
    part := regexp_match(session, '([+-])(\d{2}):(\d{2})(:(\d{2}))?$');
    RETURN (CASE WHEN part[1] = '-' THEN -1 ELSE 1 END)
        * (part[2]::int * 3600 + part[3]::int * 60 + coalesce(part[5]::int, 0));
END $$;

UPDATE trigger_run SET state = 'failed', next_try_at = now(),
    last_error = 'the stored downstream session ''' || downstream_session || ''' is not a time Baton reads'
    WHERE state IN ('pending', 'starting') AND session_instant(downstream_session, 'UTC') IS NULL;
DELETE FROM trigger_admission a USING trigger_run r
    WHERE a.run_id = r.id AND session_instant(r.downstream_session, 'UTC') IS NULL;
UPDATE trigger_rerun SET state = 'failed', next_try_at = now(),
    detail = 'the stored downstream session ''' || downstream_session || ''' is not a time Baton reads'
    WHERE state IN ('pending', 'starting') AND session_instant(downstream_session, 'UTC') IS NULL;

-- The unique key (rule_name, downstream_session) now also serves range reads of a rule's runs.
DROP INDEX trigger_run_rule_session;
ALTER TABLE trigger_run DROP COLUMN downstream_session_at;
ALTER TABLE trigger_run ADD COLUMN downstream_session_offset INTEGER;
UPDATE trigger_run SET downstream_session_offset = session_offset(downstream_session);
ALTER TABLE trigger_run
    ALTER COLUMN downstream_session DROP NOT NULL,
    ALTER COLUMN downstream_session TYPE TIMESTAMPTZ USING session_instant(downstream_session, 'UTC');
COMMENT ON COLUMN trigger_run.downstream_session IS
    'the downstream session instant; null only for a row whose text no parser read (V17)';
COMMENT ON COLUMN trigger_run.downstream_session_offset IS
    'the offset of the rule''s correlation zone at the session, in seconds';

ALTER TABLE trigger_rerun ADD COLUMN downstream_session_offset INTEGER;
UPDATE trigger_rerun SET downstream_session_offset = session_offset(downstream_session);
ALTER TABLE trigger_rerun
    ALTER COLUMN downstream_session DROP NOT NULL,
    ALTER COLUMN downstream_session TYPE TIMESTAMPTZ USING session_instant(downstream_session, 'UTC');
COMMENT ON COLUMN trigger_rerun.downstream_session IS
    'the downstream session instant of the rule''s run; null only for a row whose text no parser read (V17)';
COMMENT ON COLUMN trigger_rerun.downstream_session_offset IS
    'the offset of the rule''s correlation zone at the session, in seconds';

-- upstream_session was the instant as ISO-8601 UTC text (the unique key); session_time the same time with its offset.
ALTER TABLE trigger_condition ADD COLUMN session_time_offset INTEGER;
UPDATE trigger_condition SET session_time_offset = session_offset(session_time);
ALTER TABLE trigger_condition
    ALTER COLUMN upstream_session DROP NOT NULL,
    ALTER COLUMN upstream_session TYPE TIMESTAMPTZ USING session_instant(upstream_session, 'UTC'),
    ALTER COLUMN session_time DROP NOT NULL,
    ALTER COLUMN session_time TYPE TIMESTAMPTZ USING session_instant(session_time, 'UTC');
COMMENT ON COLUMN trigger_condition.upstream_session IS
    'the upstream session instant; null only for a row whose text no parser read (V17)';
COMMENT ON COLUMN trigger_condition.session_time IS 'the upstream session time to the second, with session_time_offset';
COMMENT ON COLUMN trigger_condition.session_time_offset IS
    'the offset the upstream session time was written with, in seconds';

-- Written by SessionTimes.format from Digdag's schedule, so every row reads; the key holds per instant.
ALTER TABLE expectation_session ADD COLUMN session_time_offset INTEGER;
UPDATE expectation_session SET session_time_offset = session_offset(session_time);
ALTER TABLE expectation_session
    ALTER COLUMN session_time TYPE TIMESTAMPTZ USING session_instant(session_time, 'UTC'),
    ALTER COLUMN session_time_offset SET NOT NULL;
COMMENT ON COLUMN expectation_session.session_time IS
    'the session the schedule planned, with session_time_offset (seconds) as Digdag wrote it';
