package io.baton.events;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/** Kafka topics Baton publishes to and how the outbox relay drains. */
@ConfigMapping(prefix = "baton.events")
public interface EventsConfig {

    /** Topic of Digdag completion events (and external events accepted over REST). */
    @WithDefault("baton.digdag.events")
    String topic();

    /** Topic of trigger outcomes (fired, already-existed, failed, retried). */
    @WithDefault("baton.triggers")
    String triggersTopic();

    /** Topic of alerts such as missed deadlines. */
    @WithDefault("baton.alerts")
    String alertsTopic();

    /**
     * Topic of events the trigger engine could not process at all (unreadable, or failing for a reason no retry
     * changes), with the reason in the {@code dead-letter-reason} header.
     */
    @WithDefault("baton.digdag.events.dlq")
    String deadLetterTopic();

    /** CloudEvents source of events Baton itself originates (triggers, alerts). */
    @WithDefault("urn:baton")
    String source();

    Relay relay();

    interface Relay {
        /** How often the relay looks for unsent outbox rows. */
        @WithDefault("200ms")
        Duration interval();

        /** Rows published per relay round. */
        @WithDefault("500")
        int batchSize();

        /** How long one round waits for Kafka's acknowledgements before leaving the rest for the next round. */
        @WithDefault("20s")
        Duration sendTimeout();

        /** How long published rows stay in the outbox (for inspection) before they are deleted. */
        @WithDefault("P1D")
        Duration retention();
    }
}
