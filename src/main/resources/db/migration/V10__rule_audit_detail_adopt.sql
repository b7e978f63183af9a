-- What a rule change did outside Baton, e.g. the Digdag schedule an adopt disabled: {"scheduleId":"3", ...}.
ALTER TABLE rule_audit ADD COLUMN detail JSONB;
