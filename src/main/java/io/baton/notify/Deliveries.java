package io.baton.notify;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.hibernate.orm.panache.Panache;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The queue of messages in PostgreSQL ({@code notification_delivery}), written in the transaction of what caused
 * them. A message waits {@code group-delay} so that a burst becomes one summary; a replica claims due messages for a
 * lease (so no database lock is held while Slack is called), sends them, then records the result. A failed send is
 * tried again with backoff, so an outage of Slack delays messages but loses none.
 */
@ApplicationScoped
public class Deliveries {

    private static final Logger LOG = Logger.getLogger(Deliveries.class);
    /** How long a replica may take to send what it claimed before another one may take it. */
    private static final Duration CLAIM_LEASE = Duration.ofMinutes(1);
    /** The most messages one summary is built from; the rest follow in the next one. */
    private static final int MAX_BATCH = 5000;
    private static final TypeReference<Map<String, String>> VARIABLES = new TypeReference<>() {
    };

    @Inject
    NotifyConfig config;

    @Inject
    NotifyService notify;

    @Inject
    ObjectMapper mapper;

    @Inject
    MeterRegistry registry;

    private final AtomicLong backlog = new AtomicLong();

    /** What one send takes: a summary of many matches, or single messages. */
    record Batch(Subscription subscription, List<Messages.Match> matches, boolean summary) {

        List<Long> ids() {
            return matches.stream().map(Messages.Match::id).toList();
        }
    }

    @PostConstruct
    void init() {
        registry.gauge("baton.notify.backlog", backlog);
    }

    /**
     * Queues a message unless the subscription already has one for the same key (workflow or task, session and
     * state); in the caller's transaction.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void enqueue(Subscription to, String dedupKey, String state, Map<String, String> variables) {
        String subscription = to.name();
        Map<String, String> own = new LinkedHashMap<>(variables);
        own.put("subscription", subscription);
        own.put("team", to.team());
        if (backlog.get() >= config.maxBacklog()) {
            registry.counter("baton.notify.dropped").increment();
            LOG.warnf("%d messages are waiting (baton.notify.max-backlog); a %s message of subscription %s is dropped",
                    backlog.get(), state, subscription);
            return;
        }
        int inserted = em().createNativeQuery("INSERT INTO notification_delivery (subscription_name, dedup_key, state, "
                        + "variables, not_before) VALUES (:subscription, :key, :state, CAST(:variables AS jsonb), "
                        + "now() + :delay * interval '1 millisecond') ON CONFLICT DO NOTHING")
                .setParameter("subscription", subscription)
                .setParameter("key", dedupKey)
                .setParameter("state", state)
                .setParameter("variables", json(own))
                .setParameter("delay", config.groupDelay().toMillis())
                .executeUpdate();
        registry.counter("baton.notify.matched", "queued", String.valueOf(inserted == 1)).increment();
    }

    /** Subscriptions with a message due now. */
    List<String> dueSubscriptions() {
        return QuarkusTransaction.requiringNew().call(() -> {
            backlog.set(((Number) em().createNativeQuery(
                    "SELECT count(*) FROM notification_delivery WHERE status = 'pending'").getSingleResult()).longValue());
            List<?> names = em().createNativeQuery("SELECT DISTINCT subscription_name FROM notification_delivery "
                    + "WHERE status = 'pending' AND not_before <= now() LIMIT 1000").getResultList();
            return names.stream().map(String.class::cast).toList();
        });
    }

    /**
     * Claims what the subscription should send now: one summary of everything waiting when more than
     * {@code burst-threshold} matches came within {@code burst-window} (once no new one came for {@code group-delay},
     * or the burst is a window old), else the due messages one by one. Messages of a deleted subscription are dropped.
     */
    Optional<Batch> claim(String subscriptionName) {
        return QuarkusTransaction.requiringNew().call(() -> {
            List<?> rows = em().createNativeQuery("SELECT id, state, CAST(variables AS text), not_before <= now(), "
                            + "created_at FROM notification_delivery WHERE subscription_name = :s AND status = 'pending' "
                            + "ORDER BY id LIMIT :max FOR UPDATE SKIP LOCKED")
                    .setParameter("s", subscriptionName)
                    .setParameter("max", MAX_BATCH)
                    .getResultList();
            List<Object[]> pending = rows.stream().map(Object[].class::cast).toList();
            List<Object[]> due = pending.stream().filter(row -> (Boolean) row[3]).toList();
            if (due.isEmpty()) {
                return Optional.<Batch>empty();
            }
            SubscriptionEntity entity = SubscriptionEntity.findById(subscriptionName);
            if (entity == null) {
                mark(ids(pending), "dropped");
                return Optional.<Batch>empty();
            }
            long recent = ((Number) em().createNativeQuery("SELECT count(*) FROM notification_delivery "
                            + "WHERE subscription_name = :s AND created_at > now() - :window * interval '1 millisecond'")
                    .setParameter("s", subscriptionName)
                    .setParameter("window", config.burstWindow().toMillis())
                    .getSingleResult()).longValue();
            boolean burst = pending.size() > config.burstThreshold()
                    || (pending.size() > 1 && recent > config.burstThreshold());
            if (burst && !quiet(pending)) {
                return Optional.<Batch>empty();
            }
            List<Object[]> taken = burst ? pending : due;
            em().createNativeQuery("UPDATE notification_delivery SET not_before = now() + :lease * interval "
                            + "'1 millisecond' WHERE id IN (:ids)")
                    .setParameter("lease", CLAIM_LEASE.toMillis())
                    .setParameter("ids", ids(taken))
                    .executeUpdate();
            List<Messages.Match> matches = new ArrayList<>();
            for (Object[] row : taken) {
                matches.add(new Messages.Match(((Number) row[0]).longValue(), (String) row[1], variables((String) row[2])));
            }
            return Optional.of(new Batch(notify.subscription(entity), matches, burst));
        });
    }

    /** A burst is sent once no new match came for {@code group-delay}, or once it is a window old. */
    private boolean quiet(List<Object[]> pending) {
        Instant now = Instant.now();
        Instant oldest = createdAt(pending.get(0));
        Instant newest = createdAt(pending.get(pending.size() - 1));
        return newest.plus(config.groupDelay()).isBefore(now) || oldest.plus(config.burstWindow()).isBefore(now);
    }

    void sent(Batch batch) {
        QuarkusTransaction.requiringNew().run(() -> mark(batch.ids(), batch.summary() ? "grouped" : "sent"));
    }

    /** Tries again after a backoff that doubles per try; a message older than {@code give-up-after} expires. */
    void failed(List<Long> ids, String error) {
        QuarkusTransaction.requiringNew().run(() -> {
            em().createNativeQuery("UPDATE notification_delivery SET tries = tries + 1, last_error = :error, "
                            + "not_before = now() + least(:backoff * power(2, least(tries, 30)), :max) * interval '1 millisecond', "
                            + "status = CASE WHEN created_at < now() - :giveUp * interval '1 millisecond' THEN 'expired' "
                            + "ELSE 'pending' END WHERE id IN (:ids) AND status = 'pending'")
                    .setParameter("error", error.length() > 1000 ? error.substring(0, 1000) : error)
                    .setParameter("backoff", config.backoff().toMillis())
                    .setParameter("max", config.maxBackoff().toMillis())
                    .setParameter("giveUp", config.giveUpAfter().toMillis())
                    .setParameter("ids", ids)
                    .executeUpdate();
            long expired = ((Number) em().createNativeQuery("SELECT count(*) FROM notification_delivery "
                            + "WHERE id IN (:ids) AND status = 'expired'")
                    .setParameter("ids", ids)
                    .getSingleResult()).longValue();
            if (expired > 0) {
                registry.counter("baton.notify.expired").increment(expired);
                LOG.errorf("%d messages expired after %s of failed sends: %s", expired, config.giveUpAfter(), error);
            }
        });
    }

    /** Forgets sent, dropped and expired messages older than {@code retention}. */
    void cleanUp() {
        QuarkusTransaction.requiringNew().run(() -> em().createNativeQuery("DELETE FROM notification_delivery "
                        + "WHERE status <> 'pending' AND created_at < now() - :retention * interval '1 millisecond'")
                .setParameter("retention", config.retention().toMillis())
                .executeUpdate());
    }

    private void mark(List<Long> ids, String status) {
        em().createNativeQuery("UPDATE notification_delivery SET status = :status, sent_at = now() WHERE id IN (:ids)")
                .setParameter("status", status)
                .setParameter("ids", ids)
                .executeUpdate();
    }

    private static List<Long> ids(List<Object[]> rows) {
        return rows.stream().map(row -> ((Number) row[0]).longValue()).toList();
    }

    private static Instant createdAt(Object[] row) {
        Object value = row[4];
        return value instanceof Instant instant ? instant : ((java.time.OffsetDateTime) value).toInstant();
    }

    private Map<String, String> variables(String json) {
        try {
            return mapper.readValue(json, VARIABLES);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("unreadable message variables", e);
        }
    }

    private String json(Map<String, String> variables) {
        try {
            return mapper.writeValueAsString(variables);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static EntityManager em() {
        return Panache.getEntityManager();
    }
}
