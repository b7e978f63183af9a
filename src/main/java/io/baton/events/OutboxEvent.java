package io.baton.events;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.OffsetDateTime;
import java.util.List;

@Entity
@Table(name = "event_outbox")
public class OutboxEvent extends PanacheEntityBase {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long seq;

    @Column(name = "event_id")
    public String eventId;

    public String topic;

    @Column(name = "record_key")
    public String recordKey;

    public String type;
    public String source;
    public String subject;

    @Column(name = "event_time")
    public OffsetDateTime eventTime;

    public String data;

    @Column(name = "created_at", insertable = false, updatable = false)
    public OffsetDateTime createdAt;

    @Column(name = "sent_at")
    public OffsetDateTime sentAt;

    /** Arbitrary but fixed: the advisory lock key that lets one relay of all replicas work at a time. */
    private static final long RELAY_LOCK = 0x6261746f6e4f5554L;

    /** Takes the relay lock until the transaction ends; false when another replica's relay holds it. */
    static boolean tryLockRelay() {
        return (Boolean) getEntityManager().createNativeQuery("SELECT pg_try_advisory_xact_lock(:key)")
                .setParameter("key", RELAY_LOCK)
                .getSingleResult();
    }

    /** The oldest unsent rows, locked for this transaction. */
    @SuppressWarnings("unchecked")
    static List<OutboxEvent> lockUnsent(int limit) {
        return getEntityManager()
                .createNativeQuery("SELECT * FROM event_outbox WHERE sent_at IS NULL ORDER BY seq LIMIT :limit FOR UPDATE",
                        OutboxEvent.class)
                .setParameter("limit", limit)
                .getResultList();
    }

    static long countUnsent() {
        return count("sentAt is null");
    }
}
