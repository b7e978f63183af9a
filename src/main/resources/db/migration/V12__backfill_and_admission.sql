-- Admission control: one row per ledger run that asks to start a downstream attempt on a Digdag server. A row without
-- admitted_at waits in order (priority, then queued_at, then run id); one with admitted_at holds one of the server's
-- slots until the attempt it started ends (or the start came to nothing). Counted under an advisory lock per server.
CREATE TABLE trigger_admission (
    run_id            BIGINT PRIMARY KEY REFERENCES trigger_run (id) ON DELETE CASCADE,
    server            VARCHAR(100) NOT NULL,
    -- 0 ordinary triggers, 1 backfill starts: lower goes first
    priority          SMALLINT NOT NULL,
    queued_at         TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(),
    admitted_at       TIMESTAMP WITH TIME ZONE,
    -- the attempt the run started, while it runs
    attempt_id        VARCHAR(40)
);
CREATE INDEX trigger_admission_server ON trigger_admission (server, priority, queued_at, run_id);
CREATE INDEX trigger_admission_attempt ON trigger_admission (server, attempt_id);

-- Backfills of a rule over a date range: the plan (one decision per downstream session, JSON) and who asked. The
-- progress of the starts is read from the trigger ledger, where the backfill's runs are.
CREATE TABLE rule_backfill (
    id                BIGSERIAL PRIMARY KEY,
    rule_name         VARCHAR(100) NOT NULL,
    from_date         DATE NOT NULL,
    to_date           DATE NOT NULL,
    dry_run           BOOLEAN NOT NULL,
    -- planning (reading Digdag's history), planned (the plan is stored; starts, if any, are queued), failed
    state             VARCHAR(20) NOT NULL,
    requested_by      VARCHAR(200),
    created_at        TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
    planned_at        TIMESTAMP WITH TIME ZONE,
    requests          INT,
    plan              TEXT,
    error             TEXT
);
CREATE INDEX rule_backfill_rule ON rule_backfill (rule_name, id);
