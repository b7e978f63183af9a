package io.baton.trigger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.baton.events.DigdagCompletion;
import io.baton.events.EventsConfig;
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
 * partitions. An event is acknowledged only after the engine committed what it caused; a transient failure (PostgreSQL
 * down) retries the same event until it succeeds, so none is skipped. An event that cannot be processed at all
 * (unreadable, or failing for a reason no retry changes) is sent to the dead-letter topic with the reason, by the
 * connector's {@code dead-letter-queue} failure strategy, and the partition moves on.
 */
@ApplicationScoped
public class EventConsumer {

    private static final Logger LOG = Logger.getLogger(EventConsumer.class);

    @Inject
    TriggerService triggers;

    @Inject
    ObjectMapper mapper;

    @Inject
    EventsConfig events;

    @Incoming("trigger-events")
    @Blocking
    public CompletionStage<Void> consume(Message<String> message) {
        try {
            parse(message).ifPresent(event -> TransientFailures.retryUntilDone("event " + event.id() + " of type "
                    + event.type(), () -> triggers.onEvent(event)));
        } catch (RuntimeException e) {
            LOG.errorf(e, "an event cannot be processed; it goes to the dead-letter topic %s", events.deadLetterTopic());
            return message.nack(e);
        }
        return message.ack();
    }

    /** Reads a CloudEvent (binary or structured); a record that is not one is not meant for Baton and is skipped. */
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
            throw new IllegalArgumentException("unreadable event " + ce.getId() + " of type " + ce.getType() + ": "
                    + e.getMessage(), e);
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
