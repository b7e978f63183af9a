package io.baton.trigger;

import io.quarkus.hibernate.orm.panache.Panache;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Table;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;

/** A rule whose evaluation of an event failed; recorded for that rule alone, once per event. */
@Entity
@Table(name = "trigger_error")
public class EvaluationError extends RuleKeyRow {

    @Column(name = "upstream_session")
    public String upstreamSession;

    @Column(name = "event_id")
    public String eventId;

    public String error;

    @Column(name = "failed_at", insertable = false, updatable = false)
    public OffsetDateTime failedAt;

    /**
     * Records the failure unless this rule's failure on this event is already recorded.
     *
     * @return the new record's id, or empty when it was there already
     */
    static Optional<Long> record(String rule, String key, String upstreamSession, String eventId, String error) {
        List<?> ids = Panache.getEntityManager().createNativeQuery(
                        "INSERT INTO trigger_error (rule_name, correlation_key, upstream_session, event_id, error) "
                                + "VALUES (:rule, :key, :session, :event, :error) ON CONFLICT DO NOTHING RETURNING id")
                .setParameter("rule", rule)
                .setParameter("key", key)
                .setParameter("session", upstreamSession)
                .setParameter("event", eventId)
                .setParameter("error", error)
                .getResultList();
        return insertedId(ids);
    }

    static List<EvaluationError> of(String rule, String key) {
        return list("ruleName = ?1 and correlationKey = ?2 order by failedAt, id", rule, key);
    }
}
