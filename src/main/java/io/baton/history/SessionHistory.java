package io.baton.history;

import io.baton.digdag.client.Session;

import java.time.Instant;
import java.time.OffsetDateTime;

/**
 * One session of a workflow as its history shows it.
 *
 * @param firstAttemptId the session's first attempt (by the schedule, a manual start or Baton: Digdag does not say)
 * @param startedAt      when that first attempt was created
 * @param last           the latest attempt: whether and when the session finally succeeded
 */
public record SessionHistory(String sessionId, OffsetDateTime sessionTime, String firstAttemptId, Instant startedAt,
                             Session.LastAttempt last) {

    /** When the session's latest attempt succeeded; null if it failed, was killed or still runs. */
    public Instant succeededAt() {
        return last.success() ? last.finishedAt() : null;
    }
}
