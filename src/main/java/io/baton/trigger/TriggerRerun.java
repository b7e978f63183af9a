package io.baton.trigger;

import io.quarkus.hibernate.orm.panache.Panache;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.LockModeType;
import jakarta.persistence.Table;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;

/**
 * The rerun ledger: one row per rule, correlation key and new upstream attempt seen after the rule fired
 * ({@code onUpstreamRerun}). A {@code rerun} row is claimed and started like a {@link TriggerRun}: {@code starting}
 * with {@link #nextTryAt} as the end of its lease.
 */
@Entity
@Table(name = "trigger_rerun")
public class TriggerRerun extends StartableRow {

    public static final String NOTIFIED = "notified";
    public static final String STARTED = "started";
    /** Started no attempt of its own: another rerun of the session, started after this one was seen, covers it. */
    public static final String COALESCED = "coalesced";
    /** Nothing to rerun: the rule's run did not start the downstream, or the rule no longer reruns (or is gone). */
    public static final String SKIPPED = "skipped";
    public static final String FAILED = "failed";

    @Column(name = "upstream_id")
    public String upstreamId;

    @Column(name = "upstream_subject")
    public String upstreamSubject;

    @Column(name = "upstream_attempt")
    public String upstreamAttempt;

    @Column(name = "upstream_attempt_id")
    public String upstreamAttemptId;

    @Column(name = "previous_attempt_id")
    public String previousAttemptId;

    public String action;

    public String detail;

    /**
     * Records the re-run once per rule, key and upstream attempt.
     *
     * @return the new row's id, or empty when that upstream attempt was already recorded
     */
    static Optional<Long> open(TriggerRerun rerun) {
        List<?> ids = Panache.getEntityManager().createNativeQuery(
                        "INSERT INTO trigger_rerun (rule_name, correlation_key, downstream_session, "
                                + "downstream_session_offset, upstream_id, upstream_subject, upstream_attempt, "
                                + "upstream_attempt_id, previous_attempt_id, upstream_finished_at, action, state) "
                                + "VALUES (:rule, :key, :session, :offset, :upstream, "
                                + ":subject, :attempt, :attemptId, :previous, :finished, :action, :state) "
                                + "ON CONFLICT (rule_name, correlation_key, upstream_attempt) DO NOTHING RETURNING id")
                .setParameter("rule", rerun.ruleName)
                .setParameter("key", rerun.correlationKey)
                .setParameter("session", rerun.downstreamSession)
                .setParameter("offset", rerun.downstreamSession.getOffset().getTotalSeconds())
                .setParameter("upstream", rerun.upstreamId)
                .setParameter("subject", rerun.upstreamSubject)
                .setParameter("attempt", rerun.upstreamAttempt)
                .setParameter("attemptId", rerun.upstreamAttemptId)
                .setParameter("previous", rerun.previousAttemptId)
                .setParameter("finished", rerun.upstreamFinishedAt)
                .setParameter("action", rerun.action)
                .setParameter("state", rerun.state)
                .getResultList();
        return insertedId(ids);
    }

    static Optional<TriggerRerun> lock(long id) {
        return findByIdOptional(id, LockModeType.PESSIMISTIC_WRITE);
    }

    /**
     * Marks the session's other pending reruns, seen before {@code started} was claimed, as covered by its attempt:
     * their upstream data was there when it started.
     *
     * @return how many it covered
     */
    static int coalesce(TriggerRerun started, OffsetDateTime claimedAt) {
        return update("state = ?1, attemptId = ?2, attemptUrl = ?3, detail = ?4 where ruleName = ?5 "
                        + "and correlationKey = ?6 and state = ?7 and id <> ?8 and createdAt <= ?9",
                COALESCED, started.attemptId, started.attemptUrl, "covered by rerun " + started.id, started.ruleName,
                started.correlationKey, PENDING, started.id, claimedAt);
    }

    static List<TriggerRerun> of(String rule, String key) {
        return list("ruleName = ?1 and correlationKey = ?2 order by id", rule, key);
    }

    /** Whether another rerun of the same rule and key is being started (claimed, its lease running). */
    static boolean anotherStarting(TriggerRerun rerun) {
        return count("ruleName = ?1 and correlationKey = ?2 and state = ?3 and id <> ?4 and nextTryAt > ?5",
                rerun.ruleName, rerun.correlationKey, STARTING, rerun.id, OffsetDateTime.now(ZoneOffset.UTC)) > 0;
    }
}
