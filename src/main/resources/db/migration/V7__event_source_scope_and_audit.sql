-- External events live in their own id space: an event is identified by its source and id (as CloudEvents defines),
-- so an external event can never take the id of an event Baton derives from Digdag (source: the server's URL).
ALTER TABLE event_outbox DROP CONSTRAINT event_outbox_event_id_key;
ALTER TABLE event_outbox ADD CONSTRAINT event_outbox_source_event_id_key UNIQUE (source, event_id);

-- Who acted on a team's work through Baton: every Digdag start and retry, manual fire and external event.
CREATE TABLE caller_audit (
    id          BIGSERIAL PRIMARY KEY,
    -- start, retry, fire, event
    action      VARCHAR(16) NOT NULL,
    actor       VARCHAR(255) NOT NULL,
    -- the caller's team claim, null for none
    team        VARCHAR(255),
    -- server/project/workflow (start, retry), the rule (fire), the event's source (event)
    target      VARCHAR(1000) NOT NULL,
    session     VARCHAR(40),
    -- the attempt id (start, retry), the trigger run id (fire), the event's type and id (event)
    reference   VARCHAR(1000),
    at          TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now()
);
CREATE INDEX caller_audit_at ON caller_audit (at);
CREATE INDEX caller_audit_actor ON caller_audit (actor, at);
