package io.baton.emulator;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Digdag's {@code http>} operator, as recorded on a real server (API-NOTES "{@code http>} as a notifier"): the task
 * sends one request when it runs and ends with its answer. {@code ${...}} takes the attempt's variables and
 * {@code ${secret:key}} the project's secrets; the secret {@code http.authorization} is the {@code Authorization}
 * header of every request that names none. An object {@code content} is compact JSON with {@code Content-Type:
 * application/json} (no charset) unless {@code content_format} says {@code form} or {@code text}. No answer within
 * {@code timeout} (30 s), a refused connection or a status other than 2xx fails the task, with Digdag's messages. A
 * POST, PUT, PATCH or DELETE is sent once unless {@code retry: true}; other methods retry by default. The waits
 * between tries (2 s, doubling, 7 retries) are the emulator's: the recording saw about 2 s and 3 to 4 s.
 */
final class HttpOperator implements AutoCloseable {

    static final String KEY = "http>";
    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration FIRST_RETRY_WAIT = Duration.ofSeconds(2);
    private static final int MAX_RETRIES = 7;
    private static final String AUTHORIZATION_SECRET = "http.authorization";
    private static final Set<String> RETRIED_BY_DEFAULT = Set.of("GET", "HEAD", "OPTIONS", "TRACE");
    private static final Pattern VARIABLE = Pattern.compile("\\$\\{([^}]*)}");

    /** One request as Digdag would send it; headers in the order the task names them. */
    record Call(String method, URI uri, Map<String, String> headers, byte[] body, Duration timeout, boolean retry) {
    }

    /** The task's result: success without an error message; a failed try may be retried. */
    record Outcome(String error, boolean retryable) {
        static final Outcome SUCCESS = new Outcome(null, false);
    }

    /** A task whose config Digdag could not evaluate fails before sending anything, with this message. */
    static final class TemplateError extends RuntimeException {
        TemplateError(String message) {
            super(message);
        }
    }

    private final ObjectMapper json = new ObjectMapper();
    private final ExecutorService pool;
    private final HttpClient client;
    private final List<SentRequest> sent = new CopyOnWriteArrayList<>();

    HttpOperator(ExecutorService pool) {
        this.pool = pool;
        this.client = HttpClient.newBuilder().executor(pool).connectTimeout(DEFAULT_TIMEOUT).build();
    }

    static HttpOperator withDaemonThreads(String name) {
        return new HttpOperator(Executors.newCachedThreadPool(runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        }));
    }

    static boolean runs(JsonNode config) {
        return config.has(KEY);
    }

    /**
     * The request of a task's config.
     *
     * @param variables the attempt's variables: params, {@code _export}s and built-ins such as {@code attempt_id}
     * @throws TemplateError if a variable or secret is missing
     */
    Call call(JsonNode config, JsonNode variables, Map<String, String> secrets) {
        String method = config.path("method").asText("GET").toUpperCase(Locale.ROOT);
        Map<String, String> headers = new LinkedHashMap<>();
        for (JsonNode header : config.path("headers")) {
            header.fields().forEachRemaining(h -> headers.put(h.getKey(), render(h.getValue().asText(), variables,
                    secrets)));
        }
        if (headers.keySet().stream().noneMatch("Authorization"::equalsIgnoreCase)
                && secrets.containsKey(AUTHORIZATION_SECRET)) {
            headers.put("Authorization", secrets.get(AUTHORIZATION_SECRET));
        }
        byte[] body = null;
        JsonNode content = config.get("content");
        if (content != null) {
            String format = config.path("content_format").asText(content.isContainerNode() ? "json" : "text");
            body = body(format, rendered(content, variables, secrets), headers);
        }
        boolean retry = config.path("retry").asBoolean(RETRIED_BY_DEFAULT.contains(method));
        Duration timeout = config.has("timeout") ? Duration.ofSeconds(config.path("timeout").asLong())
                : DEFAULT_TIMEOUT;
        return new Call(method, URI.create(render(config.path(KEY).asText(), variables, secrets)), headers, body,
                timeout, retry);
    }

    /** Sends the request of the task; {@code then} gets the outcome on the operator's own thread, never the caller's. */
    void send(String task, Call call, Consumer<Outcome> then) {
        sent.add(new SentRequest(task, call.method(), call.uri().toString(), call.headers(),
                call.body() == null ? null : new String(call.body(), StandardCharsets.UTF_8)));
        HttpRequest request;
        try {
            HttpRequest.Builder builder = HttpRequest.newBuilder(call.uri()).timeout(call.timeout())
                    .header("User-Agent", "Baton-Digdag-emulator")
                    .method(call.method(), call.body() == null ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofByteArray(call.body()));
            call.headers().forEach(builder::header);
            request = builder.build();
        } catch (IllegalArgumentException e) {
            report(new Outcome(e + " (config)", false), then);
            return;
        }
        client.sendAsync(request, HttpResponse.BodyHandlers.ofString())
                .whenCompleteAsync((response, failure) -> then.accept(outcome(call, response, failure)), pool);
    }

    /** Hands an outcome known without sending anything to {@code then}, on the operator's own thread. */
    void report(Outcome outcome, Consumer<Outcome> then) {
        pool.execute(() -> then.accept(outcome));
    }

    /**
     * How long to wait before retry number {@code retriesSoFar + 1} of a failed try; empty: the task fails.
     *
     * @param call null when nothing was sent
     */
    static Optional<Duration> retryWait(Call call, Outcome outcome, int retriesSoFar) {
        if (call == null || !call.retry() || !outcome.retryable() || retriesSoFar >= MAX_RETRIES) {
            return Optional.empty();
        }
        return Optional.of(FIRST_RETRY_WAIT.multipliedBy(1L << retriesSoFar));
    }

    List<SentRequest> sent() {
        return List.copyOf(sent);
    }

    void clearSent() {
        sent.clear();
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }

    private static Outcome outcome(Call call, HttpResponse<String> response, Throwable failure) {
        if (failure != null) {
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                    ? failure.getCause() : failure;
            if (cause instanceof HttpTimeoutException) {
                return new Outcome("java.util.concurrent.TimeoutException (runtime)", true);
            }
            if (cause instanceof ConnectException) {
                return new Outcome("java.net.ConnectException: Connection refused (runtime)", true);
            }
            return new Outcome(cause + " (runtime)", cause instanceof IOException);
        }
        int status = response.statusCode();
        if (status / 100 == 2) {
            return Outcome.SUCCESS;
        }
        String kind = status / 100 == 4 ? "HTTP 4XX Client Error" : status / 100 == 5 ? "HTTP 5XX Server Error"
                : "HTTP " + status;
        return new Outcome(kind + ": " + call.method() + " " + call.uri() + " - " + status + ": " + response.body(),
                status / 100 == 5);
    }

    private byte[] body(String format, JsonNode content, Map<String, String> headers) {
        String type;
        String text;
        switch (format) {
            case "json" -> {
                type = "application/json";
                try {
                    text = json.writeValueAsString(content);
                } catch (JsonProcessingException e) {
                    throw new IllegalStateException(e);
                }
            }
            case "form" -> {
                type = "application/x-www-form-urlencoded";
                List<String> pairs = new ArrayList<>();
                content.fields().forEachRemaining(f -> pairs.add(URLEncoder.encode(f.getKey(), StandardCharsets.UTF_8)
                        + "=" + URLEncoder.encode(f.getValue().asText(), StandardCharsets.UTF_8)));
                text = String.join("&", pairs);
            }
            case "text" -> {
                type = "text/plain";
                text = content.isTextual() ? content.asText() : content.toString();
            }
            default -> throw new TemplateError("content_format must be json, form or text: " + format);
        }
        if (headers.keySet().stream().noneMatch("Content-Type"::equalsIgnoreCase)) {
            headers.put("Content-Type", type);
        }
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** The content with {@code ${...}} replaced in every string, keys and structure unchanged. */
    private static JsonNode rendered(JsonNode node, JsonNode variables, Map<String, String> secrets) {
        if (node.isTextual()) {
            return TextNode.valueOf(render(node.asText(), variables, secrets));
        }
        if (node.isObject()) {
            ObjectNode copy = ((ObjectNode) node).objectNode();
            node.fields().forEachRemaining(f -> copy.set(f.getKey(), rendered(f.getValue(), variables, secrets)));
            return copy;
        }
        if (node.isArray()) {
            ArrayNode copy = ((ArrayNode) node).arrayNode();
            node.forEach(element -> copy.add(rendered(element, variables, secrets)));
            return copy;
        }
        return node;
    }

    /** {@code ${name}}, {@code ${a.b}} and {@code ${secret:key}}; Digdag's JavaScript expressions are not emulated. */
    static String render(String template, JsonNode variables, Map<String, String> secrets) {
        Matcher matcher = VARIABLE.matcher(template);
        StringBuilder out = new StringBuilder();
        while (matcher.find()) {
            String expression = matcher.group(1).trim();
            String value;
            if (expression.startsWith("secret:")) {
                String key = expression.substring("secret:".length());
                value = secrets.get(key);
                if (value == null) {
                    throw new TemplateError("Secret not found for key: '" + key + "' (secret not found)");
                }
            } else {
                JsonNode found = variables;
                for (String part : expression.split("\\.")) {
                    found = found.path(part);
                }
                if (found.isMissingNode() || found.isNull()) {
                    throw new TemplateError("Failed to evaluate a variable ${" + expression + "} (ReferenceError: \""
                            + expression + "\" is not defined)");
                }
                value = found.isValueNode() ? found.asText() : found.toString();
            }
            matcher.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        matcher.appendTail(out);
        return out.toString();
    }
}
