-- A run being started is in state 'starting' with next_try_at as its lease: Digdag is called outside any transaction,
-- and a run whose lease ran out (its replica crashed between claim and record) is due again.
DROP INDEX trigger_run_pending;
CREATE INDEX trigger_run_due ON trigger_run (next_try_at) WHERE state IN ('pending', 'starting');

-- A rule whose evaluation of an event failed (e.g. a stored value that cannot be computed with), recorded for that
-- rule alone so that the other rules still see the event. Once per rule and event.
CREATE TABLE trigger_error (
    id                BIGSERIAL PRIMARY KEY,
    rule_name         VARCHAR(100) NOT NULL,
    -- null when even the correlation key could not be computed
    correlation_key   VARCHAR(64),
    -- the upstream session as the event gave it (a timestamp with offset, or a date)
    upstream_session  VARCHAR(40) NOT NULL,
    event_id          VARCHAR(300) NOT NULL,
    error             TEXT NOT NULL,
    failed_at         TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
    UNIQUE (rule_name, event_id)
);
CREATE INDEX trigger_error_rule_key ON trigger_error (rule_name, correlation_key);
