package io.baton.trigger;

import io.baton.digdag.client.SessionTimes;
import io.quarkus.hibernate.orm.panache.Panache;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Table;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;

/** An upstream of a rule, satisfied for a correlation key by one upstream session. */
@Entity
@Table(name = "trigger_condition")
public class TriggerCondition extends RuleKeyRow {

    @Column(name = "upstream_id")
    public String upstreamId;

    @Column(name = "upstream_session")
    public String upstreamSession;

    @Column(name = "session_time")
    public String sessionTime;

    @Column(name = "event_id")
    public String eventId;

    @Column(name = "attempt_id")
    public String attemptId;

    @Column(name = "finished_at")
    public OffsetDateTime finishedAt;

    @Column(name = "satisfied_at", insertable = false, updatable = false)
    public OffsetDateTime satisfiedAt;

    /** Records the condition unless that upstream session is already recorded; true when it was new. */
    static boolean record(String rule, String key, String upstreamId, UpstreamEvent event, OffsetDateTime sessionTime) {
        return Panache.getEntityManager().createNativeQuery(
                        "INSERT INTO trigger_condition (rule_name, correlation_key, upstream_id, upstream_session, "
                                + "session_time, event_id, attempt_id, finished_at) "
                                + "VALUES (:rule, :key, :upstream, :session, :sessionTime, :event, :attempt, :finished) "
                                + "ON CONFLICT DO NOTHING")
                .setParameter("rule", rule)
                .setParameter("key", key)
                .setParameter("upstream", upstreamId)
                .setParameter("session", sessionTime.toInstant().toString())
                .setParameter("sessionTime", SessionTimes.format(sessionTime))
                .setParameter("event", event.id())
                .setParameter("attempt", event.attemptId())
                .setParameter("finished", OffsetDateTime.ofInstant(event.finishedAt(), ZoneOffset.UTC))
                .executeUpdate() == 1;
    }

    /** The condition an upstream session satisfied, if it did. */
    static Optional<TriggerCondition> of(String rule, String key, String upstreamId, OffsetDateTime sessionTime) {
        return find("ruleName = ?1 and correlationKey = ?2 and upstreamId = ?3 and upstreamSession = ?4", rule, key,
                upstreamId, sessionTime.toInstant().toString()).firstResultOptional();
    }

    static List<TriggerCondition> of(String rule, String key) {
        return list("ruleName = ?1 and correlationKey = ?2 order by finishedAt, id", rule, key);
    }

    /** Serializes every evaluation of one rule and key across threads and replicas, until the transaction ends. */
    static void lock(String rule, String key) {
        Panache.getEntityManager().createNativeQuery("SELECT pg_advisory_xact_lock(hashtext(:rule), hashtext(:key))")
                .setParameter("rule", rule)
                .setParameter("key", key)
                .getSingleResult();
    }

    Instant finishedInstant() {
        return finishedAt.toInstant();
    }
}
