package io.baton.trigger;

import com.fasterxml.jackson.databind.JsonNode;
import io.baton.digdag.client.SessionTimes;
import io.baton.events.DigdagCompletion;
import io.baton.rules.Correlation;
import io.baton.rules.RuleExpressions;

import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;

/**
 * An event as the rule engine sees it: a Digdag completion or an external CloudEvent, with the session it belongs to.
 *
 * @param completion  the Digdag completion, or null for an external event
 * @param sessionTime the upstream session time; null when an external event names only a date
 * @param sessionDate the upstream session date of an external event that names no time, else null
 * @param data        the CloudEvent's data as it was published (for a completion, the completion's JSON)
 */
public record UpstreamEvent(String id, String type, String subject, DigdagCompletion completion,
                            OffsetDateTime sessionTime, LocalDate sessionDate, Instant finishedAt, JsonNode data) {

    public static UpstreamEvent of(String id, DigdagCompletion completion, JsonNode data) {
        Instant finished = completion.finishedAt() != null ? completion.finishedAt() : Instant.now();
        return new UpstreamEvent(id, completion.type(), completion.subject(), completion,
                SessionTimes.parse(completion.sessionTime()), null, finished, data);
    }

    /** What an upstream's filter sees: {@code time} is when the attempt or task finished, or the CloudEvent's time. */
    public RuleExpressions.FilterInput filterInput() {
        return new RuleExpressions.FilterInput(RuleExpressions.celMap(data), subject, type, finishedAt);
    }

    public boolean isDigdag() {
        return completion != null;
    }

    /** Whether the Digdag attempt or task succeeded; external events count as success. */
    public boolean succeeded() {
        return completion == null || "success".equals(completion.state());
    }

    public String attemptId() {
        return completion == null ? null : completion.attemptId();
    }

    /** The session time, or for a date-only event that date's 00:00 in the correlation's zone. */
    public OffsetDateTime sessionTimeIn(Correlation correlation) {
        return sessionTime != null ? sessionTime : sessionDate.atStartOfDay(correlation.zoneId()).toOffsetDateTime();
    }
}
