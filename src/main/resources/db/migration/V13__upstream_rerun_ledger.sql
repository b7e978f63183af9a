-- Upstream re-runs seen after a rule fired (the rule's onUpstreamRerun, kept in its JSON definition; rules stored
-- before it mean 'ignore'). One row per rule, correlation key and new upstream attempt, claimed like trigger_run, so
-- each new upstream attempt notifies or re-runs the downstream session once, whichever replica sees it and after
-- crashes.
CREATE TABLE trigger_rerun (
    id                    BIGSERIAL PRIMARY KEY,
    rule_name             VARCHAR(100) NOT NULL,
    correlation_key       VARCHAR(64) NOT NULL,
    -- the downstream session of the rule's run, with the offset of the rule's correlation zone
    downstream_session    VARCHAR(40) NOT NULL,
    upstream_id           VARCHAR(100) NOT NULL,
    -- server/project/workflow[/task] of the upstream that ran again
    upstream_subject      VARCHAR(700) NOT NULL,
    -- server/sessionUuid/attempts/attemptId: Digdag's attempt ids are unique per server database only
    upstream_attempt      VARCHAR(300) NOT NULL,
    upstream_attempt_id   VARCHAR(40) NOT NULL,
    -- the attempt that had satisfied the rule before
    previous_attempt_id   VARCHAR(40),
    upstream_finished_at  TIMESTAMP WITH TIME ZONE NOT NULL,
    -- notify or rerun: the rule's onUpstreamRerun when the re-run was seen
    action                VARCHAR(10) NOT NULL,
    -- notified (notify); pending, starting, started, coalesced, skipped, failed (rerun)
    state                 VARCHAR(20) NOT NULL,
    created_at            TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
    tries                 INT NOT NULL DEFAULT 0,
    -- when a pending rerun is due; for a starting one, the end of its lease
    next_try_at           TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
    started_at            TIMESTAMP WITH TIME ZONE,
    attempt_id            VARCHAR(40),
    attempt_url           VARCHAR(1000),
    -- why a pending rerun waits, or why it was skipped or failed
    detail                TEXT,
    UNIQUE (rule_name, correlation_key, upstream_attempt)
);
CREATE INDEX trigger_rerun_due ON trigger_rerun (next_try_at) WHERE state IN ('pending', 'starting');
CREATE INDEX trigger_rerun_rule_key ON trigger_rerun (rule_name, correlation_key);
