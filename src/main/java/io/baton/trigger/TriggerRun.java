package io.baton.trigger;

import io.baton.digdag.client.SessionTimes;
import io.quarkus.hibernate.orm.panache.Panache;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.LockModeType;
import jakarta.persistence.Table;
import org.hibernate.annotations.TimeZoneColumn;
import org.hibernate.annotations.TimeZoneStorage;
import org.hibernate.annotations.TimeZoneStorageType;

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
public class TriggerRun extends RuleKeyRow {

    public static final String PENDING = "pending";
    public static final String STARTING = "starting";
    public static final String STARTED = "started";
    public static final String ALREADY_EXISTED = "already_existed";
    public static final String RETRIED = "retried";
    public static final String FAILED = "failed";
    /** A shadow rule's would-be fire: recorded, nothing started ({@code startedAt} = when it would have). */
    public static final String SHADOW = "shadow";

    /**
     * The downstream session time, with the offset of the rule's correlation zone; null only for a row whose stored
     * text no parser read (V15).
     */
    @Column(name = "downstream_session")
    @TimeZoneStorage(TimeZoneStorageType.COLUMN)
    @TimeZoneColumn(name = "downstream_session_offset")
    public OffsetDateTime downstreamSession;

    public String state;
    public boolean manual;

    @Column(name = "requested_by")
    public String requestedBy;

    @Column(name = "created_at", insertable = false, updatable = false)
    public OffsetDateTime createdAt;

    @Column(name = "upstream_finished_at")
    public OffsetDateTime upstreamFinishedAt;

    @Column(name = "started_at")
    public OffsetDateTime startedAt;

    @Column(name = "attempt_id")
    public String attemptId;

    @Column(name = "attempt_url")
    public String attemptUrl;

    public int tries;

    @Column(name = "next_try_at")
    public OffsetDateTime nextTryAt;

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

    /**
     * Locks a run that may be started now for this transaction: pending, or starting with its lease run out (the
     * replica that claimed it died); empty when there is none or another replica holds the row.
     */
    @SuppressWarnings("unchecked")
    static Optional<TriggerRun> lockClaimable(long id) {
        List<TriggerRun> rows = getEntityManager()
                .createNativeQuery("SELECT * FROM trigger_run WHERE id = :id AND (state = '" + PENDING + "' OR (state = '"
                        + STARTING + "' AND next_try_at <= now())) FOR UPDATE SKIP LOCKED", TriggerRun.class)
                .setParameter("id", id)
                .getResultList();
        return rows.stream().findFirst();
    }

    /** Runs due: pending ones whose next try has come, and starting ones whose lease ran out. */
    @SuppressWarnings("unchecked")
    static List<Long> due(int limit) {
        return ((List<Number>) getEntityManager()
                .createNativeQuery("SELECT id FROM trigger_run WHERE state IN ('" + PENDING + "', '" + STARTING + "') "
                        + "AND next_try_at <= now() ORDER BY next_try_at LIMIT :limit")
                .setParameter("limit", limit)
                .getResultList()).stream().map(Number::longValue).toList();
    }

    /** Locks the run for this transaction, to record what its start did. */
    static Optional<TriggerRun> lock(long id) {
        return findByIdOptional(id, LockModeType.PESSIMISTIC_WRITE);
    }

    /** Whether this row still holds the claim {@code claimed} made (no other replica has taken the run over since). */
    boolean heldBy(TriggerRun claimed) {
        return STARTING.equals(state) && tries == claimed.tries;
    }

    /** Turns the rule's shadow runs recorded since {@code since} into pending ones, for the starter to start. */
    public static void reopenShadow(String rule, Instant since) {
        update("state = ?1, tries = 0, nextTryAt = ?2 where ruleName = ?3 and state = ?4 and createdAt >= ?5",
                PENDING, OffsetDateTime.now(ZoneOffset.UTC), rule, SHADOW, OffsetDateTime.ofInstant(since, ZoneOffset.UTC));
    }

    /** The downstream session as Digdag writes it, the text of event ids; null for a row with no session. */
    public String session() {
        return written(downstreamSession);
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
