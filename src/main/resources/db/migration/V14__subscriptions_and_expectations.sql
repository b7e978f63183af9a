-- Notifications (io.baton.notify): subscriptions to completion events and expectations (workflow SLAs), both owned
-- by a team, and the queue their messages wait in until Slack or a webhook took them.
CREATE TABLE subscription (
    name        VARCHAR(63) PRIMARY KEY,
    team        VARCHAR(63) NOT NULL,
    server      VARCHAR(255) NOT NULL,
    project     VARCHAR(255) NOT NULL,
    -- null: every workflow of the project
    workflow    VARCHAR(255),
    enabled     BOOLEAN NOT NULL,
    -- the subscription's JSON as stored (states, target, format, templates)
    definition  JSONB NOT NULL,
    created_at  TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
    updated_at  TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now()
);
CREATE INDEX subscription_match ON subscription (server, project, workflow);

CREATE TABLE expectation (
    name        VARCHAR(63) PRIMARY KEY,
    team        VARCHAR(63) NOT NULL,
    server      VARCHAR(255) NOT NULL,
    project     VARCHAR(255) NOT NULL,
    workflow    VARCHAR(255) NOT NULL,
    -- local time HH:mm[:ss] in zone: each expected session must have succeeded by its first occurrence at or after
    -- the session's scheduled run time
    by_time     VARCHAR(8) NOT NULL,
    zone        VARCHAR(64) NOT NULL,
    enabled     BOOLEAN NOT NULL,
    created_at  TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
    updated_at  TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now()
);

-- One row per session the workflow's Digdag schedule was seen to plan (its next slot, while enabled).
CREATE TABLE expectation_session (
    expectation_name VARCHAR(63) NOT NULL REFERENCES expectation (name) ON DELETE CASCADE,
    -- as Digdag writes it, e.g. 2026-11-24T00:00:00+09:00
    session_time     VARCHAR(40) NOT NULL,
    run_time         TIMESTAMP WITH TIME ZONE NOT NULL,
    due_at           TIMESTAMP WITH TIME ZONE NOT NULL,
    -- expected, succeeded, late, failed, not_started, recovered, not_expected, expired
    state            VARCHAR(16) NOT NULL,
    attempt_id       VARCHAR(64),
    updated_at       TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
    PRIMARY KEY (expectation_name, session_time)
);
CREATE INDEX expectation_session_open ON expectation_session (expectation_name)
    WHERE state IN ('expected', 'late', 'failed', 'not_started');

-- Messages waiting for (or sent to) Slack or a webhook. The unique key makes a subscription send at most one message
-- per workflow (or task), session and state, however often the event arrives.
CREATE TABLE notification_delivery (
    id                BIGSERIAL PRIMARY KEY,
    subscription_name VARCHAR(63) NOT NULL,
    dedup_key         VARCHAR(2400) NOT NULL,
    state             VARCHAR(16) NOT NULL,
    -- the message's variables ({project}, {workflow}, {task}, {session_time}, {error}, ...)
    variables         JSONB NOT NULL,
    -- pending, sent, grouped (sent inside a summary), dropped (its subscription was deleted), expired
    status            VARCHAR(16) NOT NULL DEFAULT 'pending',
    tries             INT NOT NULL DEFAULT 0,
    not_before        TIMESTAMP WITH TIME ZONE NOT NULL,
    created_at        TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
    sent_at           TIMESTAMP WITH TIME ZONE,
    last_error        VARCHAR(1000),
    UNIQUE (subscription_name, dedup_key)
);
CREATE INDEX notification_delivery_pending ON notification_delivery (subscription_name, not_before)
    WHERE status = 'pending';
CREATE INDEX notification_delivery_recent ON notification_delivery (subscription_name, created_at);
