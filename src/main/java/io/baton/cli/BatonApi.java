package io.baton.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;

/** Baton's REST API over the JDK HttpClient. The token goes in the Authorization header and nowhere else. */
final class BatonApi {

    /** Answer time allowed on top of what a long-poll asked for. */
    private static final Duration MARGIN = Duration.ofSeconds(30);
    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    private final String baseUrl;
    private final String token;
    private final ObjectMapper mapper;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    record Reply(int status, JsonNode body) {
    }

    BatonApi(String baseUrl, String token, ObjectMapper mapper) {
        this.baseUrl = baseUrl.replaceAll("/+$", "");
        this.token = token;
        this.mapper = mapper;
    }

    Reply get(String path) {
        return send("GET", path, null, DEFAULT_TIMEOUT);
    }

    /** A long-poll that may hold the answer back for up to {@code wait}. */
    Reply longPoll(String path, Duration wait) {
        return send("GET", path, null, wait.plus(MARGIN));
    }

    Reply send(String method, String path, Object body) {
        return send(method, path, body, DEFAULT_TIMEOUT);
    }

    /** One path segment, percent-encoded ({@code +} of a task or an offset included). */
    static String segment(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /**
     * Fails unless the status is one of {@code expected}: exit 3 for 400 and 404 (a usage error or something not
     * found), 2 for a 408, otherwise 4 with the problem's detail.
     */
    static JsonNode expect(Reply reply, Integer... expected) {
        if (Set.of(expected).contains(reply.status())) {
            return reply.body();
        }
        String detail = reply.body().path("detail").asText(reply.body().toString());
        StringBuilder message = new StringBuilder("HTTP " + reply.status() + ": " + detail);
        reply.body().path("errors").forEach(error -> message.append("\n  ").append(error.path("field").asText())
                .append(": ").append(error.path("message").asText()));
        int exit = switch (reply.status()) {
            case 400, 404 -> BatonCli.USAGE;
            case 408 -> BatonCli.TIMEOUT;
            default -> BatonCli.ERROR;
        };
        throw new CliFailure(exit, message.toString());
    }

    Reply send(String method, String path, Object body, Duration timeout) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + path))
                .timeout(timeout)
                .header("Accept", "application/json");
        if (token != null && !token.isBlank()) {
            request.header("Authorization", "Bearer " + token);
        }
        try {
            if (body == null) {
                request.method(method, HttpRequest.BodyPublishers.noBody());
            } else {
                request.header("Content-Type", "application/json")
                        .method(method, HttpRequest.BodyPublishers.ofString(mapper.writeValueAsString(body)));
            }
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            String text = response.body();
            JsonNode json = text == null || text.isBlank() ? NullNode.getInstance() : mapper.readTree(text);
            return new Reply(response.statusCode(), json);
        } catch (IOException e) {
            throw new CliFailure(BatonCli.ERROR, "cannot reach Baton at " + baseUrl + ": " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliFailure(BatonCli.ERROR, "interrupted");
        }
    }
}
