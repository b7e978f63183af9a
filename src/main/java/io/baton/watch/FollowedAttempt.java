package io.baton.watch;

import io.baton.digdag.client.Attempt;

import java.time.Instant;
import java.util.Map;

/** A running attempt the watcher follows: what it last saw of it, and when it last read it. */
final class FollowedAttempt {
    final long attemptId;
    /** The attempt as last listed: where the session details of its task events come from. */
    Attempt attempt;
    Map<String, String> taskStates;
    Instant lastChange;
    Instant lastTaskRead;
    Instant lastStatusRead;
    /** Changed since it was last saved to PostgreSQL. */
    boolean dirty;
    /** Of a resumed attempt: where its copied tasks ran ({@code fullName@updatedAt} → attempt id); read on need. */
    Map<String, String> copySources;
    String previousAttempt;

    FollowedAttempt(Attempt attempt, Instant lastChange) {
        this.attemptId = AttemptPages.id(attempt);
        this.attempt = attempt;
        this.lastChange = lastChange;
    }
}
