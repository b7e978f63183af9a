-- Watcher state per Digdag server: who polls it (lease) and how far it has read.
CREATE TABLE watch_server (
    server            VARCHAR(100) PRIMARY KEY,
    owner             VARCHAR(200),
    lease_until       TIMESTAMP WITH TIME ZONE,
    -- highest attempt id already seen; attempts above it are new
    high_water        BIGINT NOT NULL,
    started_at        TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now()
);

-- Attempts that were running when last seen, with the last known state of their tasks, so that a restart
-- reports what finished meanwhile.
CREATE TABLE watch_attempt (
    server            VARCHAR(100) NOT NULL,
    attempt_id        BIGINT NOT NULL,
    project           VARCHAR(500) NOT NULL,
    workflow          VARCHAR(500) NOT NULL,
    wants_tasks       BOOLEAN NOT NULL,
    -- the attempt as Digdag listed it last (JSON), for the session details of task events
    attempt           TEXT NOT NULL,
    -- JSON object task id -> state, null until the tasks were first read
    task_states       TEXT,
    last_change_at    TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (server, attempt_id)
);
