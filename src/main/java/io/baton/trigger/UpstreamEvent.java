package io.baton.trigger;

import io.baton.events.DigdagCompletion;
import io.baton.rules.Correlation;

import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;

/**
 * An event as the rule engine sees it: a Digdag completion or an external CloudEvent, with the session it belongs to.
 *
 * @param completion  the Digdag completion, or null for an external event
 * @param sessionTime the upstream session time; null when an external event names only a date
 * @param sessionDate the upstream session date of an external event that names no time, else null
 */
public record UpstreamEvent(String id, String type, String subject, DigdagCompletion completion,
                            OffsetDateTime sessionTime, LocalDate sessionDate, Instant finishedAt) {

    public static UpstreamEvent of(String id, DigdagCompletion completion) {
        Instant finished = completion.finishedAt() != null ? completion.finishedAt() : Instant.now();
        return new UpstreamEvent(id, completion.type(), completion.subject(), completion,
                OffsetDateTime.parse(completion.sessionTime()), null, finished);
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
