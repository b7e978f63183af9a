package io.baton.watch;

import io.baton.BatonTestServices;
import io.baton.KafkaTestConsumer;
import io.baton.TestTokens;
import io.baton.emulator.DigFiles;
import io.baton.emulator.DigdagEmulator;
import io.baton.events.EventsConfig;
import io.baton.events.OutboxEvent;
import io.baton.security.Caller;
import io.baton.trigger.SlackStub;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import java.net.URL;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.baton.KafkaTestConsumer.header;
import static io.baton.emulator.TaskSpec.task;
import static io.baton.emulator.WorkflowSpec.sequence;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

@QuarkusTest
@TestProfile(PushTestProfile.class)
@QuarkusTestResource(BatonTestServices.class)
class PushModeTest {

    private static final OffsetDateTime SESSION = OffsetDateTime.parse("2026-11-30T00:00:00+00:00");

    @Inject
    EventsConfig events;

    private final DigdagEmulator emulator = BatonTestServices.emulator();

    /** Starts an attempt of a notifying workflow and waits until the watcher follows it. */
    private String startFollowed(String project) {
        emulator.project(project).workflow("etl", "UTC", sequence(task("extract"), task("load")));
        String attempt = emulator.startAttempt(project, "etl", SESSION, Map.of());
        await().atMost(Duration.ofSeconds(15)).until(() -> QuarkusTransaction.requiringNew().call(() ->
                WatchedAttempt.count("attemptId", Long.parseLong(attempt))) == 1);
        return attempt;
    }

    private static String key(String project) {
        return BatonTestServices.DIGDAG_SERVER + "/" + project + "/etl";
    }

    private static long stored(String project) {
        return QuarkusTransaction.requiringNew().call(() -> OutboxEvent.count("recordKey", key(project)));
    }

    /** The request as Digdag's http> sends it: compact JSON, every value a string, no charset. */
    private static RequestSpecification digdag(String token) {
        return given().auth().oauth2(token).contentType("application/json");
    }

    private static String notifier() {
        return TestTokens.token("digdag-main", null, Set.of(Caller.NOTIFIER));
    }

    private static String body(String attemptId, String task) {
        return "{\"attemptId\":\"" + attemptId + "\",\"task\":\"" + task + "\"}";
    }

    private void awaitCycles(int cycles) {
        long start = emulator.requestCount("GET /api/attempts");
        await().atMost(Duration.ofSeconds(15)).until(() -> emulator.requestCount("GET /api/attempts") >= start + cycles);
    }

    @Test
    void aNotificationPublishesTheTaskAtOnceWhileTheWatcherReadsNoTaskList() {
        // The consumer first: the safety net reads the task list 20 s after the attempt is found.
        try (KafkaTestConsumer consumer = new KafkaTestConsumer(events.topic())) {
            String attempt = startFollowed("push1");
            emulator.resetCounts();
            emulator.completeTask(attempt, "+etl+extract");
            // Poll cycles for longer than the idle interval (2 s): the safety net reads at its own pace (20 s).
            Instant idlePaceDue = Instant.now().plusSeconds(3);
            await().atMost(Duration.ofSeconds(5)).until(() -> Instant.now().isAfter(idlePaceDue));
            awaitCycles(2);
            assertThat(emulator.requestCount("GET", "/api/attempts/" + attempt + "/tasks")).isZero();
            assertThat(stored("push1")).isZero();

            digdag(notifier()).body(body(attempt, "+etl+extract"))
                    .post("/api/v1/digdag/main/notifications").then().statusCode(202)
                    .body("attemptId", equalTo(attempt)).body("completions", equalTo(1));
            // Committed before the answer.
            assertThat(stored("push1")).isEqualTo(1);
            assertThat(emulator.requestCount("GET", "/api/attempts/" + attempt + "/tasks")).isEqualTo(1);

            List<ConsumerRecord<String, String>> records = consumer.awaitRecords(r -> r.stream()
                    .anyMatch(c -> key("push1").equals(c.key())), Duration.ofSeconds(20));
            assertThat(records.stream().filter(r -> key("push1").equals(r.key())))
                    .singleElement().satisfies(r -> assertThat(header(r, "ce_type")).isEqualTo("io.baton.digdag.task.succeeded"))
                    .satisfies(r -> assertThat(r.value()).contains("\"task\":\"+etl+extract\""));
            emulator.completeAll(attempt);
        }
    }

    @TestHTTPResource("/api/v1/digdag/main/notifications")
    URL notifications;

    @Test
    void aTaskRuleFiresFromTheSnippetsHttpNotificationWithoutATaskListRead() {
        emulator.project("push5").secret("http.authorization", "Bearer " + notifier())
                .workflow("etl", DigFiles.notifyingEtl(notifications.toString()))
                .workflow("report", "UTC", sequence(task("build")));
        Map<String, Object> rule = Map.of("team", "bi",
                "upstreams", List.of(Map.of("digdag", Map.of("server", "main", "project", "push5", "workflow", "etl",
                        "task", "+etl+load"))),
                "correlation", Map.of("by", "session_date", "zone", "UTC"),
                "action", Map.of("server", "main", "project", "push5", "workflow", "report"));
        digdag(TestTokens.writer("bi")).body(rule).put("/api/v1/rules/push5-report").then().statusCode(201);
        String attempt = emulator.startAttempt("push5", "etl", SESSION, Map.of());
        await().atMost(Duration.ofSeconds(15)).until(() -> QuarkusTransaction.requiringNew().call(() ->
                WatchedAttempt.count("attemptId", Long.parseLong(attempt))) == 1);
        String tasks = "/api/attempts/" + attempt + "/tasks";
        long before = emulator.requestCount("GET", tasks);
        emulator.completeTask(attempt, "+etl+extract");
        emulator.completeTask(attempt, "+etl+load");

        await().atMost(Duration.ofSeconds(15)).until(() -> emulator.sentRequests().stream()
                .anyMatch(r -> r.body() != null && r.body().contains("\"attemptId\":\"" + attempt + "\"")));
        await().atMost(Duration.ofSeconds(15)).until(() -> !emulator.runningTasks(attempt)
                .contains("+etl+notify_baton") && emulator.requestCount("PUT /api/attempts") > 0);
        // notify_baton is the last task: its success ends the attempt, and the watcher reads the task list once more
        // when it finds the end (on a busy machine, before the downstream attempt exists). Wait for that read too.
        await().atMost(Duration.ofSeconds(15)).until(() -> QuarkusTransaction.requiringNew().call(() ->
                WatchedAttempt.count("attemptId", Long.parseLong(attempt))) == 0);
        // The downstream attempt exists, and Baton read the task list to answer the notification and at the end only.
        assertThat(emulator.requestCount("GET", tasks) - before).isEqualTo(2);
        assertThat(emulator.tasks(attempt).stream().filter(t -> t.fullName().equals("+etl+notify_baton")))
                .singleElement().satisfies(t -> assertThat(t.state()).isEqualTo("success"));
    }

    @Test
    void theErrorHandlersNotificationPublishesTheFailedTaskAtOnceAndASubscriptionOnFailureReacts() {
        emulator.project("push6").secret("http.authorization", "Bearer " + notifier())
                .workflow("etl", DigFiles.notifyingEtl(notifications.toString()));
        Map<String, Object> subscription = Map.of("name", "push6-load-failed", "team", "game", "server", "main",
                "project", "push6", "workflow", "etl", "task", "+etl+load", "states", List.of("error"),
                "slack", PushTestProfile.ALERTS);
        digdag(TestTokens.writer("game")).body(subscription).put("/api/v1/subscriptions/push6-load-failed").then()
                .statusCode(201);
        String attempt = emulator.startAttempt("push6", "etl", SESSION, Map.of());
        await().atMost(Duration.ofSeconds(15)).until(() -> QuarkusTransaction.requiringNew().call(() ->
                WatchedAttempt.count("attemptId", Long.parseLong(attempt))) == 1);
        String tasks = "/api/attempts/" + attempt + "/tasks";
        long before = emulator.requestCount("GET", tasks);
        emulator.completeTask(attempt, "+etl+extract");
        emulator.failTask(attempt, "+etl+load", "Command failed with code 3 (runtime)");

        // The emulator's _error handler notifies; its task ends with Baton's answer, sent once the events are committed.
        // Reads are counted the moment it has ended: the attempt's end, which follows, is read once more.
        long[] readsAtAnswer = {-1};
        await().atMost(Duration.ofSeconds(15)).until(() -> {
            boolean answered = emulator.tasks(attempt).stream()
                    .anyMatch(t -> t.fullName().equals("+etl^error+notify_baton") && t.isDone());
            readsAtAnswer[0] = emulator.requestCount("GET", tasks);
            return answered;
        });
        assertThat(emulator.tasks(attempt).stream().filter(t -> t.fullName().equals("+etl^error+notify_baton")))
                .singleElement().satisfies(t -> assertThat(t.state()).isEqualTo("success"));
        assertThat(emulator.sentRequests()).anySatisfy(r -> assertThat(r.body())
                .isEqualTo(body(attempt, "+etl^error+notify_baton")));
        assertThat(QuarkusTransaction.requiringNew().call(() -> OutboxEvent.count("recordKey = ?1 and type = ?2",
                key("push6"), "io.baton.digdag.task.failed"))).as("+etl+load failed, committed before the answer")
                .isPositive();
        assertThat(readsAtAnswer[0] - before).as("only the notification read the task list").isEqualTo(1);

        // The attempt's own end comes from the attempt list, read every cycle; the subscription on +load reacts.
        await().atMost(Duration.ofSeconds(15)).until(() -> QuarkusTransaction.requiringNew().call(() ->
                OutboxEvent.count("recordKey = ?1 and type = ?2", key("push6"), "io.baton.digdag.attempt.failed")) == 1);
        await().atMost(Duration.ofSeconds(20)).until(() -> SlackStub.get().messages(PushTestProfile.ALERTS).stream()
                .anyMatch(m -> m.contains("push6/etl") && m.contains("+etl+load")));
        assertThat(SlackStub.get().messages(PushTestProfile.ALERTS)).filteredOn(m -> m.contains("push6/etl"))
                .singleElement().satisfies(m -> assertThat(m).contains("Command failed with code 3"));
    }

    @Test
    void aCompletionNeverNotifiedIsPublishedByTheSafetyNetWithinTheSafetyNetInterval() {
        String attempt = startFollowed("push2");
        try {
            emulator.completeTask(attempt, "+etl+extract");
            await().atMost(Duration.ofSeconds(30)).until(() -> stored("push2") == 1);
            assertThat(emulator.attempt(attempt).done()).isFalse();
        } finally {
            emulator.completeAll(attempt);
        }
    }

    @Test
    void theSameCompletionNotifiedTwiceAndPolledOnceReachesKafkaOnce() {
        String attempt = startFollowed("push3");
        try (KafkaTestConsumer consumer = new KafkaTestConsumer(events.topic())) {
            emulator.completeTask(attempt, "+etl+extract");
            for (int i = 0; i < 2; i++) {
                digdag(notifier()).body(body(attempt, "+etl+extract"))
                        .post("/api/v1/digdag/main/notifications").then().statusCode(202);
            }
            // The attempt's end makes the watcher read the task list once more.
            emulator.completeAll(attempt);
            digdag(notifier()).body(body(attempt, "+etl+load"))
                    .post("/api/v1/digdag/main/notifications").then().statusCode(202);
            consumer.awaitRecords(r -> r.stream().anyMatch(c -> key("push3").equals(c.key())
                    && "io.baton.digdag.attempt.succeeded".equals(header(c, "ce_type"))), Duration.ofSeconds(20));
            List<ConsumerRecord<String, String>> records = consumer.drain(Duration.ofSeconds(2)).stream()
                    .filter(r -> key("push3").equals(r.key())).toList();
            assertThat(records).extracting(r -> header(r, "ce_id")).doesNotHaveDuplicates();
            assertThat(records).filteredOn(r -> r.value().contains("\"task\":\"+etl+extract\"")).hasSize(1);
            assertThat(stored("push3")).isEqualTo(emulator.tasks(attempt).size() + 1);
        }
    }

    @Test
    void badAndUnauthenticatedNotificationsAreRefusedAndStoreNothing() {
        String attempt = startFollowed("push4");
        try {
            emulator.completeTask(attempt, "+etl+extract");
            String url = "/api/v1/digdag/main/notifications";
            given().contentType("application/json").body(body(attempt, "+etl+extract")).post(url).then().statusCode(401);
            digdag(TestTokens.writer("game")).body(body(attempt, "+etl+extract")).post(url).then().statusCode(403);
            digdag(notifier()).body("{}").post(url).then().statusCode(400)
                    .body("errors.field", hasItem("attemptId"));
            digdag(notifier()).body("{\"attemptId\":" + attempt + "}").post(url).then().statusCode(400)
                    .body("errors.field", hasItem("attemptId"));
            digdag(notifier()).body(body("twelve", "+etl+extract")).post(url).then().statusCode(400)
                    .body("errors.field", hasItem("attemptId"));
            digdag(notifier()).body("{\"attemptId\":\"" + attempt + "\",\"state\":\"success\"}").post(url).then()
                    .statusCode(400).body("errors.field", hasItem("state"));
            digdag(notifier()).body(body(attempt, "+etl+extract")).post("/api/v1/digdag/nowhere/notifications").then()
                    .statusCode(404);
            digdag(notifier()).body(body("999999999", "+etl+extract")).post(url).then().statusCode(404);
            assertThat(stored("push4")).isZero();

            emulator.faults().refuseConnections(Duration.ofSeconds(5));
            digdag(notifier()).body(body(attempt, "+etl+extract")).post(url).then().statusCode(503)
                    .contentType("application/problem+json");
        } finally {
            emulator.faults().clear();
            emulator.completeAll(attempt);
        }
    }
}
