-- Why a pending run waits instead of starting (dependsOnPast: the previous downstream session has not succeeded in
-- Digdag yet); null when nothing holds it back. Rules keep condition, filter and dependsOnPast in their JSON definition.
ALTER TABLE trigger_run ADD COLUMN held_back TEXT;
