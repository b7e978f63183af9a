package io.baton.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import io.baton.digdag.client.Task;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The emulator's {@code http>} operator against a local receiver, as the recordings of a real Digdag describe it
 * (API-NOTES "{@code http>} as a notifier", samples 137 to 161, 181).
 */
class HttpOperatorTest {

    private static final OffsetDateTime SESSION = OffsetDateTime.parse("2026-11-30T00:00:00Z");

    /** What the receiver got: headers by lower-case name. */
    private record Received(String method, String path, Map<String, String> headers, String body) {
    }

    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final AtomicInteger flakyCalls = new AtomicInteger();
    private final CountDownLatch hangUntilTheEnd = new CountDownLatch(1);
    private int sessions;
    private HttpServer receiver;
    private DigdagEmulator emulator;

    @BeforeEach
    void start() throws IOException {
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        receiver.setExecutor(Executors.newCachedThreadPool());
        receiver.createContext("/", exchange -> {
            Map<String, String> headers = new HashMap<>();
            exchange.getRequestHeaders().forEach((name, values) -> headers.put(name.toLowerCase(), values.get(0)));
            String path = exchange.getRequestURI().getPath();
            received.add(new Received(exchange.getRequestMethod(), path, headers,
                    new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)));
            int status = 200;
            if (path.startsWith("/status/")) {
                status = Integer.parseInt(path.substring("/status/".length()));
            } else if (path.equals("/hang")) {
                try {
                    hangUntilTheEnd.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            } else if (path.equals("/flaky")) {
                status = flakyCalls.incrementAndGet() <= 2 ? 500 : 200;
            }
            byte[] body = ("{\"ok\":" + (status == 200) + ",\"code\":" + status + "}").getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        receiver.start();
        emulator = DigdagEmulator.start(EmulatorOptions.defaults());
    }

    @AfterEach
    void stop() {
        hangUntilTheEnd.countDown();
        emulator.close();
        receiver.stop(0);
    }

    private String url(String path) {
        return "http://127.0.0.1:" + receiver.getAddress().getPort() + path;
    }

    private Task task(String attempt, String fullName) {
        return emulator.tasks(attempt).stream().filter(t -> t.fullName().equals(fullName)).reduce((a, b) -> b)
                .orElseThrow();
    }

    private void awaitState(String attempt, String fullName, String state) {
        await().atMost(Duration.ofSeconds(10)).until(() -> task(attempt, fullName).state().equals(state));
    }

    /** An attempt (of a new session) of a workflow of one {@code http>} task posting to {@code path} with more keys. */
    private String runNotifier(String path, String extra) {
        emulator.project("notify").workflow("notify", DigFiles.parse("""
                +notify:
                  http>: %s
                  method: POST
                  content:
                    attempt_id: "${attempt_id}"
                    session_time: "${session_time}"
                    task_name: "${task_name}"
                  content_format: json
                %s
                """.formatted(url(path), extra.indent(2))));
        return emulator.startAttempt("notify", "notify", SESSION.plusDays(sessions++), Map.of());
    }

    @Test
    void theReadmeSnippetNotifiesAfterItsLoadTaskAsDigdagDoes() {
        emulator.project("game").secret("http.authorization", "Bearer t0k3n")
                .workflow("etl", DigFiles.notifyingEtl(url("/notify")));
        String attempt = emulator.startAttempt("game", "etl", SESSION, Map.of());
        emulator.completeTask(attempt, "+etl+extract");
        assertThat(received).isEmpty();
        emulator.completeTask(attempt, "+etl+load");

        await().atMost(Duration.ofSeconds(10)).until(() -> emulator.attempt(attempt).done());
        assertThat(emulator.attempt(attempt).success()).isTrue();
        assertThat(received).singleElement().satisfies(r -> {
            assertThat(r.method()).isEqualTo("POST");
            assertThat(r.path()).isEqualTo("/notify");
            assertThat(r.headers()).containsEntry("content-type", "application/json")
                    .containsEntry("authorization", "Bearer t0k3n");
            assertThat(r.body()).isEqualTo("{\"attemptId\":\"" + attempt + "\",\"task\":\"+etl+notify_baton\"}");
        });
        // RestTask.config shows the task as written, never the secret (sample 138).
        assertThat(task(attempt, "+etl+notify_baton").config().toString()).contains("${attempt_id}")
                .doesNotContain("t0k3n");
        assertThat(emulator.sentRequests()).singleElement()
                .satisfies(s -> assertThat(s.task()).isEqualTo("+etl+notify_baton"));
    }

    @Test
    void theErrorHandlerOfTheSnippetNotifiesWithTheGeneratedTasksFullName() {
        emulator.project("game").workflow("etl", DigFiles.notifyingEtl(url("/notify")));
        String attempt = emulator.startAttempt("game", "etl", SESSION, Map.of());
        emulator.completeTask(attempt, "+etl+extract");
        emulator.failTask(attempt, "+etl+load", "Command failed with code 3 (runtime)");

        await().atMost(Duration.ofSeconds(10)).until(() -> emulator.attempt(attempt).done());
        assertThat(emulator.attempt(attempt).status()).isEqualTo("error");
        assertThat(received).singleElement().satisfies(r -> assertThat(r.body())
                .isEqualTo("{\"attemptId\":\"" + attempt + "\",\"task\":\"+etl^error+notify_baton\"}"));
        // No http.authorization secret: no Authorization header.
        assertThat(received.get(0).headers()).doesNotContainKey("authorization");
        assertThat(task(attempt, "+etl^error").state()).isEqualTo("success");
        assertThat(task(attempt, "+etl^error").config().path("_export").path("error").path("message").asText())
                .isEqualTo("Command failed with code 3 (runtime)");
        assertThat(task(attempt, "+etl^error+notify_baton").state()).isEqualTo("success");
        assertThat(task(attempt, "+etl+notify_baton").state()).isEqualTo("blocked");
        assertThat(task(attempt, "+etl").state()).isEqualTo("group_error");
    }

    @Test
    void variablesAndSecretsAreSentAsStringsInCompactJson() {
        emulator.project("notify").secret("baton.token", "s3cr3t-token-123");
        String attempt = runNotifier("/notify", """
                headers:
                  - Authorization: "Bearer ${secret:baton.token}"
                """);
        awaitState(attempt, "+notify+notify", "success");
        assertThat(received).singleElement().satisfies(r -> {
            assertThat(r.headers()).containsEntry("authorization", "Bearer s3cr3t-token-123");
            assertThat(r.body()).isEqualTo("{\"attempt_id\":\"" + attempt
                    + "\",\"session_time\":\"2026-11-30T00:00:00+00:00\",\"task_name\":\"+notify+notify\"}");
        });
    }

    @Test
    void aMissingSecretFailsTheTaskBeforeAnythingIsSent() {
        String attempt = runNotifier("/notify", """
                headers:
                  - Authorization: "Bearer ${secret:baton.token}"
                """);
        awaitState(attempt, "+notify+notify", "error");
        assertThat(task(attempt, "+notify+notify").error().path("message").asText())
                .isEqualTo("Secret not found for key: 'baton.token' (secret not found)");
        assertThat(received).isEmpty();
    }

    @Test
    void aPostAnsweredWithAnErrorIsSentOnceAndFailsTheTask() {
        String attempt = runNotifier("/status/500", "");
        awaitState(attempt, "+notify+notify", "error");
        assertThat(received).hasSize(1);
        assertThat(task(attempt, "+notify+notify").error().path("message").asText())
                .startsWith("HTTP 5XX Server Error: POST " + url("/status/500") + " - 500: {\"ok\":false");
        await().atMost(Duration.ofSeconds(5)).until(() -> emulator.attempt(attempt).done());
        assertThat(emulator.attempt(attempt).status()).isEqualTo("error");

        String notFound = runNotifier("/status/404", "");
        awaitState(notFound, "+notify+notify", "error");
        assertThat(received).hasSize(2);
        assertThat(task(notFound, "+notify+notify").error().path("message").asText())
                .startsWith("HTTP 4XX Client Error: POST " + url("/status/404") + " - 404: ");
    }

    @Test
    void nothingListeningFailsTheTaskAtOnce() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        emulator.project("notify").workflow("refused", DigFiles.parse("""
                +notify:
                  http>: http://127.0.0.1:%d/notify
                  method: POST
                  content: {attempt_id: "${attempt_id}"}
                """.formatted(closedPort)));
        String attempt = emulator.startAttempt("notify", "refused", SESSION, Map.of());
        awaitState(attempt, "+refused+notify", "error");
        assertThat(task(attempt, "+refused+notify").error().path("message").asText())
                .isEqualTo("java.net.ConnectException: Connection refused (runtime)");
    }

    @Test
    void anAnswerThatNeverComesFailsTheTaskAfterItsTimeout() {
        String attempt = runNotifier("/hang", "timeout: 1");
        awaitState(attempt, "+notify+notify", "running");
        awaitState(attempt, "+notify+notify", "error");
        assertThat(task(attempt, "+notify+notify").error().path("message").asText())
                .isEqualTo("java.util.concurrent.TimeoutException (runtime)");
        assertThat(received).hasSize(1);
    }

    @Test
    void aPostWithRetryTrueIsRetriedUntilItSucceeds() {
        String attempt = runNotifier("/flaky", "retry: true");
        awaitState(attempt, "+notify+notify", "retry_waiting");
        Task waiting = task(attempt, "+notify+notify");
        assertThat(waiting.retryAt()).isNotNull();
        assertThat(waiting.stateParams().path("request").path("retry").asInt()).isEqualTo(1);

        emulator.advanceClock(Duration.ofSeconds(2));
        await().atMost(Duration.ofSeconds(10)).until(() -> received.size() == 2
                && task(attempt, "+notify+notify").state().equals("retry_waiting"));
        emulator.advanceClock(Duration.ofSeconds(4));
        awaitState(attempt, "+notify+notify", "success");
        assertThat(received).hasSize(3);
        JsonNode stateParams = task(attempt, "+notify+notify").stateParams();
        assertThat(stateParams.path("request").path("retry").asInt()).isEqualTo(2);
    }

    @Test
    void aTaskWithoutContentSendsNoBodyAndGetIsRetriedByDefault() {
        emulator.project("notify").workflow("get", DigFiles.parse("""
                +ping:
                  http>: %s
                """.formatted(url("/flaky"))));
        String attempt = emulator.startAttempt("notify", "get", SESSION, Map.of());
        awaitState(attempt, "+get+ping", "retry_waiting");
        assertThat(received).singleElement().satisfies(r -> {
            assertThat(r.method()).isEqualTo("GET");
            assertThat(r.body()).isEmpty();
        });
    }
}
