package io.baton.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.baton.events.DigdagCompletion;
import io.baton.events.EventsConfig;
import io.baton.events.OutboxEvent;
import io.baton.events.TopicFollower;
import io.baton.events.TopicListener;
import io.baton.rules.Rule;
import io.baton.trigger.RuleIndex;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.panache.common.Sort;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.operators.multi.processors.BroadcastProcessor;
import io.smallrye.mutiny.operators.multi.processors.SerializedProcessor;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;

import java.io.IOException;
import java.time.OffsetDateTime;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The console's live feed: this replica follows the topics Baton publishes (completions, triggers, alerts) with a
 * {@link TopicListener}, as every replica must tell its own browsers, and broadcasts each event and the rules it
 * concerns. The events page starts from the outbox, which keeps what Baton published for a day.
 */
@ApplicationScoped
public class ConsoleFeed {

    @Inject
    EventsConfig events;

    @Inject
    ConsoleConfig config;

    @Inject
    RuleIndex index;

    @Inject
    ObjectMapper mapper;

    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafkaConfig;

    private final SerializedProcessor<FeedEvent, FeedEvent> feed = BroadcastProcessor.<FeedEvent>create().serialized();
    private final SerializedProcessor<List<String>, List<String>> changed =
            BroadcastProcessor.<List<String>>create().serialized();
    private final AtomicInteger streams = new AtomicInteger();
    private TopicListener listener;

    /** Every event from now on. */
    public Multi<FeedEvent> events() {
        return listened(feed);
    }

    /** Names of rules whose state may have changed, from now on. */
    public Multi<List<String>> changedRules() {
        return listened(changed);
    }

    /** Counts the open streams: with none (no browser on this replica), a record costs no parsing at all. */
    private <T> Multi<T> listened(SerializedProcessor<T, T> source) {
        return Multi.createFrom().publisher(source)
                .onSubscription().invoke(streams::incrementAndGet)
                .onTermination().invoke(streams::decrementAndGet);
    }

    /**
     * The latest events Baton published, newest first, that pass the filters. Filters are applied to the parsed
     * events (teams come from the rules), so a few pages' worth of rows is read to fill one page.
     */
    public List<FeedEvent> recent(String team, String project, String kind) {
        List<OutboxEvent> rows = QuarkusTransaction.requiringNew().call(() -> OutboxEvent.<OutboxEvent>find(
                "sentAt is not null", Sort.descending("seq")).page(0, config.recentEvents() * 5).list());
        return rows.stream()
                .map(row -> parse(row.topic, row.eventId, row.type, row.subject, row.recordKey, row.eventTime, row.data))
                .filter(event -> event != null && event.matches(team, project, kind))
                .limit(config.recentEvents())
                .toList();
    }

    void start(@Observes StartupEvent event) {
        listener = TopicListener.start("baton-console-feed", kafkaConfig,
                List.of(events.topic(), events.triggersTopic(), events.alertsTopic()), this::onRecord, () -> { });
    }

    void stop(@Observes ShutdownEvent event) throws InterruptedException {
        if (listener != null) {
            listener.stop();
        }
    }

    private void onRecord(ConsumerRecord<String, String> record) {
        if (streams.get() == 0) {
            return;
        }
        String time = TopicFollower.header(record, "ce_time");
        FeedEvent event = parse(record.topic(), TopicFollower.header(record, "ce_id"),
                TopicFollower.header(record, "ce_type"), TopicFollower.header(record, "ce_subject"), record.key(),
                time == null ? OffsetDateTime.now() : OffsetDateTime.parse(time), record.value());
        if (event == null) {
            return;
        }
        feed.onNext(event);
        if (!event.rules().isEmpty()) {
            changed.onNext(event.rules());
            if (!FeedEvent.TRIGGER.equals(event.kind()) && !FeedEvent.ALERT.equals(event.kind())) {
                Uni.createFrom().item(event.rules()).onItem().delayIt().by(config.settleDelay())
                        .subscribe().with(changed::onNext);
            }
        }
    }

    /** A record of one of Baton's topics as the console shows it; null when it is not a CloudEvent. */
    FeedEvent parse(String topic, String id, String type, String subject, String key, OffsetDateTime time,
                    String value) {
        if (type == null) {
            return null;
        }
        JsonNode data;
        try {
            data = value == null ? mapper.createObjectNode() : mapper.readTree(value);
        } catch (IOException e) {
            data = mapper.createObjectNode();
        }
        String kind = topic.equals(events.triggersTopic()) ? FeedEvent.TRIGGER
                : topic.equals(events.alertsTopic()) ? FeedEvent.ALERT
                : type.startsWith(DigdagCompletion.TYPE_PREFIX) ? FeedEvent.COMPLETION : FeedEvent.EXTERNAL;
        Set<String> teams = new LinkedHashSet<>();
        List<String> rules;
        if (kind.equals(FeedEvent.TRIGGER) || kind.equals(FeedEvent.ALERT)) {
            rules = data.hasNonNull("rule") ? List.of(data.get("rule").asText()) : List.of();
            if (data.hasNonNull("team")) {
                teams.add(data.get("team").asText());
            }
        } else {
            List<Rule> waiting = kind.equals(FeedEvent.COMPLETION) ? index.waitingOnWorkflow(key)
                    : index.waitingOnEventType(type);
            rules = waiting.stream().map(Rule::name).toList();
            waiting.forEach(rule -> teams.add(rule.team()));
        }
        String project = data.hasNonNull("project") ? data.get("project").asText() : null;
        String link = data.hasNonNull("attemptUrl") ? data.get("attemptUrl").asText() : null;
        return new FeedEvent(id, time, kind, type, project, teams, rules,
                FeedEvent.summarize(kind, type, subject, data), link);
    }
}
