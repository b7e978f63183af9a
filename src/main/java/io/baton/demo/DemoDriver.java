package io.baton.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.baton.digdag.client.DigdagClients;
import io.baton.emulator.DigdagEmulator;
import io.baton.emulator.EmulatorLauncher;
import io.baton.events.EventsConfig;
import io.baton.security.Caller;
import io.smallrye.jwt.build.Jwt;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;

/**
 * Tells the seed's story against a running Baton: defines the three teams' projects on the in-app emulator,
 * registers the BI team's rule through Baton's REST API with a token it signs itself, plays the days on the
 * accelerated clock and prints what Baton publishes, then a summary.
 */
@ApplicationScoped
public class DemoDriver {

    private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);
    private static final Duration TOKEN_LIFETIME = Duration.ofHours(12);

    @Inject
    DemoConfig config;

    @Inject
    EventsConfig events;

    @Inject
    EmulatorLauncher emulators;

    @Inject
    DigdagClients digdag;

    @Inject
    ObjectMapper mapper;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String kafka;

    private volatile boolean stopping;

    /** Runs the whole story against Baton at {@code baton}; blocks until it is told or {@link #stop()} is called. */
    public DemoSummary run(URI baton, Consumer<String> console) {
        stopping = false;
        Instant began = Instant.now();
        String server = config.server();
        BatonApi api = new BatonApi(baton, token("demo-bi-writer", DemoScenario.TEAM, Set.of(Caller.WRITER)), mapper);
        console.accept("Baton demo: the BI report starts when the game and eikaiwa ETLs have loaded, not at 07:00.");
        console.accept("   waiting for Baton at " + baton + " to be ready and watching Digdag server '" + server
                + "'...");
        api.awaitReady(server, READY_TIMEOUT, () -> stopping);
        DigdagEmulator emulator = emulators.emulator().orElseThrow(() ->
                new IllegalStateException("the demo plays on the in-app emulator: set baton.emulator.enabled=true"));
        URI notifications = baton.resolve("/api/v1/digdag/" + server + "/notifications");
        DemoScenario.define(emulator, config.speed(), notifications.toString(),
                token("demo-eikaiwa-notifier", DemoScenario.EIKAIWA, Set.of(Caller.NOTIFIER)));
        console.accept("   Digdag (emulated)  " + emulator.url() + ": projects game/etl and eikaiwa/etl "
                + "(+extract → +transform, two parallel children → +load) and bi/daily_report, zone "
                + DemoScenario.ZONE);
        console.accept("   Push mode          " + DemoScenario.PUSHED + " ends with +notify_baton (http> POST "
                + notifications + ", and in _error); game/etl is polled");
        console.accept("   Console            " + baton.resolve("/") + " (Today) and " + baton.resolve("/console/graph")
                + ": open it now to watch the story live");
        String tokenHint = config.tokenFile().map(this::writeReaderToken)
                .map(file -> "  (any bearer token; the demo wrote one to " + file + ")").orElse("");

        List<String> topics = List.of(events.topic(), events.triggersTopic(), events.alertsTopic());
        try (KafkaConsumer<String, String> consumer = follow(topics)) {
            DemoClock clock = DemoClock.plan(Instant.now(), config.days(), config.speed());
            console.accept(String.format("   Clock              ×%.0f: a simulated hour takes %.1f s; each day shows "
                            + "00:00–%02d:00", config.speed(),
                    DemoScenario.scaled(Duration.ofHours(1), config.speed()).toMillis() / 1000.0,
                    DemoScenario.DAY_SHOWN.toHours()));
            console.accept("   Kafka topics       " + String.join(", ", topics));
            registerRule(api, server, clock, console);
            DemoRun run = new DemoRun(clock, server, emulator, digdag.client(server), api, consumer, events, mapper,
                    console, () -> stopping);
            run.play();
            if (stopping) {
                throw new IllegalStateException("the demo was stopped");
            }
            DemoSummary summary = run.summary(began);
            DemoRun.printSummary(summary, events, baton, api.mermaidGraph(), tokenHint, config.exitWhenDone(), console);
            return summary;
        }
    }

    /** Ends a running story at its next step. */
    public void stop() {
        stopping = true;
    }

    private void registerRule(BatonApi api, String server, DemoClock clock, Consumer<String> console) {
        Map<String, Object> rule = DemoScenario.rule(server, clock.deadlineWallTime());
        int status = api.putRule(DemoScenario.RULE, rule);
        console.accept("");
        console.accept("The BI team registers its rule: PUT /api/v1/rules/" + DemoScenario.RULE + " → " + status);
        rule.forEach((field, value) -> console.accept("   " + field + ": " + mapper.valueToTree(value)));
        console.accept("   Baton runs on the wall clock, so the deadline is today " + clock.deadlineWallTime() + " "
                + DemoScenario.ZONE + ": that is " + DemoScenario.DEADLINE + " on the demo's clock of the last day.");
    }

    /** A consumer of Baton's topics, as any team would run one, positioned at their ends before the story starts. */
    private KafkaConsumer<String, String> follow(List<String> topics) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka))) {
            for (String topic : topics) {
                createIfAbsent(admin, topic);
            }
        }
        KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka,
                ConsumerConfig.GROUP_ID_CONFIG, "baton-demo-console-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false"),
                new StringDeserializer(), new StringDeserializer());
        consumer.subscribe(topics);
        Instant giveUp = Instant.now().plus(READY_TIMEOUT);
        while (consumer.assignment().stream().map(p -> p.topic()).distinct().count() < topics.size()) {
            if (stopping || Instant.now().isAfter(giveUp)) {
                consumer.close();
                throw new IllegalStateException("no Kafka partitions of " + topics + " were assigned");
            }
            consumer.poll(Duration.ofMillis(100));
        }
        consumer.assignment().forEach(consumer::position);
        return consumer;
    }

    private static void createIfAbsent(Admin admin, String topic) {
        try {
            admin.createTopics(List.of(new NewTopic(topic, 3, (short) 1))).all().get();
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException("cannot create Kafka topic " + topic + ": " + e.getCause().getMessage(),
                        e);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private String writeReaderToken(String file) {
        try {
            Path path = Path.of(file);
            if (path.getParent() != null) {
                Files.createDirectories(path.getParent());
            }
            Files.writeString(path, token("demo-reader", "demo", Set.of()));
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Signed with {@code smallrye.jwt.sign.key.location}, the private half of the key Baton verifies with. */
    private static String token(String subject, String team, Set<String> groups) {
        return Jwt.subject(subject).upn(subject).groups(groups).claim(Caller.TEAM_CLAIM, team)
                .expiresIn(TOKEN_LIFETIME).sign();
    }
}
