package io.baton.demo;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.baton.trigger.Explanation;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.function.BooleanSupplier;

/** Baton's own REST API as any client sees it: the demo registers and follows its rule through it. */
final class BatonApi {

    private final URI base;
    private final String bearer;
    private final ObjectMapper mapper;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    BatonApi(URI base, String token, ObjectMapper mapper) {
        this.base = base;
        this.bearer = "Bearer " + token;
        this.mapper = mapper;
    }

    /** Waits until Baton is ready and its watcher has reached the Digdag server. */
    void awaitReady(String server, Duration timeout, BooleanSupplier stopping) {
        Instant giveUp = Instant.now().plus(timeout);
        String last = "no answer";
        while (!stopping.getAsBoolean()) {
            try {
                HttpResponse<String> ready = send(HttpRequest.newBuilder(base.resolve("/q/health/ready")).GET());
                last = ready.body();
                if (ready.statusCode() == 200 && reachable(mapper.readTree(ready.body()), server)) {
                    return;
                }
            } catch (IOException e) {
                last = e.toString();
            }
            if (Instant.now().isAfter(giveUp)) {
                throw new IllegalStateException("Baton was not ready within " + timeout + ": " + last);
            }
            pause();
        }
    }

    private static boolean reachable(JsonNode health, String server) {
        for (JsonNode check : health.path("checks")) {
            if ("Digdag servers".equals(check.path("name").asText())) {
                return check.path("data").path(server + ".reachable").asBoolean(false);
            }
        }
        return false;
    }

    /** {@code PUT /api/v1/rules/{name}}; returns the status (201 created, 200 replaced). */
    int putRule(String name, Object rule) {
        try {
            HttpResponse<String> response = send(authorized("/api/v1/rules/" + name)
                    .header("Content-Type", "application/json")
                    .PUT(HttpRequest.BodyPublishers.ofString(mapper.writeValueAsString(rule))));
            if (response.statusCode() / 100 != 2) {
                throw new IllegalStateException("PUT /api/v1/rules/" + name + " answered " + response.statusCode()
                        + ": " + response.body());
            }
            return response.statusCode();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code GET /api/v1/rules/{name}/explain?session=}: where the rule stands for a session. */
    Explanation explain(String rule, String session) {
        return mapper.convertValue(getJson("/api/v1/rules/" + rule + "/explain?session=" + session), Explanation.class);
    }

    /** {@code GET /api/v1/graph?format=mermaid}. */
    String mermaidGraph() {
        return get("/api/v1/graph?format=mermaid");
    }

    private JsonNode getJson(String path) {
        try {
            return mapper.readTree(get(path));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("GET " + path + " answered no JSON", e);
        }
    }

    private String get(String path) {
        try {
            HttpResponse<String> response = send(authorized(path).GET());
            if (response.statusCode() != 200) {
                throw new IllegalStateException("GET " + path + " answered " + response.statusCode() + ": "
                        + response.body());
            }
            return response.body();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private HttpRequest.Builder authorized(String path) {
        return HttpRequest.newBuilder(base.resolve(path)).header("Authorization", bearer);
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws IOException {
        try {
            return http.send(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private static void pause() {
        try {
            Thread.sleep(200);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
