-- Transactional outbox: a row commits with the state change that caused it; the relay publishes it to Kafka.
CREATE TABLE event_outbox (
    seq          BIGSERIAL PRIMARY KEY,
    event_id     VARCHAR(200) NOT NULL UNIQUE,
    topic        VARCHAR(249) NOT NULL,
    record_key   VARCHAR(1000) NOT NULL,
    type         VARCHAR(200) NOT NULL,
    source       VARCHAR(1000) NOT NULL,
    subject      VARCHAR(2000),
    event_time   TIMESTAMP WITH TIME ZONE NOT NULL,
    data         TEXT NOT NULL,
    created_at   TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
    sent_at      TIMESTAMP WITH TIME ZONE
);
CREATE INDEX event_outbox_unsent ON event_outbox (seq) WHERE sent_at IS NULL;
CREATE INDEX event_outbox_sent_at ON event_outbox (sent_at) WHERE sent_at IS NOT NULL;
