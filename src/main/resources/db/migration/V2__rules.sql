-- Dependency rules. The definition is the rule's JSON (io.baton.rules.Rule without version and audit fields);
-- name, team, enabled, upstreams and downstream are copies of it for filtering.
CREATE TABLE rules (
    id           BIGSERIAL PRIMARY KEY,
    name         VARCHAR(63) NOT NULL UNIQUE,
    team         VARCHAR(63) NOT NULL,
    description  TEXT,
    enabled      BOOLEAN NOT NULL,
    version      BIGINT NOT NULL,
    definition   JSONB NOT NULL,
    -- server/project/workflow of each Digdag upstream, event:<type> of each external one
    upstreams    VARCHAR[] NOT NULL,
    -- server/project/workflow of the action
    downstream   TEXT NOT NULL,
    created_by   VARCHAR(255) NOT NULL,
    created_at   TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_by   VARCHAR(255) NOT NULL,
    updated_at   TIMESTAMP WITH TIME ZONE NOT NULL
);
CREATE INDEX rules_team ON rules (team);
CREATE INDEX rules_downstream ON rules (downstream);
CREATE INDEX rules_upstreams ON rules USING GIN (upstreams);

-- Every change of a rule; kept after the rule is deleted.
CREATE TABLE rule_audit (
    id           BIGSERIAL PRIMARY KEY,
    rule_name    VARCHAR(63) NOT NULL,
    action       VARCHAR(16) NOT NULL,
    actor        VARCHAR(255) NOT NULL,
    at           TIMESTAMP WITH TIME ZONE NOT NULL,
    version      BIGINT,
    before       JSONB,
    after        JSONB
);
CREATE INDEX rule_audit_rule ON rule_audit (rule_name, id);
