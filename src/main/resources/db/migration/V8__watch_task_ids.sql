-- When the attempt at high_water was created (Digdag's time): once a server's attempt ids start again (restarted on
-- an empty database, rebuilt, restored), its attempts created since then are new. Existing rows take the time of
-- the upgrade: what the old server showed before it has been read.
ALTER TABLE watch_server ADD COLUMN high_water_at TIMESTAMP WITH TIME ZONE;
UPDATE watch_server SET high_water_at = now() WHERE high_water > 0;

-- task_states names tasks by Digdag's task id (a retried group repeats full names). Rows written before keep full
-- names until their attempt next changes; the watcher reads both.
COMMENT ON COLUMN watch_attempt.task_states IS 'JSON object task id -> state, null until the tasks were first read';
