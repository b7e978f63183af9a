-- Workflows whose task lists the watcher reads because a client waits for one of their tasks (GET .../wait), whatever
-- the rules reference. Shared by the replicas: the one that serves the wait is not always the one that polls Digdag.
CREATE TABLE wait_interest (
    -- server/project/workflow
    workflow_key      VARCHAR(1200) PRIMARY KEY,
    -- the end of the longest wait on the workflow; expired rows are ignored and then deleted
    expires_at        TIMESTAMP WITH TIME ZONE NOT NULL
);
