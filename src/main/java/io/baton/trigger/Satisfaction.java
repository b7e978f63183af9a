package io.baton.trigger;

import io.baton.rules.Rule;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;

/**
 * What an event asks of one rule: record that it satisfies an upstream for a correlation key, then see whether the
 * rule may fire.
 *
 * @param sessionTime the upstream session the event belongs to, as the rule's correlation reads it
 */
record Satisfaction(Rule rule, String key, String upstreamId, OffsetDateTime sessionTime, UpstreamEvent event) {

    /** A rule and correlation key: what one advisory lock serializes. */
    record RuleKey(String rule, String key) {
    }

    /** What makes a condition unique (the table's unique key): the same upstream session is recorded once. */
    record ConditionKey(String rule, String key, String upstreamId, Instant upstreamSession) {
    }

    static Satisfaction of(Rule rule, String upstreamId, UpstreamEvent event) {
        OffsetDateTime sessionTime = event.sessionTimeIn(rule.correlation());
        return new Satisfaction(rule, rule.correlation().key(sessionTime), upstreamId, sessionTime, event);
    }

    RuleKey ruleKey() {
        return new RuleKey(rule.name(), key);
    }

    ConditionKey conditionKey() {
        return new ConditionKey(rule.name(), key, upstreamId, upstreamSession());
    }

    /** The upstream session instant, as the condition stores it. */
    Instant upstreamSession() {
        return stored(sessionTime.toInstant());
    }

    /** An instant as a timestamptz holds it: to the microsecond. */
    static Instant stored(Instant instant) {
        return instant.truncatedTo(ChronoUnit.MICROS);
    }
}
