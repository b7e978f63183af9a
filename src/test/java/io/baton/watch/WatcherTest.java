package io.baton.watch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import io.baton.BatonTestServices;
import io.baton.KafkaTestConsumer;
import io.baton.digdag.client.Task;
import io.baton.emulator.DigdagEmulator;
import io.baton.events.EventsConfig;
import io.baton.events.OutboxEvent;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
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
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

@QuarkusTest
@TestProfile(WatchTestProfile.class)
@QuarkusTestResource(BatonTestServices.class)
class WatcherTest {

    private static final OffsetDateTime SESSION = OffsetDateTime.parse("2026-11-24T00:00:00+09:00");
    /** Readiness's boolean for the test's Digdag server ({@code main}). */
    private static final String DIGDAG_REACHABLE = "checks.find { it.name == 'Digdag servers' }.data.'main.reachable'";

    @Inject
    EventsConfig events;

    @Inject
    ObjectMapper mapper;

    private final DigdagEmulator emulator = BatonTestServices.emulator();

    private String etlProject() {
        String project = "w" + UUID.randomUUID().toString().substring(0, 8);
        emulator.project(project).workflow("etl", "Asia/Tokyo", sequence(
                task("extract"),
                group("transform", task("prepare"), parallel("parallel_group", task("clean_a"), task("clean_b")),
                        task("aggregate")),
                task("load")));
        return project;
    }

    private static String key(String project) {
        return BatonTestServices.DIGDAG_SERVER + "/" + project + "/etl";
    }

    private List<ConsumerRecord<String, String>> eventsOf(KafkaTestConsumer consumer, String project, String lastType) {
        consumer.awaitRecords(records -> records.stream()
                .anyMatch(r -> key(project).equals(r.key()) && lastType.equals(header(r, "ce_type"))), Duration.ofSeconds(30));
        return consumer.drain(Duration.ofSeconds(2)).stream().filter(r -> key(project).equals(r.key())).toList();
    }

    private JsonNode data(ConsumerRecord<String, String> record) {
        try {
            return mapper.readTree(record.value());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private void awaitFollowed(String attemptId) {
        await().atMost(Duration.ofSeconds(15)).until(() -> QuarkusTransaction.requiringNew().call(() ->
                WatchedAttempt.count("attemptId = ?1 and taskStates is not null", Long.parseLong(attemptId)) == 1));
    }

    @Test
    void nestedAndParallelTasksAreEachPublishedOnceInOrderThenTheAttempt() throws Exception {
        String project = etlProject();
        try (KafkaTestConsumer consumer = new KafkaTestConsumer(events.topic())) {
            String attempt = emulator.startAttempt(project, "etl", SESSION, Map.of());
            awaitFollowed(attempt);
            for (String task : List.of("+etl+extract", "+etl+transform+prepare", "+etl+transform+parallel_group+clean_b",
                    "+etl+transform+parallel_group+clean_a", "+etl+transform+aggregate", "+etl+load")) {
                emulator.completeTask(attempt, task);
            }
            List<ConsumerRecord<String, String>> records = eventsOf(consumer, project, "io.baton.digdag.attempt.succeeded");

            List<String> taskNames = records.stream().filter(r -> data(r).has("task")).map(r -> data(r).get("task").asText()).toList();
            assertThat(taskNames).containsExactlyInAnyOrderElementsOf(
                    emulator.tasks(attempt).stream().map(Task::fullName).toList());
            assertThat(records).extracting(r -> header(r, "ce_id")).doesNotHaveDuplicates();
            assertThat(records).extracting(r -> header(r, "ce_type")).last().isEqualTo("io.baton.digdag.attempt.succeeded");
            assertThat(records).extracting(r -> header(r, "ce_type")).filteredOn(t -> t.contains(".task."))
                    .containsOnly("io.baton.digdag.task.succeeded");
            assertThat(taskNames.indexOf("+etl+extract")).isLessThan(taskNames.indexOf("+etl+load"));
            assertThat(taskNames.indexOf("+etl+load")).isLessThan(taskNames.indexOf("+etl"));

            JsonNode load = records.stream().map(this::data).filter(d -> "+etl+load".equals(d.path("task").asText()))
                    .findFirst().orElseThrow();
            assertThat(load.get("server").asText()).isEqualTo("main");
            assertThat(load.get("project").asText()).isEqualTo(project);
            assertThat(load.get("workflow").asText()).isEqualTo("etl");
            assertThat(load.get("attemptId").asText()).isEqualTo(attempt);
            assertThat(load.get("sessionTime").asText()).isEqualTo("2026-11-24T00:00:00+09:00");
            assertThat(load.get("sessionDate").asText()).isEqualTo("2026-11-24");
            assertThat(load.get("state").asText()).isEqualTo("success");
            assertThat(load.get("attemptUrl").asText()).endsWith("/attempts/" + attempt);
            assertThat(header(records.get(0), "ce_subject")).startsWith(project + "/etl");
            JsonSchema schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012)
                    .getSchema(Files.readString(Path.of("docs/events/digdag-completion.schema.json")));
            assertThat(records).allSatisfy(r -> assertThat(schema.validate(data(r))).isEmpty());
        }
    }

    @Test
    void aFailedTaskFailsItsGroupsAndTheAttempt() {
        String project = etlProject();
        try (KafkaTestConsumer consumer = new KafkaTestConsumer(events.topic())) {
            String attempt = emulator.startAttempt(project, "etl", SESSION, Map.of());
            awaitFollowed(attempt);
            emulator.completeTask(attempt, "+etl+extract");
            emulator.failTask(attempt, "+etl+transform+prepare", "disk full");
            List<ConsumerRecord<String, String>> records = eventsOf(consumer, project, "io.baton.digdag.attempt.failed");

            JsonNode prepare = records.stream().map(this::data).filter(d -> "+etl+transform+prepare".equals(d.path("task").asText()))
                    .findFirst().orElseThrow();
            assertThat(prepare.get("state").asText()).isEqualTo("error");
            assertThat(prepare.get("error").asText()).contains("disk full");
            assertThat(records).extracting(r -> header(r, "ce_type"))
                    .contains("io.baton.digdag.task.succeeded", "io.baton.digdag.task.failed")
                    .last().isEqualTo("io.baton.digdag.attempt.failed");
            assertThat(records).extracting(r -> data(r).path("task").asText()).doesNotContain("+etl+load");
            assertThat(records).extracting(r -> header(r, "ce_id")).doesNotHaveDuplicates();
        }
    }

    /**
     * Another replica takes the lease (this one stops and forgets its memory, as after a crash), tasks finish meanwhile;
     * when the lease comes back, the state reloaded from PostgreSQL yields every missed completion, once.
     */
    @Test
    void completionsDuringAnOutageOfThisReplicaArePublishedOnceAfterItTakesOver() {
        String project = etlProject();
        try (KafkaTestConsumer consumer = new KafkaTestConsumer(events.topic())) {
            String attempt = emulator.startAttempt(project, "etl", SESSION, Map.of());
            awaitFollowed(attempt);
            emulator.completeTask(attempt, "+etl+extract");
            consumer.awaitRecords(records -> records.stream().anyMatch(r -> key(project).equals(r.key())
                    && "+etl+extract".equals(data(r).path("task").asText())), Duration.ofSeconds(20));

            QuarkusTransaction.requiringNew().run(() -> WatchedServer.update(
                    "owner = 'another-replica', leaseUntil = ?1 where server = ?2",
                    OffsetDateTime.now().plusHours(1), BatonTestServices.DIGDAG_SERVER));
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given().get("/q/health/ready").then()
                    .body(containsString("polled by another replica")));
            List.of("+etl+transform+prepare", "+etl+transform+parallel_group+clean_a",
                    "+etl+transform+parallel_group+clean_b", "+etl+transform+aggregate", "+etl+load")
                    .forEach(task -> emulator.completeTask(attempt, task));

            QuarkusTransaction.requiringNew().run(() -> WatchedServer.update(
                    "leaseUntil = ?1 where server = ?2", OffsetDateTime.now().minusSeconds(1), BatonTestServices.DIGDAG_SERVER));
            List<ConsumerRecord<String, String>> records = eventsOf(consumer, project, "io.baton.digdag.attempt.succeeded");
            assertThat(records).extracting(r -> header(r, "ce_id")).doesNotHaveDuplicates();
            assertThat(records.stream().filter(r -> data(r).has("task")).map(r -> data(r).get("task").asText()).toList())
                    .containsExactlyInAnyOrderElementsOf(emulator.tasks(attempt).stream().map(Task::fullName).toList());
        }
    }

    @Test
    void eventsWaitInTheOutboxWhileKafkaIsDownAndAllArriveOnceWhenItIsBack() {
        String project = etlProject();
        try (KafkaTestConsumer consumer = new KafkaTestConsumer(events.topic())) {
            String attempt = emulator.startAttempt(project, "etl", SESSION, Map.of());
            awaitFollowed(attempt);
            BatonTestServices.services("kafka-down");
            try {
                emulator.completeAll(attempt);
                int expected = emulator.tasks(attempt).size() + 1;
                await().atMost(Duration.ofSeconds(20)).until(() -> QuarkusTransaction.requiringNew().call(() ->
                        OutboxEvent.count("recordKey = ?1 and sentAt is null", key(project))) == expected);
            } finally {
                BatonTestServices.services("kafka-up");
            }
            List<ConsumerRecord<String, String>> records = eventsOf(consumer, project, "io.baton.digdag.attempt.succeeded");
            assertThat(records).extracting(r -> header(r, "ce_id")).doesNotHaveDuplicates();
            assertThat(records).hasSize(emulator.tasks(attempt).size() + 1);
            assertThat(records).extracting(r -> header(r, "ce_type")).last().isEqualTo("io.baton.digdag.attempt.succeeded");
        }
    }

    @Test
    void anUnreachableDigdagShowsInReadinessAndIsCaughtUpAfterwards() {
        String project = etlProject();
        try (KafkaTestConsumer consumer = new KafkaTestConsumer(events.topic())) {
            String attempt = emulator.startAttempt(project, "etl", SESSION, Map.of());
            awaitFollowed(attempt);
            emulator.faults().refuseConnections(Duration.ofSeconds(4));
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> given().get("/q/health/ready").then()
                    .statusCode(503).body(containsString("unreachable")).body(DIGDAG_REACHABLE, equalTo(false)));
            emulator.completeAll(attempt);

            List<ConsumerRecord<String, String>> records = eventsOf(consumer, project, "io.baton.digdag.attempt.succeeded");
            assertThat(records).extracting(r -> header(r, "ce_id")).doesNotHaveDuplicates();
            assertThat(records.stream().filter(r -> data(r).has("task")).count())
                    .isEqualTo(emulator.tasks(attempt).size());
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> given().get("/q/health/ready").then()
                    .statusCode(200).body(DIGDAG_REACHABLE, equalTo(true)));
        }
    }
}
