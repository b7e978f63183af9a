package io.baton.watch;

import io.baton.BatonTestServices;
import io.baton.KafkaTestConsumer;
import io.baton.PackagedBaton;
import io.baton.digdag.client.Task;
import io.baton.emulator.DigdagEmulator;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.baton.KafkaTestConsumer.header;
import static io.baton.emulator.TaskSpec.group;
import static io.baton.emulator.TaskSpec.parallel;
import static io.baton.emulator.TaskSpec.task;
import static io.baton.emulator.WorkflowSpec.sequence;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The packaged application as its own process, killed (SIGKILL) mid-workflow and started again: every completion,
 * including those that happened while it was down, is published exactly once.
 */
class WatcherCrashRestartIT {

    private final BatonTestServices services = new BatonTestServices();
    private final DigdagEmulator emulator = BatonTestServices.emulator();
    private Map<String, String> config;
    private PackagedBaton baton;

    @BeforeEach
    void start() throws IOException {
        config = services.start();
        baton = new PackagedBaton(config, Path.of("target", "crash-restart-baton.log"), "baton.watch.task-fetch=all");
    }

    @AfterEach
    void stop() {
        baton.close();
        services.stop();
    }

    /** Whether Baton's database holds the attempt as followed, with its tasks read. */
    private boolean followed(String attemptId) throws Exception {
        return baton.count("watch_attempt WHERE task_states IS NOT NULL AND attempt_id = " + attemptId) == 1;
    }

    /** Whether the outbox holds no event waiting for Kafka's acknowledgement. */
    private boolean outboxSettled() throws Exception {
        return baton.count("event_outbox WHERE sent_at IS NULL") == 0;
    }

    @Test
    void completionsWhileTheProcessWasKilledArePublishedOnceAfterItStartsAgain() throws Exception {
        String project = "crash-" + UUID.randomUUID().toString().substring(0, 8);
        emulator.project(project).workflow("etl", "UTC", sequence(task("extract"),
                group("transform", parallel("parallel_group", task("clean_a"), task("clean_b"))), task("load")));
        String key = BatonTestServices.DIGDAG_SERVER + "/" + project + "/etl";

        try (KafkaTestConsumer consumer = new KafkaTestConsumer(config.get("baton.events.topic"))) {
            baton.launch();
            String attempt = emulator.startAttempt(project, "etl", OffsetDateTime.parse("2026-11-24T00:00:00+00:00"), Map.of());
            await().atMost(Duration.ofSeconds(20)).until(() -> followed(attempt));
            emulator.completeTask(attempt, "+etl+extract");
            consumer.awaitRecords(records -> records.stream().anyMatch(r -> key.equals(r.key())), Duration.ofSeconds(20));
            // Delivery is at least once: a kill between Kafka's ack and marking the row sent resends it (same ce_id).
            // Killing once the outbox is settled makes every later record one that happened around the crash.
            await().atMost(Duration.ofSeconds(10)).until(this::outboxSettled);

            baton.kill();
            emulator.completeAll(attempt);
            baton.launch();

            consumer.awaitRecords(records -> records.stream().anyMatch(r -> key.equals(r.key())
                    && "io.baton.digdag.attempt.succeeded".equals(header(r, "ce_type"))), Duration.ofSeconds(30));
            List<ConsumerRecord<String, String>> mine = consumer.drain(Duration.ofSeconds(3)).stream()
                    .filter(r -> key.equals(r.key())).toList();
            assertThat(mine).extracting(r -> header(r, "ce_id")).doesNotHaveDuplicates();
            assertThat(mine).hasSize(emulator.tasks(attempt).size() + 1);
            assertThat(mine.stream().filter(r -> header(r, "ce_subject").contains("+")).map(r -> header(r, "ce_subject")))
                    .containsExactlyInAnyOrderElementsOf(emulator.tasks(attempt).stream()
                            .map(Task::fullName).map(name -> project + "/etl/" + name).toList());
        }
    }
}
