package io.baton.trigger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.baton.persistence.TransientFailures;
import io.baton.digdag.client.SessionTimes;
import io.baton.events.DigdagCompletion;
import io.baton.events.EventsConfig;
import io.baton.rules.WorkflowKeys;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.reactive.messaging.kafka.KafkaRecord;
import io.smallrye.reactive.messaging.kafka.KafkaRecordBatch;
import io.smallrye.reactive.messaging.ce.IncomingCloudEventMetadata;
import jakarta.annotation.PostConstruct;
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
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Consumes completion events (and external CloudEvents) from Kafka in a consumer group, so replicas share the
 * partitions. Records come in batches (what one poll returns, up to {@code max.poll.records}), handled in their order
 * with one database transaction ({@link TriggerService#onEvents}). A batch is acknowledged only after the engine
 * committed what it caused; a transient failure (PostgreSQL down) retries the same batch until it succeeds, so none is
 * skipped. An event that cannot be processed at all (unreadable, or failing for a reason no retry changes) is sent to
 * the dead-letter topic with the reason, by the connector's {@code dead-letter-queue} failure strategy, and the
 * others of its batch go on.
 */
@ApplicationScoped
public class EventConsumer {

    private static final Logger LOG = Logger.getLogger(EventConsumer.class);

    @Inject
    TriggerService triggers;

    @Inject
    RuleIndex index;

    @Inject
    ObjectMapper mapper;

    @Inject
    EventsConfig events;

    @Inject
    MeterRegistry registry;

    private DistributionSummary batchSizes;

    @PostConstruct
    void metrics() {
        batchSizes = registry.summary("baton.trigger.batch.size");
    }

    @Incoming("trigger-events")
    @Blocking
    public CompletionStage<Void> consume(KafkaRecordBatch<String, String> batch) {
        batchSizes.record(batch.getRecords().size());
        List<CompletableFuture<Void>> deadLettered = new ArrayList<>();
        List<UpstreamEvent> parsed = new ArrayList<>();
        Map<UpstreamEvent, KafkaRecord<String, String>> records = new IdentityHashMap<>();
        int skipped = 0;
        for (KafkaRecord<String, String> record : batch.getRecords()) {
            try {
                Optional<UpstreamEvent> event = parse(record);
                if (event.isPresent()) {
                    parsed.add(event.get());
                    records.put(event.get(), record);
                } else {
                    skipped++;
                }
            } catch (RuntimeException e) {
                deadLettered.add(deadLetter(record, e));
            }
        }
        handleUntilDone(parsed).forEach((event, failure) -> deadLettered.add(deadLetter(records.get(event),
                new IllegalStateException("event " + event.id() + " of type " + event.type()
                        + " cannot be processed: " + failure, failure))));
        triggers.skipped(skipped);
        return CompletableFuture.allOf(deadLettered.toArray(CompletableFuture[]::new)).thenCompose(sent -> batch.ack());
    }

    private CompletableFuture<Void> deadLetter(KafkaRecord<String, String> record, RuntimeException reason) {
        LOG.errorf(reason, "an event cannot be processed; it goes to the dead-letter topic %s", events.deadLetterTopic());
        return record.nack(reason).toCompletableFuture();
    }

    private Map<UpstreamEvent, RuntimeException> handleUntilDone(List<UpstreamEvent> batch) {
        return TransientFailures.retryUntilDone("a batch of " + batch.size() + " events", () -> triggers.onEvents(batch));
    }

    /**
     * Reads a CloudEvent (binary or structured); a record that is not one is not meant for Baton and is skipped. So is
     * an event of a workflow or type that no rule waits on, once its JSON is read: its fields are not bound, nor its
     * times parsed (most of the cost of an event, and most events match no rule).
     */
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
            boolean completion = ce.getType().startsWith(DigdagCompletion.TYPE_PREFIX);
            if (!index.waitsOn(completion, completion ? WorkflowKeys.of(data.path("server").asText(),
                    data.path("project").asText(), data.path("workflow").asText()) : ce.getType())) {
                return Optional.empty();
            }
            if (completion) {
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
        OffsetDateTime sessionTime = data.hasNonNull("sessionTime") ? SessionTimes.parse(data.get("sessionTime").asText()) : null;
        LocalDate sessionDate = data.hasNonNull("sessionDate") ? LocalDate.parse(data.get("sessionDate").asText()) : null;
        if (sessionTime == null && sessionDate == null) {
            sessionTime = OffsetDateTime.ofInstant(time, ZoneOffset.UTC);
        }
        return new UpstreamEvent(ce.getId(), ce.getType(), ce.getSubject().orElse(null), null, sessionTime, sessionDate, time,
                data);
    }
}
