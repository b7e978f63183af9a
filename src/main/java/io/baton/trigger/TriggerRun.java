package io.baton.trigger;

import io.baton.digdag.client.SessionTimes;
import io.quarkus.hibernate.orm.panache.Panache;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.LockModeType;
import jakarta.persistence.Table;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The trigger ledger: one row per rule and downstream session, committed before Digdag is asked to start it. A run
 * being started is {@code starting}, with {@link #nextTryAt} as the end of its lease.
 */
@Entity
@Table(name = "trigger_run")
public class TriggerRun extends StartableRow {

    public static final String STARTED = "started";
    public static final String ALREADY_EXISTED = "already_existed";
    public static final String RETRIED = "retried";
    public static final String FAILED = "failed";
    /** A shadow rule's would-be fire: recorded, nothing started ({@code startedAt} = when it would have). */
    public static final String SHADOW = "shadow";

    public boolean manual;

    @Column(name = "requested_by")
    public String requestedBy;

    @Column(name = "last_error")
    public String lastError;

    /** Why the run waits for the previous downstream session (dependsOnPast), while it does; else null. */
    @Column(name = "held_back")
    public String heldBack;

    /**
     * Commits the intent to fire, once per rule and downstream session (as {@link SessionTimes#asWritten}).
     *
     * @return the new run's id, or empty when the session already has a run
     */
    static Optional<Long> open(String rule, String key, OffsetDateTime downstreamSession, Instant upstreamFinishedAt,
                               boolean manual, String requestedBy, Instant nextTryAt) {
        List<?> ids = Panache.getEntityManager().createNativeQuery(
                        "INSERT INTO trigger_run (rule_name, correlation_key, downstream_session, "
                                + "downstream_session_offset, state, manual, requested_by, upstream_finished_at, next_try_at) "
                                + "VALUES (:rule, :key, :session, :offset, '" + PENDING + "', :manual, :by, :finished, "
                                + ":next) "
                                + "ON CONFLICT (rule_name, downstream_session) DO NOTHING RETURNING id")
                .setParameter("rule", rule)
                .setParameter("key", key)
                .setParameter("session", SessionTimes.asWritten(downstreamSession))
                .setParameter("offset", SessionTimes.asWritten(downstreamSession).getOffset().getTotalSeconds())
                .setParameter("manual", manual)
                .setParameter("by", requestedBy)
                .setParameter("finished", upstreamFinishedAt == null ? null : OffsetDateTime.ofInstant(upstreamFinishedAt, ZoneOffset.UTC))
                .setParameter("next", OffsetDateTime.ofInstant(nextTryAt, ZoneOffset.UTC))
                .getResultList();
        return insertedId(ids);
    }

    /** Locks the run for this transaction, to record what its start did. */
    static Optional<TriggerRun> lock(long id) {
        return findByIdOptional(id, LockModeType.PESSIMISTIC_WRITE);
    }

    /** Turns the rule's shadow runs recorded since {@code since} into pending ones, for the starter to start. */
    public static void reopenShadow(String rule, Instant since) {
        update("state = ?1, tries = 0, nextTryAt = ?2 where ruleName = ?3 and state = ?4 and createdAt >= ?5",
                PENDING, OffsetDateTime.now(ZoneOffset.UTC), rule, SHADOW, OffsetDateTime.ofInstant(since, ZoneOffset.UTC));
    }

    /** The rule's runs of these downstream sessions, compared as instants. */
    @SuppressWarnings("unchecked")
    public static List<TriggerRun> ofSessions(String rule, List<OffsetDateTime> sessions) {
        return getEntityManager().createNativeQuery("SELECT * FROM trigger_run WHERE rule_name = :rule "
                        + "AND downstream_session IN (:sessions)", TriggerRun.class)
                .setParameter("rule", rule)
                .setParameter("sessions", sessions)
                .getResultList();
    }

    static Optional<TriggerRun> forKey(String rule, String key) {
        return find("ruleName = ?1 and correlationKey = ?2", rule, key).firstResultOptional();
    }
}
