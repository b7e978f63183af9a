package io.baton.digdag.wait;

import io.baton.BatonTestServices;
import io.baton.KafkaTestConsumer;
import io.baton.TestTokens;
import io.baton.digdag.rest.DigdagApiTest;
import io.baton.emulator.DigdagEmulator;
import io.baton.events.EventsConfig;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;

import static io.baton.digdag.rest.DigdagApiTest.as;
import static io.baton.digdag.rest.DigdagApiTest.etlProject;
import static io.baton.digdag.rest.DigdagApiTest.session;
import static io.baton.emulator.TaskSpec.group;
import static io.baton.emulator.TaskSpec.task;
import static io.baton.emulator.WorkflowSpec.sequence;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;

/** Waits on workflows no rule references: the watcher reads their tasks because of the waits alone. */
@QuarkusTest
@QuarkusTestResource(BatonTestServices.class)
class DigdagWaitTest {

    private static final OffsetDateTime SESSION = DigdagApiTest.SESSION;
    private static final Duration LONG = Duration.ofSeconds(30);

    private final DigdagEmulator emulator = BatonTestServices.emulator();

    @Inject
    TaskWaits waits;

    @Inject
    EventsConfig events;

    private static CompletableFuture<Response> waitFor(String project, String task, String query) {
        return CompletableFuture.supplyAsync(() -> as(TestTokens.reader())
                .get(session(project, "2026-11-24") + "/tasks/" + task + "/wait?" + query));
    }

    private void awaitWaiting(int count) {
        await().atMost(LONG).until(() -> waits.waiting() == count);
    }

    @Test
    void everyWaiterIsAnsweredFromTheEventsWithoutPollingDigdag() {
        String project = etlProject(emulator);
        String attempt = emulator.startAttempt(project, "etl", SESSION, Map.of());
        long sessionReads = emulator.requestCount("GET /api/projects/{id}/sessions");
        List<CompletableFuture<Response>> waiting = IntStream.range(0, 3)
                .mapToObj(i -> waitFor(project, "+etl+load", "state=success&timeout=2m")).toList();
        awaitWaiting(3);

        try (KafkaTestConsumer consumer = new KafkaTestConsumer(events.topic())) {
            emulator.completeTask(attempt, "+etl+extract");
            consumer.awaitRecords(records -> records.stream().anyMatch(r -> r.value().contains(attempt)
                    && r.value().contains("\"+etl+extract\"")), LONG);
        }
        assertThat(waiting).noneMatch(CompletableFuture::isDone);
        assertThat(emulator.requestCount("GET /api/projects/{id}/sessions") - sessionReads)
                .as("one session look-up per waiter, when it began").isEqualTo(3);

        emulator.completeTask(attempt, "+etl+load");
        for (CompletableFuture<Response> answer : waiting) {
            answer.join().then().statusCode(200)
                    .body("reached", is(true))
                    .body("wanted", equalTo("success"))
                    .body("task.task", equalTo("+etl+load"))
                    .body("task.state", equalTo("success"))
                    .body("task.attemptId", equalTo(attempt))
                    .body("task.sessionTime", equalTo(DigdagApiTest.SESSION_TEXT));
        }
        awaitWaiting(0);
    }

    @Test
    void aStateAlreadyReachedIsAnsweredAtOnce() {
        String project = etlProject(emulator);
        String attempt = emulator.startAttempt(project, "etl", SESSION, Map.of());
        emulator.completeTask(attempt, "+etl+extract");
        as(TestTokens.reader()).get(session(project, "2026-11-24") + "/tasks/extract/wait").then().statusCode(200)
                .body("reached", is(true))
                .body("task.attemptIndex", is(1));
    }

    /** The first copy of a retried group's child fails, the wait goes on and ends with the new copy's success. */
    @Test
    void aFailureThatARetriedGroupRepeatsDoesNotEndTheWait() {
        String project = "d" + UUID.randomUUID().toString().substring(0, 8);
        emulator.project(project).workflow("etl", "Asia/Tokyo",
                sequence(group("grp", task("flaky")).withRetry(1, Duration.ZERO), task("load")));
        String attempt = emulator.startAttempt(project, "etl", SESSION, Map.of());
        CompletableFuture<Response> answer = waitFor(project, "+etl+grp+flaky", "state=success&timeout=PT2M");
        awaitWaiting(1);

        try (KafkaTestConsumer consumer = new KafkaTestConsumer(events.topic())) {
            emulator.failTask(attempt, "+etl+grp+flaky", "failing once");
            consumer.awaitRecords(records -> records.stream().anyMatch(r -> r.key().contains(project)
                    && r.value().contains("\"+etl+grp+flaky\"") && r.value().contains("\"error\"")), LONG);
        }
        // The failure event makes the waiter read the task list: it finds the new copy running, and waits on.
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10)).until(() -> !answer.isDone());

        emulator.completeTask(attempt, "+etl+grp+flaky");
        answer.join().then().statusCode(200)
                .body("reached", is(true))
                .body("task.state", equalTo("success"));
    }

    @Test
    void aFailureEndsTheWaitUnreached() {
        String project = etlProject(emulator);
        String attempt = emulator.startAttempt(project, "etl", SESSION, Map.of());
        emulator.completeTask(attempt, "+etl+extract");
        CompletableFuture<Response> answer = waitFor(project, "load", "timeout=PT2M");
        awaitWaiting(1);

        emulator.failTask(attempt, "+etl+load", "disk full");
        JsonPath body = answer.join().then().statusCode(200).extract().jsonPath();
        assertThat(body.getBoolean("reached")).isFalse();
        assertThat(body.getString("task.state")).isEqualTo("error");
        assertThat(body.getString("task.error")).isEqualTo("disk full");
    }

    @Test
    void aTaskThatWillNotRunEndsTheWaitWhenItsAttemptEnds() {
        String project = etlProject(emulator);
        String attempt = emulator.startAttempt(project, "etl", SESSION, Map.of());
        CompletableFuture<Response> answer = waitFor(project, "load", "timeout=2m");
        awaitWaiting(1);

        emulator.failTask(attempt, "+etl+extract", "no input");
        answer.join().then().statusCode(200)
                .body("reached", is(false))
                .body("task.state", equalTo("blocked"))
                .body("task.attemptStatus", equalTo("error"));
    }

    @Test
    void aSessionThatHasNotStartedYetIsWaitedFor() {
        String project = etlProject(emulator);
        CompletableFuture<Response> answer = waitFor(project, "load", "state=success&timeout=2m");
        awaitWaiting(1);

        String attempt = emulator.startAttempt(project, "etl", SESSION, Map.of());
        emulator.completeAll(attempt);
        answer.join().then().statusCode(200)
                .body("reached", is(true))
                .body("task.attemptId", equalTo(attempt));
    }

    @Test
    void theTimeoutIsA408() {
        String project = etlProject(emulator);
        emulator.startAttempt(project, "etl", SESSION, Map.of());
        as(TestTokens.reader()).get(session(project, "2026-11-24") + "/tasks/load/wait?timeout=1s").then()
                .statusCode(408)
                .contentType("application/problem+json")
                .body("status", is(408))
                .body("detail", containsString("+etl+load"));
        awaitWaiting(0);
    }

    @Test
    void badParametersAreNamed() {
        String project = etlProject(emulator);
        String wait = session(project, "2026-11-24") + "/tasks/load/wait";
        as(TestTokens.reader()).get(wait + "?state=done").then().statusCode(400)
                .body("errors[0].field", equalTo("state"));
        for (String timeout : List.of("soon", "0s", "-PT1M", "PT7H")) {
            as(TestTokens.reader()).get(wait + "?timeout=" + timeout).then().statusCode(400)
                    .body("errors[0].field", equalTo("timeout"));
        }
        as(TestTokens.reader()).get(session("nosuchproject", "2026-11-24") + "/tasks/load/wait").then()
                .statusCode(404).body("errors[0].field", equalTo("project"));
        as(TestTokens.reader()).get(session(project, "someday") + "/tasks/load/wait").then()
                .statusCode(400).body("errors[0].field", equalTo("sessionTime"));
    }
}
