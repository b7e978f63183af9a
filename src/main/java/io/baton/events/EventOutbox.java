package io.baton.events;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.hibernate.orm.panache.Panache;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Status;
import jakarta.transaction.Synchronization;
import jakarta.transaction.TransactionSynchronizationRegistry;
import jakarta.transaction.Transactional;

/** Writes events into the outbox inside the caller's transaction; {@link OutboxRelay} publishes them. */
@ApplicationScoped
public class EventOutbox {

    private static final Object WAKES_RELAY = new Object();

    @Inject
    ObjectMapper objectMapper;

    @Inject
    TransactionSynchronizationRegistry transactions;

    @Inject
    OutboxRelay relay;

    /**
     * Adds the event unless one with the same source and id is already there (CloudEvents' identity: an external
     * event cannot shadow one of Baton's).
     *
     * @return true when the event was new
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public boolean append(BatonEvent event) {
        int inserted = Panache.getEntityManager().createNativeQuery(
                        "INSERT INTO event_outbox (event_id, topic, record_key, type, source, subject, event_time, data) "
                                + "VALUES (:id, :topic, :key, :type, :source, :subject, :time, :data) "
                                + "ON CONFLICT (source, event_id) DO NOTHING")
                .setParameter("id", event.id())
                .setParameter("topic", event.topic())
                .setParameter("key", event.key())
                .setParameter("type", event.type())
                .setParameter("source", event.source())
                .setParameter("subject", event.subject())
                .setParameter("time", event.time())
                .setParameter("data", toJson(event.data()))
                .executeUpdate();
        if (inserted == 1 && transactions.getResource(WAKES_RELAY) == null) {
            // Once per transaction, however many events it adds.
            transactions.putResource(WAKES_RELAY, Boolean.TRUE);
            transactions.registerInterposedSynchronization(new Synchronization() {
                @Override
                public void beforeCompletion() {
                }

                @Override
                public void afterCompletion(int status) {
                    if (status == Status.STATUS_COMMITTED) {
                        relay.wake();
                    }
                }
            });
        }
        return inserted == 1;
    }

    private String toJson(Object data) {
        try {
            return data instanceof String json ? json : objectMapper.writeValueAsString(data);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("event data is not serializable", e);
        }
    }
}
