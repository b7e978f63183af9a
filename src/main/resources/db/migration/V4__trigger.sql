-- Upstream conditions satisfied per rule and correlation key (e.g. a session date). One row per upstream session,
-- so the same event delivered twice is stored once.
CREATE TABLE trigger_condition (
    id                BIGSERIAL PRIMARY KEY,
    rule_name         VARCHAR(100) NOT NULL,
    correlation_key   VARCHAR(64) NOT NULL,
    upstream_id       VARCHAR(100) NOT NULL,
    -- the upstream session instant (ISO-8601 UTC); hourly upstreams have one row per hour
    upstream_session  VARCHAR(40) NOT NULL,
    -- the upstream session time as Digdag wrote it, with its offset
    session_time      VARCHAR(40) NOT NULL,
    event_id          VARCHAR(300) NOT NULL,
    attempt_id        VARCHAR(40),
    finished_at       TIMESTAMP WITH TIME ZONE NOT NULL,
    satisfied_at      TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
    UNIQUE (rule_name, correlation_key, upstream_id, upstream_session)
);

-- The trigger ledger: at most one row per rule and downstream session, committed before Digdag is called.
CREATE TABLE trigger_run (
    id                    BIGSERIAL PRIMARY KEY,
    rule_name             VARCHAR(100) NOT NULL,
    correlation_key       VARCHAR(64) NOT NULL,
    downstream_session    VARCHAR(40) NOT NULL,
    -- pending (Digdag not yet called or to be retried), started, already_existed, retried, failed
    state                 VARCHAR(20) NOT NULL,
    manual                BOOLEAN NOT NULL DEFAULT false,
    requested_by          VARCHAR(200),
    created_at            TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
    -- when the last upstream that completed the rule finished (start of the trigger latency)
    upstream_finished_at  TIMESTAMP WITH TIME ZONE,
    started_at            TIMESTAMP WITH TIME ZONE,
    attempt_id            VARCHAR(40),
    attempt_url           VARCHAR(1000),
    tries                 INT NOT NULL DEFAULT 0,
    next_try_at           TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
    last_error            TEXT,
    UNIQUE (rule_name, downstream_session)
);
CREATE INDEX trigger_run_pending ON trigger_run (next_try_at) WHERE state = 'pending';
CREATE INDEX trigger_run_rule_key ON trigger_run (rule_name, correlation_key);

-- Alerts raised once per rule, correlation key and kind (e.g. deadline_missed).
CREATE TABLE trigger_alert (
    rule_name         VARCHAR(100) NOT NULL,
    correlation_key   VARCHAR(64) NOT NULL,
    kind              VARCHAR(40) NOT NULL,
    raised_at         TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
    PRIMARY KEY (rule_name, correlation_key, kind)
);
