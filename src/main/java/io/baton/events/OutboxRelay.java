package io.baton.events;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.reactive.messaging.ce.OutgoingCloudEventMetadata;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;
import org.jboss.logging.Logger;

import java.net.URI;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Publishes outbox rows to Kafka in commit order and marks them sent once Kafka acknowledged them (acks=all,
 * idempotent producer). Rows stay in the outbox while Kafka is unreachable and go out when it is back. One relay
 * thread per replica, woken after each commit that added rows and otherwise every {@code relay.interval}; one relay
 * of all replicas works at a time (a transaction-scoped advisory lock), so rows leave in commit order.
 */
@ApplicationScoped
public class OutboxRelay {

    private static final Logger LOG = Logger.getLogger(OutboxRelay.class);

    @Inject
    @Channel("baton-out")
    MutinyEmitter<String> emitter;

    @Inject
    EventsConfig config;

    @Inject
    MeterRegistry registry;

    private Counter published;
    private Counter failures;
    private final AtomicLong unsent = new AtomicLong();
    private final Object signal = new Object();
    private boolean signalled;
    private volatile boolean running;
    private Thread worker;
    private final ExecutorService sender = Executors.newSingleThreadExecutor(task -> {
        Thread thread = new Thread(task, "baton-outbox-sender");
        thread.setDaemon(true);
        return thread;
    });
    private final AtomicLong oldestUnsentAgeSeconds = new AtomicLong();

    @PostConstruct
    void metrics() {
        published = registry.counter("baton.outbox.published");
        failures = registry.counter("baton.outbox.publish.failures");
        registry.gauge("baton.outbox.size", unsent);
        registry.gauge("baton.outbox.oldest.age.seconds", oldestUnsentAgeSeconds);
    }

    void start(@Observes StartupEvent event) {
        running = true;
        worker = new Thread(this::loop, "baton-outbox-relay");
        worker.setDaemon(true);
        worker.start();
    }

    void stop(@Observes ShutdownEvent event) {
        running = false;
        wake();
        sender.shutdown();
        try {
            worker.join(config.relay().sendTimeout().toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Called after a transaction that added outbox rows committed, so they leave without waiting for the interval. */
    void wake() {
        synchronized (signal) {
            signalled = true;
            signal.notifyAll();
        }
    }

    private void loop() {
        while (running) {
            try {
                relay();
            } catch (RuntimeException e) {
                failures.increment();
                LOG.warnf("outbox relay round failed: %s", rootMessage(e));
            }
            synchronized (signal) {
                if (!signalled && running) {
                    try {
                        signal.wait(config.relay().interval().toMillis());
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                signalled = false;
            }
        }
    }

    void relay() {
        int sent;
        do {
            sent = QuarkusTransaction.requiringNew().call(this::publishBatch);
        } while (sent == config.relay().batchSize());
    }

    /** @return the number of rows published and marked sent */
    int publishBatch() {
        if (!OutboxEvent.tryLockRelay()) {
            return 0;
        }
        List<OutboxEvent> batch = OutboxEvent.lockUnsent(config.relay().batchSize());
        refreshGauges(batch);
        if (batch.isEmpty()) {
            return 0;
        }
        List<Message<String>> messages = batch.stream().map(this::toMessage).toList();
        long deadline = System.nanoTime() + config.relay().sendTimeout().toNanos();
        OffsetDateTime now = OffsetDateTime.now();
        // The oldest row goes alone first: while Kafka is unreachable only it waits, so the rest cannot be delivered
        // out of order once Kafka is back; when it is acknowledged the others follow together.
        int marked = awaitAcks(batch, 0, sendOutsideTransaction(messages.subList(0, 1)), deadline, now);
        if (marked == 1 && batch.size() > 1) {
            marked += awaitAcks(batch, 1, sendOutsideTransaction(messages.subList(1, messages.size())), deadline, now);
        }
        published.increment(marked);
        return marked;
    }

    /**
     * Marks rows sent as their acknowledgements arrive, from {@code first} on; only an unbroken run is marked, so a
     * failed row and everything after it go again, in order.
     *
     * @return the number of rows marked
     */
    private int awaitAcks(List<OutboxEvent> batch, int first, List<CompletableFuture<Void>> acks, long deadline,
                          OffsetDateTime now) {
        for (int i = 0; i < acks.size(); i++) {
            OutboxEvent row = batch.get(first + i);
            try {
                acks.get(i).get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (Exception e) {
                failures.increment();
                LOG.warnf("Kafka did not acknowledge event %s (%s); %d event(s) wait in the outbox", row.eventId,
                        rootMessage(e), batch.size() - first - i);
                return i;
            }
            row.sentAt = now;
        }
        return acks.size();
    }

    /**
     * Sends from a plain thread: sent from the transaction's thread, the acknowledgement callbacks would carry the
     * transaction's context onto Kafka's threads, and the commit would find it active on several threads.
     */
    private List<CompletableFuture<Void>> sendOutsideTransaction(List<Message<String>> messages) {
        try {
            return sender.submit(() -> messages.stream()
                    .map(message -> emitter.sendMessage(message).subscribeAsCompletionStage())
                    .toList()).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    private Message<String> toMessage(OutboxEvent row) {
        OutgoingCloudEventMetadata<String> cloudEvent = OutgoingCloudEventMetadata.<String>builder()
                .withId(row.eventId)
                .withType(row.type)
                .withSource(URI.create(row.source))
                .withSubject(row.subject)
                .withTimestamp(row.eventTime.toZonedDateTime())
                .withDataContentType("application/json")
                .build();
        OutgoingKafkaRecordMetadata<String> kafka = OutgoingKafkaRecordMetadata.<String>builder()
                .withTopic(row.topic)
                .withKey(row.recordKey)
                .build();
        return Message.of(row.data, Metadata.of(cloudEvent, kafka));
    }

    private void refreshGauges(List<OutboxEvent> batch) {
        if (batch.isEmpty()) {
            unsent.set(0);
            oldestUnsentAgeSeconds.set(0);
        } else {
            unsent.set(OutboxEvent.countUnsent());
            oldestUnsentAgeSeconds.set(Duration.between(batch.get(0).createdAt, OffsetDateTime.now()).toSeconds());
        }
    }

    @Scheduled(every = "10m", delayed = "1m", skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void purgeSent() {
        OffsetDateTime before = OffsetDateTime.now().minus(config.relay().retention());
        QuarkusTransaction.requiringNew().run(() -> OutboxEvent.delete("sentAt < ?1", before));
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + ": " + t.getMessage();
    }
}
