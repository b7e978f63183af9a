package io.baton.trigger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.baton.events.DigdagCompletion;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.reactive.messaging.ce.IncomingCloudEventMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * Consumes completion events (and external CloudEvents) from Kafka in a consumer group, so replicas share the
 * partitions. An event is acknowledged only after the engine committed what it caused; a failure (e.g. PostgreSQL
 * down) retries the same event until it succeeds, so none is skipped.
 */
@ApplicationScoped
public class EventConsumer {

    private static final Logger LOG = Logger.getLogger(EventConsumer.class);

    @Inject
    TriggerService triggers;

    @Inject
    ObjectMapper mapper;

    @Incoming("trigger-events")
    @Blocking
    public CompletionStage<Void> consume(Message<String> message) {
        Optional<UpstreamEvent> event = parse(message);
        event.ifPresent(this::handleUntilDone);
        return message.ack();
    }

    private void handleUntilDone(UpstreamEvent event) {
        long delay = 100;
        while (true) {
            try {
                triggers.onEvent(event);
                return;
            } catch (RuntimeException e) {
                if (!isTransient(e)) {
                    // A fault of this event (or a bug), not of the infrastructure: retrying would block the partition.
                    LOG.errorf(e, "event %s of type %s cannot be processed and is skipped", event.id(), event.type());
                    return;
                }
                LOG.warnf("event %s could not be processed, retrying in %d ms: %s", event.id(), delay, e.getMessage());
                try {
                    Thread.sleep(delay);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
                delay = Math.min(delay * 2, 10_000);
            }
        }
    }

    /** Database and transaction failures pass (PostgreSQL down, a failover, a deadlock); others do not. */
    static boolean isTransient(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.sql.SQLException || t instanceof jakarta.persistence.PersistenceException
                    || t instanceof jakarta.transaction.TransactionalException || t instanceof io.quarkus.narayana.jta.QuarkusTransactionException) {
                return true;
            }
        }
        return false;
    }

    /** Reads a CloudEvent (binary or structured); what is not one is logged and skipped. */
    Optional<UpstreamEvent> parse(Message<String> message) {
        @SuppressWarnings("unchecked")
        Optional<IncomingCloudEventMetadata<String>> metadata = message.getMetadata(IncomingCloudEventMetadata.class)
                .map(m -> (IncomingCloudEventMetadata<String>) m);
        if (metadata.isEmpty()) {
            LOG.debugf("skipping a record that is not a CloudEvent");
            return Optional.empty();
        }
        IncomingCloudEventMetadata<String> ce = metadata.get();
        try {
            JsonNode data = message.getPayload() == null ? mapper.createObjectNode() : mapper.readTree(message.getPayload());
            if (ce.getType().startsWith(DigdagCompletion.TYPE_PREFIX)) {
                return Optional.of(UpstreamEvent.of(ce.getId(), mapper.treeToValue(data, DigdagCompletion.class), data));
            }
            return Optional.of(external(ce, data));
        } catch (Exception e) {
            LOG.warnf("skipping unreadable event %s of type %s: %s", ce.getId(), ce.getType(), e.getMessage());
            return Optional.empty();
        }
    }

    /** An external event's session: {@code data.sessionTime}, else {@code data.sessionDate}, else its own time. */
    static UpstreamEvent external(IncomingCloudEventMetadata<String> ce, JsonNode data) {
        Instant time = ce.getTimeStamp().map(ZonedDateTime::toInstant).orElseGet(Instant::now);
        OffsetDateTime sessionTime = data.hasNonNull("sessionTime") ? OffsetDateTime.parse(data.get("sessionTime").asText()) : null;
        LocalDate sessionDate = data.hasNonNull("sessionDate") ? LocalDate.parse(data.get("sessionDate").asText()) : null;
        if (sessionTime == null && sessionDate == null) {
            sessionTime = OffsetDateTime.ofInstant(time, ZoneOffset.UTC);
        }
        return new UpstreamEvent(ce.getId(), ce.getType(), ce.getSubject().orElse(null), null, sessionTime, sessionDate, time,
                data);
    }
}
