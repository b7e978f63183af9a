package io.baton.digdag.client;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The Digdag REST endpoints Baton uses (and the emulator answers), by method and path template. The template is
 * the name in metrics and request counts, e.g. {@code GET /api/attempts/{id}/tasks}.
 */
public enum DigdagEndpoint {
    VERSION("GET", "/api/version"),
    PROJECTS("GET", "/api/projects"),
    PROJECT("GET", "/api/projects/{id}"),
    PROJECT_WORKFLOWS("GET", "/api/projects/{id}/workflows"),
    PROJECT_WORKFLOW("GET", "/api/projects/{id}/workflows/{name}"),
    PROJECT_SESSIONS("GET", "/api/projects/{id}/sessions"),
    WORKFLOWS("GET", "/api/workflows"),
    WORKFLOW("GET", "/api/workflows/{id}"),
    SESSIONS("GET", "/api/sessions"),
    SESSION("GET", "/api/sessions/{id}"),
    SESSION_ATTEMPTS("GET", "/api/sessions/{id}/attempts"),
    ATTEMPTS("GET", "/api/attempts"),
    ATTEMPT("GET", "/api/attempts/{id}"),
    ATTEMPT_TASKS("GET", "/api/attempts/{id}/tasks"),
    ATTEMPT_RETRIES("GET", "/api/attempts/{id}/retries"),
    START_ATTEMPT("PUT", "/api/attempts"),
    KILL_ATTEMPT("POST", "/api/attempts/{id}/kill"),
    SCHEDULES("GET", "/api/schedules"),
    PROJECT_SCHEDULES("GET", "/api/projects/{id}/schedules"),
    SCHEDULE("GET", "/api/schedules/{id}"),
    DISABLE_SCHEDULE("POST", "/api/schedules/{id}/disable"),
    ENABLE_SCHEDULE("POST", "/api/schedules/{id}/enable"),
    SKIP_SCHEDULE("POST", "/api/schedules/{id}/skip");

    private final String method;
    private final String template;
    private final String[] segments;

    DigdagEndpoint(String method, String template) {
        this.method = method;
        this.template = template;
        this.segments = template.substring(1).split("/");
    }

    public String method() {
        return method;
    }

    public String template() {
        return template;
    }

    /** {@code METHOD template}, the key of request counts. */
    public String key() {
        return method + " " + template;
    }

    /** The path with the placeholders replaced, in order, by the URL-encoded values. */
    public String path(String... values) {
        StringBuilder path = new StringBuilder();
        int next = 0;
        for (String segment : segments) {
            path.append('/');
            if (isPlaceholder(segment)) {
                path.append(URLEncoder.encode(values[next++], StandardCharsets.UTF_8).replace("+", "%20"));
            } else {
                path.append(segment);
            }
        }
        if (next != values.length) {
            throw new IllegalArgumentException(template + " takes " + next + " values");
        }
        return path.toString();
    }

    /** The decoded placeholder values if {@code rawPath} matches this endpoint's template. */
    public Optional<List<String>> match(String method, String rawPath) {
        if (!this.method.equals(method)) {
            return Optional.empty();
        }
        String[] parts = rawPath.substring(1).split("/", -1);
        if (parts.length != segments.length) {
            return Optional.empty();
        }
        List<String> values = new ArrayList<>();
        for (int i = 0; i < parts.length; i++) {
            if (isPlaceholder(segments[i])) {
                values.add(URLDecoder.decode(parts[i].replace("+", "%2B"), StandardCharsets.UTF_8));
            } else if (!segments[i].equals(parts[i])) {
                return Optional.empty();
            }
        }
        return Optional.of(values);
    }

    private static boolean isPlaceholder(String segment) {
        return segment.startsWith("{");
    }
}
