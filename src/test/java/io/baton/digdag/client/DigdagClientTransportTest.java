package io.baton.digdag.client;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What goes over the wire between the client and a server that is not the emulator: the headers Baton sends, redirects
 * left alone, and the answers of a proxy in front of Digdag (text/plain errors, empty bodies).
 */
@Tag("unit")
class DigdagClientTransportTest {

    /** One request as the server saw it; headers by lower-case name. */
    private record Received(String method, String path, String rawQuery, Map<String, String> headers, String body) {
    }

    /** An answer: status, content type and body. */
    private record Answer(int status, String contentType, String body, Map<String, String> headers) {
        static Answer json(String body) {
            return new Answer(200, "application/json", body, Map.of());
        }
    }

    private HttpServer server;
    private DigdagClient client;
    private final Map<String, Answer> answers = new ConcurrentHashMap<>();
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private volatile boolean hang;
    private final CountDownLatch hangUntilTheEnd = new CountDownLatch(1);

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::answer);
        server.setExecutor(Executors.newCachedThreadPool());
        server.start();
        client = new DigdagClient("transport", ServerSettings.of(url() + "/")
                .withHeaders(Map.of("Authorization", "Bearer t0ken")), new SimpleMeterRegistry());
    }

    /** Notes the request, hangs if told to, and gives the answer set for its method and path (else Digdag's 404). */
    private void answer(HttpExchange exchange) throws IOException {
        Map<String, String> headers = new HashMap<>();
        exchange.getRequestHeaders().forEach((name, values) -> headers.put(name.toLowerCase(), values.get(0)));
        String path = exchange.getRequestURI().getPath();
        received.add(new Received(exchange.getRequestMethod(), path, exchange.getRequestURI().getRawQuery(), headers,
                new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)));
        if (hang) {
            try {
                hangUntilTheEnd.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        Answer answer = answers.getOrDefault(exchange.getRequestMethod() + " " + path,
                new Answer(404, "application/json", "{\"message\":\"no such path\",\"status\":404}", Map.of()));
        byte[] body = answer.body().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", answer.contentType());
        answer.headers().forEach(exchange.getResponseHeaders()::add);
        exchange.sendResponseHeaders(answer.status(), body.length == 0 ? -1 : body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    private String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @AfterEach
    void stop() {
        hangUntilTheEnd.countDown();
        client.close();
        server.stop(0);
    }

    @Test
    void sendsTheConfiguredHeadersAsBatonAndEncodesNamesAsDigdagDecodesThem() {
        answers.put("GET /api/projects", Answer.json("{\"projects\":[]}"));
        answers.put("PUT /api/attempts", Answer.json("{\"id\":\"7\",\"index\":1,\"sessionTime\":"
                + "\"2026-11-24T00:00:00+09:00\",\"done\":false,\"success\":false,\"cancelRequested\":false}"));

        assertThat(client.projectByName("a b+c/d")).isEmpty();
        StartResult started = client.start(StartRequest.of("3", OffsetDateTime.parse("2026-11-24T00:00:00+09:00"),
                Map.of()));

        assertThat(started.created()).isTrue();
        assertThat(started.attempt().sessionTime()).hasToString("2026-11-24T00:00+09:00");
        assertThat(received).hasSize(2).allSatisfy(request -> assertThat(request.headers())
                .containsEntry("user-agent", "baton").containsEntry("accept", "application/json")
                .containsEntry("authorization", "Bearer t0ken"));
        assertThat(received.get(0).rawQuery()).isEqualTo("name=a+b%2Bc%2Fd");
        Received put = received.get(1);
        assertThat(put.headers().get("content-type")).startsWith("application/json");
        assertThat(put.body()).contains("\"workflowId\":\"3\"", "\"sessionTime\":\"2026-11-24T00:00:00+09:00\"");
    }

    @Test
    void leavesARedirectAlone() {
        answers.put("GET /api/version", new Answer(302, "text/html", "", Map.of("Location", "/login")));

        assertThatThrownBy(client::version)
                .isInstanceOfSatisfying(DigdagException.class, e -> assertThat(e.status()).isEqualTo(302));
        assertThat(received).extracting(Received::path).containsExactly("/api/version");
    }

    @Test
    void triesAProxysTextErrorAgainAndReportsItsText() {
        answers.put("GET /api/version", new Answer(502, "text/plain", "Bad Gateway from the proxy", Map.of()));

        assertThatThrownBy(client::version)
                .isInstanceOfSatisfying(DigdagUnavailableException.class, e -> assertThat(e.status()).isEqualTo(502))
                .hasMessageContaining("transport GET /api/version answered 502: Bad Gateway from the proxy");
        assertThat(received).hasSize(3);
    }

    @Test
    void anEmptyNotFoundIsNotFoundAndNotTriedAgain() {
        answers.put("GET /api/attempts", new Answer(404, "application/json", "", Map.of()));

        assertThatThrownBy(() -> client.attempts(AttemptQuery.newest(10)))
                .isInstanceOf(DigdagNotFoundException.class).hasMessageContaining("(no body)");
        assertThat(received).hasSize(1);
        assertThat(received.get(0).rawQuery()).isEqualTo("include_retried=true&page_size=10");
    }

    @Test
    void cutsAHangAtTheReadTimeoutAndTriesAgain() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        hang = true;
        try (DigdagClient impatient = new DigdagClient("impatient", ServerSettings.of(url())
                .withReadTimeout(Duration.ofMillis(200)).withMaxAttempts(2), registry)) {
            assertThatThrownBy(impatient::version)
                    .isInstanceOfSatisfying(DigdagUnavailableException.class, e -> assertThat(e.status()).isZero());
        }
        assertThat(received).hasSize(2);
        assertThat(registry.find("baton.digdag.requests").tags("server", "impatient", "endpoint", "/api/version",
                "status", "io_error").timer().count()).isEqualTo(2);
    }
}
