package io.baton.trigger;

import io.baton.digdag.client.SessionTimes;
import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.MappedSuperclass;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;

/** A row the trigger engine keeps about one rule and correlation key: a condition, a run or an evaluation error. */
@MappedSuperclass
public abstract class RuleKeyRow extends PanacheEntityBase {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    @Column(name = "rule_name")
    public String ruleName;

    /** Null only for an evaluation error whose correlation key could not even be computed. */
    @Column(name = "correlation_key")
    public String correlationKey;

    /**
     * A stored session time as Digdag writes it ({@link SessionTimes}); null for a row that has none (its text no
     * parser read when V17 converted it).
     */
    static String written(OffsetDateTime session) {
        return session == null ? null : SessionTimes.format(session);
    }

    /** The id an {@code INSERT ... ON CONFLICT DO NOTHING RETURNING id} gave back, or empty when it inserted nothing. */
    static Optional<Long> insertedId(List<?> ids) {
        return ids.isEmpty() ? Optional.empty() : Optional.of(((Number) ids.get(0)).longValue());
    }
}
