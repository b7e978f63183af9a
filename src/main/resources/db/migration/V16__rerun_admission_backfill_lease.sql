-- Cascade reruns wait in the admission queue with the runs: a row of trigger_admission belongs to a ledger run
-- (run_id) or to a cascade rerun (rerun_id). Priorities: 0 ordinary triggers, 1 cascade reruns, 2 backfill starts.
ALTER TABLE trigger_admission DROP CONSTRAINT trigger_admission_pkey;
ALTER TABLE trigger_admission ALTER COLUMN run_id DROP NOT NULL;
ALTER TABLE trigger_admission ADD COLUMN rerun_id BIGINT REFERENCES trigger_rerun (id) ON DELETE CASCADE;
ALTER TABLE trigger_admission ADD CONSTRAINT trigger_admission_one_start CHECK ((run_id IS NULL) <> (rerun_id IS NULL));
CREATE UNIQUE INDEX trigger_admission_run ON trigger_admission (run_id);
CREATE UNIQUE INDEX trigger_admission_rerun ON trigger_admission (rerun_id);
UPDATE trigger_admission SET priority = 2 WHERE priority = 1;

-- A backfill is planned under a lease: the planner renews it while it reads Digdag's history; a backfill still
-- planning whose lease ran out (its replica died) is taken over and planned again by any replica. Planning commits
-- its plan and its starts in one transaction, so planning again is safe.
ALTER TABLE rule_backfill ADD COLUMN planner VARCHAR(40);
ALTER TABLE rule_backfill ADD COLUMN lease_until TIMESTAMP WITH TIME ZONE;
CREATE INDEX rule_backfill_planning ON rule_backfill (lease_until) WHERE state = 'planning';
