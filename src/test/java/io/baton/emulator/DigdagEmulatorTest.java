package io.baton.emulator;

import io.baton.digdag.client.Attempt;
import io.baton.digdag.client.Task;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ConnectException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static io.baton.emulator.TaskSpec.group;
import static io.baton.emulator.TaskSpec.parallel;
import static io.baton.emulator.TaskSpec.task;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The emulator's state machine, drives, faults and counters, through its Java API and plain HTTP. */
class DigdagEmulatorTest {

    private static final OffsetDateTime DAY = OffsetDateTime.of(2026, 11, 24, 0, 0, 0, 0, ZoneOffset.UTC);
    private final HttpClient http = HttpClient.newHttpClient();
    private DigdagEmulator emulator;

    @BeforeEach
    void start() {
        emulator = DigdagEmulator.start(EmulatorOptions.defaults());
        emulator.project("game").workflow("etl", WorkflowSpec.sequence(task("extract"),
                group("transform", parallel("clean", task("clean_a"), task("clean_b")), task("aggregate")),
                task("load")));
    }

    @AfterEach
    void stop() {
        emulator.close();
    }

    @Test
    void runsGroupsInOrderAndParallelChildrenTogether() {
        String attemptId = emulator.startAttempt("game", "etl", DAY, Map.of());
        assertThat(states(attemptId)).containsEntry("+etl", "planned").containsEntry("+etl+extract", "running")
                .containsEntry("+etl+transform", "blocked").containsEntry("+etl+load", "blocked");

        emulator.completeTask(attemptId, "+etl+extract");
        assertThat(emulator.runningTasks(attemptId))
                .containsExactly("+etl+transform+clean+clean_a", "+etl+transform+clean+clean_b");
        assertThat(states(attemptId)).containsEntry("+etl+transform", "planned")
                .containsEntry("+etl+transform+clean", "planned");

        emulator.completeTask(attemptId, "+etl+transform+clean+clean_b");
        emulator.completeTask(attemptId, "+etl+transform+clean+clean_a");
        assertThat(emulator.runningTasks(attemptId)).containsExactly("+etl+transform+aggregate");
        assertThat(states(attemptId)).containsEntry("+etl+transform+clean", "success");

        emulator.completeAll(attemptId);
        Attempt done = emulator.attempt(attemptId);
        assertThat(done.status()).isEqualTo("success");
        assertThat(states(attemptId).values()).containsOnly("success");
        assertThatThrownBy(() -> emulator.completeTask(attemptId, "+etl+load"))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aFailureLetsRunningSiblingsFinishAndLeavesTheRestBlocked() {
        String attemptId = emulator.startAttempt("game", "etl", DAY, Map.of());
        emulator.completeTask(attemptId, "+etl+extract");
        emulator.failTask(attemptId, "+etl+transform+clean+clean_a", "disk full");
        assertThat(emulator.attempt(attemptId).done()).isFalse();

        emulator.completeTask(attemptId, "+etl+transform+clean+clean_b");
        Attempt failed = emulator.attempt(attemptId);
        assertThat(failed.status()).isEqualTo("error");
        assertThat(states(attemptId)).containsEntry("+etl", "group_error").containsEntry("+etl+transform", "group_error")
                .containsEntry("+etl+transform+aggregate", "blocked").containsEntry("+etl+load", "blocked")
                .containsEntry("+etl^failure-alert", "success");
    }

    @Test
    void resumeFailedCopiesWhatSucceededAndRerunsTheRest() throws Exception {
        String failed = emulator.startAttempt("game", "etl", DAY, Map.of());
        emulator.completeTask(failed, "+etl+extract");
        emulator.completeTask(failed, "+etl+transform+clean+clean_a");
        emulator.failTask(failed, "+etl+transform+clean+clean_b", "flaky");

        String body = resumeFailed("resume-1", failed);
        HttpResponse<String> response = send("PUT", "/api/attempts", body);
        assertThat(response.statusCode()).isEqualTo(200);
        String resumed = io.baton.digdag.client.DigdagJson.mapper().readTree(response.body()).get("id").asText();

        assertThat(emulator.attempt(resumed).index()).isEqualTo(2);
        assertThat(emulator.runningTasks(resumed)).containsExactly("+etl+transform+clean+clean_b");
        Task copied = emulator.tasks(resumed).stream().filter(t -> t.fullName().endsWith("clean_a")).findFirst()
                .orElseThrow();
        assertThat(copied.state()).isEqualTo("success");
        assertThat(copied.startedAt()).isNull();

        assertThat(send("PUT", "/api/attempts", body).statusCode()).isEqualTo(409);
        emulator.completeAll(resumed);
        assertThat(send("PUT", "/api/attempts", resumeFailed("resume-2", resumed)).body()).contains("Resuming successfully completed attempts is not supported");
    }

    @Test
    void aSecondStartOfTheSessionConflictsWithItsLastAttempt() throws Exception {
        String first = emulator.startAttempt("game", "etl", DAY, Map.of("batch", 1));
        String retry = emulator.startAttempt("game", "etl", DAY, Map.of(), "retry-1");
        assertThat(Long.parseLong(retry)).isGreaterThan(Long.parseLong(first));
        assertThatThrownBy(() -> emulator.startAttempt("game", "etl", DAY, Map.of()))
                .isInstanceOf(IllegalStateException.class);

        HttpResponse<String> conflict = send("PUT", "/api/attempts", "{\"workflowId\":\""
                + emulator.project("game").workflowId("etl") + "\",\"sessionTime\":\"2026-11-24T09:00:00+09:00\","
                + "\"params\":{}}");
        assertThat(conflict.statusCode()).isEqualTo(409);
        assertThat(conflict.body()).contains("\"id\":\"" + retry + "\"", "\"retryAttemptName\":\"retry-1\"");
    }

    @Test
    void aResetEndsWhatRunsForgetsTheProjectsAndKeepsTheHistoryAndTheIds() throws Exception {
        emulator.project("bi").workflow("report", "UTC", WorkflowSpec.sequence(task("build")),
                ScheduleSpec.hourly("00:00"));
        emulator.project("bi").secret("token", "s3cret");
        String finished = emulator.startAttempt("game", "etl", DAY, Map.of());
        emulator.completeAll(finished);
        String running = emulator.startAttempt("game", "etl", DAY.plusDays(1), Map.of());
        emulator.completeTask(running, "+etl+extract");
        emulator.completeTask(running, "+etl+transform+clean+clean_a");
        emulator.manual();
        emulator.faults().respondWith(503, 10);

        assertThat(emulator.reset()).isEqualTo(1);

        Attempt ended = emulator.attempt(running);
        assertThat(ended.status()).isEqualTo("killed");
        assertThat(ended.finishedAt()).isNotNull();
        assertThat(states(running)).containsEntry("+etl+extract", "success")
                .containsEntry("+etl+transform+clean+clean_a", "success")
                .containsEntry("+etl+transform+clean+clean_b", "canceled")
                .containsEntry("+etl+transform+aggregate", "blocked").containsEntry("+etl+load", "blocked")
                .containsEntry("+etl", "canceled");
        assertThat(emulator.attempt(finished).status()).isEqualTo("success");
        assertThat(emulator.requestCounts()).isEmpty();
        assertThat(send("GET", "/api/projects", null).body()).isEqualTo("{\"projects\":[]}");
        assertThat(send("GET", "/api/schedules", null).body()).isEqualTo("{\"schedules\":[]}");
        // The attempt list still leads with the newest attempt: a watcher sees the same server going on.
        assertThat(send("GET", "/api/attempts?include_retried=true", null).body())
                .startsWith("{\"attempts\":[{\"id\":\"" + running + "\"");
        emulator.advanceClock(Duration.ofHours(2));
        assertThat(send("GET", "/api/attempts?include_retried=true", null).body())
                .startsWith("{\"attempts\":[{\"id\":\"" + running + "\"");

        emulator.project("game").workflow("etl", WorkflowSpec.sequence(task("extract")));
        String again = emulator.startAttempt("game", "etl", DAY.plusDays(1), Map.of());
        assertThat(Long.parseLong(again)).isGreaterThan(Long.parseLong(running));
        assertThat(send("GET", "/api/attempts?project=game&include_retried=true", null).body())
                .contains("\"id\":\"" + again + "\"").doesNotContain("\"id\":\"" + running + "\"");
        assertThat(emulator.requestCount("GET /api/attempts")).isEqualTo(3);
    }

    @Test
    void killCancelsOnceRunningTasksEnd() {
        String attemptId = emulator.startAttempt("game", "etl", DAY, Map.of());
        assertThat(emulator.kill(attemptId).cancelRequested()).isFalse();
        assertThat(emulator.attempt(attemptId).status()).isEqualTo("running");

        emulator.completeTask(attemptId, "+etl+extract");
        assertThat(emulator.attempt(attemptId).status()).isEqualTo("killed");
        assertThat(states(attemptId)).containsEntry("+etl", "canceled").containsEntry("+etl+extract", "canceled")
                .containsEntry("+etl+load", "blocked");
    }

    @Test
    void theAutomaticDriveFinishesTasksAsTheClockAdvances() {
        emulator.automatic(AutoDrive.tasksTake(Duration.ofMinutes(10)));
        String attemptId = emulator.startAttempt("game", "etl", DAY, Map.of());
        emulator.advanceClock(Duration.ofMinutes(10));
        assertThat(states(attemptId)).containsEntry("+etl+extract", "success");

        emulator.advanceClock(Duration.ofHours(1));
        assertThat(emulator.attempt(attemptId).status()).isEqualTo("success");

        emulator.automatic(AutoDrive.tasksTake(Duration.ofMillis(20)).withFailureRate(1));
        String failing = emulator.startAttempt("game", "etl", DAY.plusDays(1), Map.of());
        await().atMost(Duration.ofSeconds(10)).until(() -> emulator.attempt(failing).done());
        assertThat(emulator.attempt(failing).status()).isEqualTo("error");
    }

    @Test
    void keepsThousandsOfAttemptsAndPagesThemNewestFirst() throws Exception {
        emulator.automatic(AutoDrive.tasksTake(Duration.ZERO));
        for (int i = 0; i < 3000; i++) {
            emulator.startAttempt("game", "etl", DAY.plusHours(i), Map.of());
        }
        emulator.advanceClock(Duration.ofSeconds(1));
        HttpResponse<String> page = send("GET", "/api/attempts?project=game&page_size=100", null);
        assertThat(page.statusCode()).isEqualTo(200);
        var attempts = io.baton.digdag.client.DigdagJson.mapper().readTree(page.body()).get("attempts");
        assertThat(attempts).hasSize(100);
        assertThat(attempts.get(0).get("id").asLong()).isGreaterThan(attempts.get(99).get("id").asLong());
        assertThat(attempts.get(0).get("status").asText()).isEqualTo("success");
    }

    @Test
    void countsRequestsPerEndpointTemplate() throws Exception {
        String attemptId = emulator.startAttempt("game", "etl", DAY, Map.of());
        send("GET", "/api/attempts/" + attemptId + "/tasks", null);
        send("GET", "/api/attempts/" + attemptId + "/tasks", null);
        send("GET", "/api/attempts", null);

        assertThat(emulator.requestCount("GET /api/attempts/{id}/tasks")).isEqualTo(2);
        assertThat(emulator.requestCounts()).containsEntry("GET /api/attempts", 1L);
        emulator.resetCounts();
        assertThat(emulator.requestCounts()).isEmpty();
    }

    @Test
    void injectsErrorAnswers() throws Exception {
        emulator.faults().respondWith(503, 2);
        assertThat(send("GET", "/api/version", null).statusCode()).isEqualTo(503);
        assertThat(send("GET", "/api/version", null).statusCode()).isEqualTo(503);
        assertThat(send("GET", "/api/version", null).statusCode()).isEqualTo(200);
    }

    @Test
    void refusesConnectionsThenListensOnTheSamePort() {
        int port = emulator.port();
        emulator.faults().refuseConnections(Duration.ofMillis(500));

        assertThatThrownBy(() -> new Socket("127.0.0.1", port).close()).isInstanceOf(ConnectException.class);
        await().atMost(Duration.ofSeconds(10)).ignoreExceptions()
                .until(() -> send("GET", "/api/version", null).statusCode() == 200);
        assertThat(emulator.port()).isEqualTo(port);
    }

    @Test
    void aFailedCheckTurnsTheAnswerInto500() throws Exception {
        try (DigdagEmulator checked = DigdagEmulator.start(EmulatorOptions.defaults()
                .withCheck(exchange -> List.of("always wrong")))) {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(checked.url()
                    + "/api/version")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(500);
            assertThat(response.body()).contains("always wrong");
        }
    }

    private String resumeFailed(String retryAttemptName, String attemptId) {
        return "{\"workflowId\":\"" + emulator.project("game").workflowId("etl") + "\",\"sessionTime\":"
                + "\"2026-11-24T00:00:00Z\",\"params\":{},\"retryAttemptName\":\"" + retryAttemptName + "\","
                + "\"resume\":{\"attemptId\":\"" + attemptId + "\",\"mode\":\"failed\"}}";
    }

    private Map<String, String> states(String attemptId) {
        return emulator.tasks(attemptId).stream().collect(Collectors.toMap(Task::fullName, Task::state));
    }

    private HttpResponse<String> send(String method, String path, String body) throws IOException,
            InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(emulator.url() + path));
        request.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body));
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
