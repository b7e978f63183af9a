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

    /** The oldest unsent rows, locked so that a second replica's relay skips them. */
    @SuppressWarnings("unchecked")
    static List<OutboxEvent> lockUnsent(int limit) {
        return getEntityManager()
                .createNativeQuery("SELECT * FROM event_outbox WHERE sent_at IS NULL ORDER BY seq LIMIT :limit "
                        + "FOR UPDATE SKIP LOCKED", OutboxEvent.class)
                .setParameter("limit", limit)
                .getResultList();
    }

    static long countUnsent() {
        return count("sentAt is null");
    }
}
