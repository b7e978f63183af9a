package io.baton.watch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import io.baton.BatonTestServices;
import io.baton.KafkaTestConsumer;
import io.baton.TestTokens;
import io.baton.digdag.client.Attempt;
import io.baton.digdag.client.AttemptQuery;
import io.baton.digdag.client.DigdagClients;
import io.baton.digdag.client.Task;
import io.baton.emulator.DigdagEmulator;
import io.baton.events.EventsConfig;
import io.baton.trigger.TriggerCondition;
import io.baton.trigger.TriggerRun;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
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
import static io.baton.emulator.TaskSpec.task;
import static io.baton.emulator.WorkflowSpec.sequence;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;

/**
 * What a real Digdag does that a simple watcher gets wrong: a retried group lists its children twice under the same
 * names, a restarted server counts its ids from 1 again, a resumed attempt lists copies of tasks that ran before.
 * Runs against a Digdag server of its own ({@link SoloServerProfile}), with real PostgreSQL and Kafka.
 */
@QuarkusTest
@TestProfile(SoloServerProfile.class)
@QuarkusTestResource(BatonTestServices.class)
class RetriesRestartsResumesTest {

    private static final String SERVER = SoloServerProfile.SERVER;
    private static final OffsetDateTime SESSION = OffsetDateTime.parse("2026-11-30T00:00:00+00:00");

    @Inject
    EventsConfig events;

    @Inject
    ObjectMapper mapper;

    @Inject
    MeterRegistry registry;

    @Inject
    DigdagClients clients;

    private final DigdagEmulator emulator = SoloServerProfile.emulator();

    @Test
    void aRetriedGroupYieldsTheChildsFailureAndSuccessOnceEachAndItsAttemptGoesIdle() throws Exception {
        String project = unique("retry");
        emulator.project(project).workflow("retry_group", sequence(task("prepare"),
                group("grp", task("first"), task("flaky"), task("after")).withRetry(2, Duration.ZERO), task("done")));
        try (KafkaTestConsumer consumer = new KafkaTestConsumer(events.topic())) {
            String attempt = emulator.startAttempt(project, "retry_group", SESSION, Map.of());
            finishEverythingRunningBut(attempt);
            awaitFollowed(attempt);
            emulator.completeTask(attempt, "+retry_group+prepare");
            emulator.completeTask(attempt, "+retry_group+grp+first");
            emulator.failTask(attempt, "+retry_group+grp+flaky", "failing once");
            consumer.awaitRecords(records -> records.stream().anyMatch(r -> key(project, "retry_group").equals(r.key())
                    && "io.baton.digdag.task.failed".equals(header(r, "ce_type"))), Duration.ofSeconds(30));

            // The second +first runs and nothing changes: after idle-after (2 s) its tasks are read every 4 s.
            long settled = cycles() + 4;
            await().atMost(Duration.ofSeconds(20)).until(() -> cycles() >= settled);
            OffsetDateTime lastChange = lastChange(attempt);
            emulator.resetCounts();
            long before = cycles();
            await().atMost(Duration.ofSeconds(30)).until(() -> cycles() >= before + 8);
            long taskCalls = emulator.requestCount("GET /api/attempts/{id}/tasks");
            assertThat(taskCalls).as("task-list calls in %d cycles", cycles() - before).isBetween(1L, 4L);
            assertThat(lastChange(attempt)).isEqualTo(lastChange);

            emulator.completeAll(attempt);
            List<ConsumerRecord<String, String>> records = eventsOf(consumer, project, "retry_group",
                    "io.baton.digdag.attempt.succeeded");
            List<Task> done = emulator.tasks(attempt).stream().filter(Task::isDone).toList();
            List<JsonNode> taskEvents = records.stream().map(this::data).filter(d -> d.has("task")).toList();
            assertThat(taskEvents).extracting(d -> d.get("taskId").asText())
                    .containsExactlyInAnyOrderElementsOf(done.stream().map(Task::id).toList());
            assertThat(taskEvents).filteredOn(d -> d.get("task").asText().equals("+retry_group+grp+flaky"))
                    .extracting(d -> d.get("state").asText()).containsExactly("error", "success");
            assertThat(taskEvents).filteredOn(d -> d.get("task").asText().equals("+retry_group+grp+first"))
                    .extracting(d -> d.get("state").asText()).containsExactly("success", "success");
            assertThat(records).hasSize(done.size() + 1);
            assertThat(records).extracting(r -> header(r, "ce_id")).doesNotHaveDuplicates();
            String uuid = emulator.attempt(attempt).sessionUuid();
            assertThat(records).allSatisfy(r -> assertThat(header(r, "ce_id")).isEqualTo(SERVER + "/" + uuid
                    + "/attempts/" + attempt + (data(r).has("taskId") ? "/tasks/" + data(r).get("taskId").asText() : "")
                    + "/" + data(r).get("state").asText()));
            JsonSchema schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012)
                    .getSchema(Files.readString(Path.of("docs/events/digdag-completion.schema.json")));
            assertThat(records).allSatisfy(r -> assertThat(schema.validate(data(r))).isEmpty());
        }
    }

    @Test
    void aRestartedServersNewAttemptsAreReportedAndTriggerTheRule() {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String upstream = "up-" + suffix;
        String downstream = "down-" + suffix;
        defineUpstreamAndDownstream(upstream, downstream);
        String rule = register("restart-" + suffix, upstream, "etl", "+etl+load", downstream);
        try (KafkaTestConsumer consumer = new KafkaTestConsumer(events.topic())) {
            emulator.completeAll(emulator.startAttempt(upstream, "etl", SESSION, Map.of()));
            await().atMost(Duration.ofSeconds(30)).until(() -> startedRuns(rule) == 1);

            emulator.restart();
            defineUpstreamAndDownstream(upstream, downstream);
            String afterRestart = emulator.startAttempt(upstream, "etl", SESSION.plusDays(1), Map.of());
            emulator.completeAll(afterRestart);

            await().atMost(Duration.ofSeconds(30)).until(() -> startedRuns(rule) == 2);
            List<ConsumerRecord<String, String>> attemptEvents = consumer.drain(Duration.ofSeconds(2)).stream()
                    .filter(r -> key(upstream, "etl").equals(r.key()) && !data(r).has("task")).toList();
            assertThat(attemptEvents).extracting(r -> data(r).get("sessionTime").asText())
                    .containsExactly("2026-11-30T00:00:00+00:00", "2026-12-01T00:00:00+00:00");
            assertThat(attemptEvents).extracting(r -> header(r, "ce_id")).doesNotHaveDuplicates();
            List<Attempt> downstreamAttempts = clients.client(SERVER)
                    .attempts(new AttemptQuery(downstream, "daily", true, null, 100));
            assertThat(downstreamAttempts).extracting(a -> a.sessionTime().toLocalDate().toString())
                    .containsExactly("2026-12-01");
            given().get("/q/health/ready").then().statusCode(200).body(containsString(SERVER + ".restarted"));
            assertThat(restarts()).isGreaterThanOrEqualTo(1);
            downstreamAttempts.forEach(a -> emulator.completeAll(a.id()));
        }
    }

    /** Emptied without restarting its ids: only the followed attempt that is gone (404) tells. */
    @Test
    void aServerWhoseRunningAttemptVanishedIsRebaselinedAndPublishesNothingTwice() {
        String project = unique("vanish");
        double restartsBefore = restarts();
        try (KafkaTestConsumer consumer = new KafkaTestConsumer(events.topic())) {
            String vanished = startFollowedEtl(project);
            emulator.clear();
            defineEtl(project);
            String next = emulator.startAttempt(project, "etl", SESSION.plusDays(2), Map.of());
            emulator.completeAll(next);

            await().atMost(Duration.ofSeconds(30)).until(() -> restarts() > restartsBefore);
            List<ConsumerRecord<String, String>> records = eventsOf(consumer, project, "etl",
                    "io.baton.digdag.attempt.succeeded");
            assertThat(records).extracting(r -> data(r).get("attemptId").asText()).containsOnly(next);
            assertThat(records).hasSize(emulator.tasks(next).size() + 1);
            assertThat(records).extracting(r -> header(r, "ce_id")).doesNotHaveDuplicates();
            assertThat(QuarkusTransaction.requiringNew().call(() -> WatchedAttempt.count(
                    "server = ?1 and attemptId = ?2", SERVER, Long.parseLong(vanished)))).isZero();
        }
    }

    /** What tests do between classes: the running attempt ends killed (its running task canceled), no restart. */
    @Test
    void aResetOfTheEmulatorEndsWhatRunsAndIsNoRestart() {
        String project = unique("reset");
        double restartsBefore = restarts();
        try (KafkaTestConsumer consumer = new KafkaTestConsumer(events.topic())) {
            String running = startFollowedEtl(project);
            emulator.completeTask(running, "+etl+extract");
            assertThat(emulator.reset()).isGreaterThanOrEqualTo(1);
            List<ConsumerRecord<String, String>> ended = eventsOf(consumer, project, "etl",
                    "io.baton.digdag.attempt.killed");
            assertThat(ended).last().satisfies(r -> assertThat(data(r).get("attemptId").asText()).isEqualTo(running));
            assertThat(ended).filteredOn(r -> "+etl+extract".equals(data(r).path("task").asText()))
                    .extracting(r -> header(r, "ce_type")).containsExactly("io.baton.digdag.task.succeeded");
            assertThat(ended).filteredOn(r -> "+etl+load".equals(data(r).path("task").asText()))
                    .extracting(r -> header(r, "ce_type")).containsExactly("io.baton.digdag.task.canceled");
            assertThat(ended).extracting(r -> header(r, "ce_id")).doesNotHaveDuplicates();

            defineEtl(project);
            String next = emulator.startAttempt(project, "etl", SESSION, Map.of());
            assertThat(Long.parseLong(next)).isGreaterThan(Long.parseLong(running));
            emulator.completeAll(next);
            assertThat(eventsOf(consumer, project, "etl", "io.baton.digdag.attempt.succeeded"))
                    .filteredOn(r -> "io.baton.digdag.attempt.succeeded".equals(header(r, "ce_type")))
                    .extracting(r -> data(r).get("attemptId").asText()).containsExactly(next);
            await().atMost(Duration.ofSeconds(15)).until(() -> QuarkusTransaction.requiringNew().call(() ->
                    WatchedAttempt.count("server = ?1 and attemptId in ?2", SERVER,
                            List.of(Long.parseLong(running), Long.parseLong(next)))) == 0);
            assertThat(restarts()).isEqualTo(restartsBefore);
        }
    }

    @Test
    void aResumedAttemptsCopiesArePublishedAsCopiesAndSatisfyNothingTwice() {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String upstream = "up-" + suffix;
        String downstream = "down-" + suffix;
        emulator.project(upstream).workflow("fail", sequence(task("step1"), task("flaky"), task("step3")));
        emulator.project(downstream).workflow("daily", sequence(task("build")));
        String rule = register("resume-" + suffix, upstream, "fail", "+fail+step1", downstream);
        try (KafkaTestConsumer consumer = new KafkaTestConsumer(events.topic())) {
            String failed = emulator.startAttempt(upstream, "fail", SESSION, Map.of());
            awaitFollowed(failed);
            emulator.completeTask(failed, "+fail+step1");
            emulator.failTask(failed, "+fail+flaky", "flag missing");
            await().atMost(Duration.ofSeconds(30)).until(() -> startedRuns(rule) == 1);

            String resumed = emulator.resumeFailed(failed, "resume-1");
            emulator.completeAll(resumed);
            List<JsonNode> step1 = eventsOf(consumer, upstream, "fail", "io.baton.digdag.attempt.succeeded").stream()
                    .map(this::data).filter(d -> "+fail+step1".equals(d.path("task").asText())).toList();

            assertThat(step1).extracting(d -> d.get("attemptId").asText()).containsExactly(failed, resumed);
            assertThat(step1.get(0).has("copiedFrom")).isFalse();
            assertThat(step1.get(1).get("copiedFrom").asText()).isEqualTo(failed);
            assertThat(step1.get(1).has("startedAt")).isFalse();
            assertThat(step1.get(1).get("finishedAt")).isEqualTo(step1.get(0).get("finishedAt"));
            List<TriggerCondition> conditions = QuarkusTransaction.requiringNew().call(() ->
                    TriggerCondition.<TriggerCondition>list("ruleName", rule));
            assertThat(conditions).extracting(c -> c.attemptId).containsExactly(failed);
            assertThat(startedRuns(rule)).isEqualTo(1);
            clients.client(SERVER).attempts(new AttemptQuery(downstream, "daily", true, null, 100))
                    .forEach(a -> emulator.completeAll(a.id()));
        }
    }

    private void defineUpstreamAndDownstream(String upstream, String downstream) {
        emulator.project(upstream).workflow("etl", sequence(task("extract"), task("load")));
        emulator.project(downstream).workflow("daily", sequence(task("build")));
    }

    private static String register(String name, String project, String workflow, String task, String downstream) {
        given().auth().oauth2(TestTokens.writer("bi")).contentType(ContentType.JSON)
                .body(Map.of("name", name, "team", "bi",
                        "upstreams", List.of(Map.of("digdag", Map.of("server", SERVER, "project", project,
                                "workflow", workflow, "task", task))),
                        "action", Map.of("server", SERVER, "project", downstream, "workflow", "daily")))
                .put("/api/v1/rules/" + name).then().statusCode(201);
        return name;
    }

    private static long startedRuns(String rule) {
        return QuarkusTransaction.requiringNew().call(() ->
                TriggerRun.count("ruleName = ?1 and attemptId is not null", rule));
    }

    /** Earlier tests may have left attempts running on this server; their task lists would be counted too. */
    private void finishEverythingRunningBut(String attempt) {
        clients.client(SERVER).attempts(new AttemptQuery(null, null, true, null, 100)).stream()
                .filter(a -> !a.done() && !a.id().equals(attempt))
                .forEach(a -> emulator.completeAll(a.id()));
    }

    private void defineEtl(String project) {
        emulator.project(project).workflow("etl", sequence(task("extract"), task("load")));
    }

    /** Defines the project's etl workflow, starts its {@link #SESSION} and waits until the watcher follows it. */
    private String startFollowedEtl(String project) {
        defineEtl(project);
        String attempt = emulator.startAttempt(project, "etl", SESSION, Map.of());
        awaitFollowed(attempt);
        return attempt;
    }

    private void awaitFollowed(String attemptId) {
        await().atMost(Duration.ofSeconds(15)).until(() -> QuarkusTransaction.requiringNew().call(() ->
                WatchedAttempt.count("server = ?1 and attemptId = ?2 and taskStates is not null", SERVER,
                        Long.parseLong(attemptId)) == 1));
    }

    private static OffsetDateTime lastChange(String attemptId) {
        return QuarkusTransaction.requiringNew().call(() -> WatchedAttempt.<WatchedAttempt>find(
                "server = ?1 and attemptId = ?2", SERVER, Long.parseLong(attemptId)).singleResult().lastChangeAt);
    }

    private double restarts() {
        Counter restarts = registry.find("baton.watch.server.restarts").tag("server", SERVER).counter();
        return restarts == null ? 0 : restarts.count();
    }

    private long cycles() {
        Timer poll = registry.find("baton.watch.poll").tag("server", SERVER).timer();
        return poll == null ? 0 : poll.count();
    }

    private static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static String key(String project, String workflow) {
        return SERVER + "/" + project + "/" + workflow;
    }

    private List<ConsumerRecord<String, String>> eventsOf(KafkaTestConsumer consumer, String project, String workflow,
                                                          String lastType) {
        consumer.awaitRecords(records -> records.stream().anyMatch(r -> key(project, workflow).equals(r.key())
                && lastType.equals(header(r, "ce_type"))), Duration.ofSeconds(30));
        return consumer.drain(Duration.ofSeconds(2)).stream().filter(r -> key(project, workflow).equals(r.key()))
                .toList();
    }

    private JsonNode data(ConsumerRecord<String, String> record) {
        try {
            return mapper.readTree(record.value());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
