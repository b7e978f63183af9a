package io.baton.digdag.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.smallrye.faulttolerance.api.Guard;
import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.client.Client;
import jakarta.ws.rs.client.Entity;
import jakarta.ws.rs.client.Invocation;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.faulttolerance.exceptions.TimeoutException;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.client.impl.ClientBuilderImpl;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.StringJoiner;
import java.util.concurrent.TimeUnit;

/**
 * Typed client of one Digdag server's REST API: the Quarkus REST client (its JAX-RS {@code Client}) carries the
 * requests, a SmallRye Fault Tolerance {@link Guard} built from the server's settings tries a call again with a
 * doubling backoff after an I/O error, a timeout or a 5xx, never after a 4xx. Every try is timed as
 * {@code baton.digdag.requests} (tags server, endpoint template, method, status). Header values are never logged:
 * they may hold credentials.
 *
 * <p>Bodies are read as bytes and mapped with {@link DigdagJson}, not by the REST client's JSON readers: a 409 of
 * {@code PUT /api/attempts} carries the existing attempt, errors may be empty or not JSON (a proxy's page), and
 * session times must keep the offset Digdag wrote, as the emulator writes them with the same mapper.
 */
public class DigdagClient implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(DigdagClient.class);
    private static final String USER_AGENT = "baton";
    private static final int PROJECTS_PAGE = 100;
    /** Digdag's fixed page of schedules (no {@code count} parameter). */
    private static final int SCHEDULES_PAGE = 100;

    private final String serverName;
    private final String baseUrl;
    private final DigdagConfig.Server config;
    private final int tries;
    private final Client http;
    private final Guard guard;
    private final ObjectMapper mapper = DigdagJson.mapper();
    private final MeterRegistry registry;
    private final OutageLog outages;

    public DigdagClient(String serverName, DigdagConfig.Server config, MeterRegistry registry) {
        this.serverName = serverName;
        this.baseUrl = config.url().replaceAll("/+$", "");
        this.config = config;
        this.tries = Math.max(1, config.maxAttempts());
        this.registry = registry;
        this.outages = new OutageLog(serverName, Clock.systemUTC());
        this.http = new ClientBuilderImpl()
                .setUserAgent(USER_AGENT)
                .followRedirects(false)
                .connectTimeout(config.connectTimeout().toMillis(), TimeUnit.MILLISECONDS)
                // Closes a hung connection; the guard's timeout below bounds the whole try.
                .readTimeout(config.readTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .build();
        this.guard = guard(config, tries);
    }

    /**
     * Tries as configured, each ended after the read timeout; the backoff doubles from the configured one without
     * jitter or cap (Fault Tolerance's defaults would add 200 ms of jitter, cap at a minute and stop after 3 minutes).
     */
    private static Guard guard(DigdagConfig.Server config, int tries) {
        long backoff = config.backoff().toMillis();
        return Guard.create()
                .withRetry()
                .maxRetries(tries - 1)
                .delay(backoff, ChronoUnit.MILLIS)
                .jitter(0, ChronoUnit.MILLIS)
                .maxDuration(0, ChronoUnit.MILLIS)
                .retryOn(List.of(DigdagUnavailableException.class, TimeoutException.class))
                .withExponentialBackoff().factor(2).maxDelay(Long.MAX_VALUE, ChronoUnit.MILLIS).done()
                .beforeRetry(failure -> LOG.debugf("%s; trying again", failure.getMessage()))
                .done()
                .withTimeout().duration(config.readTimeout().toMillis(), ChronoUnit.MILLIS).done()
                .build();
    }

    public String serverName() {
        return serverName;
    }

    public String baseUrl() {
        return baseUrl;
    }

    /** Releases the REST client's connections. */
    @Override
    public void close() {
        http.close();
    }

    public String version() {
        return get(DigdagEndpoint.VERSION, Map.of(), JsonNode.class).path("version").asText();
    }

    /** Every project, following Digdag's forward paging ({@code last_id} ascending). */
    public List<Project> projects() {
        List<Project> all = new ArrayList<>();
        List<Project> page;
        String lastId = null;
        do {
            page = get(DigdagEndpoint.PROJECTS, query("count", PROJECTS_PAGE, "last_id", lastId), ProjectList.class)
                    .projects();
            all.addAll(page);
            lastId = page.isEmpty() ? null : page.get(page.size() - 1).id();
        } while (page.size() == PROJECTS_PAGE);
        return all;
    }

    public Optional<Project> projectByName(String name) {
        return get(DigdagEndpoint.PROJECTS, query("name", name), ProjectList.class).projects().stream().findFirst();
    }

    /** The workflows of the project's latest revision. */
    public List<Workflow> workflows(String projectId) {
        return get(DigdagEndpoint.PROJECT_WORKFLOWS, Map.of(), WorkflowList.class, projectId).workflows();
    }

    public Optional<Workflow> workflow(String projectId, String name) {
        return get(DigdagEndpoint.PROJECT_WORKFLOWS, query("name", name), WorkflowList.class, projectId)
                .workflows().stream().findFirst();
    }

    /**
     * One page of a project's sessions, newest first.
     *
     * @param workflowName exact name, or null for all workflows
     * @param lastId       only sessions with a smaller id, or null for the newest
     */
    public List<Session> sessions(String projectId, String workflowName, String lastId, int pageSize) {
        return get(DigdagEndpoint.PROJECT_SESSIONS,
                query("workflow", workflowName, "last_id", lastId, "page_size", pageSize), SessionList.class,
                projectId).sessions();
    }

    /** One page of attempts, newest (highest id) first. */
    public List<Attempt> attempts(AttemptQuery query) {
        return get(DigdagEndpoint.ATTEMPTS, query("project", query.project(), "workflow", query.workflow(),
                "include_retried", query.includeRetried(), "last_id", query.lastId(), "page_size", query.pageSize()),
                AttemptList.class).attempts();
    }

    public Attempt attempt(String attemptId) {
        return get(DigdagEndpoint.ATTEMPT, Map.of(), Attempt.class, attemptId);
    }

    /** Every task of the attempt (Digdag has no paging here), by task id ascending. */
    public List<Task> tasks(String attemptId) {
        return get(DigdagEndpoint.ATTEMPT_TASKS, Map.of(), TaskList.class, attemptId).tasks();
    }

    /** Every attempt of the attempt's session, by index ascending. */
    public List<Attempt> retries(String attemptId) {
        return get(DigdagEndpoint.ATTEMPT_RETRIES, Map.of(), AttemptList.class, attemptId).attempts();
    }

    /**
     * Starts an attempt. Idempotent: when the session or the named retry already exists Digdag answers 409 with
     * that attempt, returned here with {@code created=false}. A lost answer is therefore safe to try again.
     */
    public StartResult start(StartRequest request) {
        Reply response = call(DigdagEndpoint.START_ATTEMPT, Map.of(), toJson(request));
        if (response.status() == 409) {
            return new StartResult(parse(response, Attempt.class), false);
        }
        return new StartResult(parse(expectSuccess(response), Attempt.class), true);
    }

    /**
     * Asks Digdag to kill a running attempt. Digdag answers with the attempt as it was before the kill; running
     * tasks finish first. If the attempt is already done (Digdag's 409), its current state is returned.
     */
    public Attempt kill(String attemptId) {
        Reply response = call(DigdagEndpoint.KILL_ATTEMPT, Map.of(), "{}", attemptId);
        if (response.status() == 409) {
            return attempt(attemptId);
        }
        return parse(expectSuccess(response), Attempt.class);
    }

    /** Every schedule of every project, by id, following Digdag's forward paging ({@code last_id} ascending). */
    public List<Schedule> schedules() {
        List<Schedule> all = new ArrayList<>();
        List<Schedule> page;
        do {
            String lastId = all.isEmpty() ? null : all.get(all.size() - 1).id();
            page = get(DigdagEndpoint.SCHEDULES, query("last_id", lastId), ScheduleList.class).schedules();
            all.addAll(page);
        } while (page.size() == SCHEDULES_PAGE);
        return all;
    }

    /** The schedule of one workflow of the project's latest revision; empty when it has none. */
    public Optional<Schedule> schedule(String projectId, String workflowName) {
        return get(DigdagEndpoint.PROJECT_SCHEDULES, query("workflow", workflowName), ScheduleList.class, projectId)
                .schedules().stream().findFirst();
    }

    public Schedule schedule(String scheduleId) {
        return get(DigdagEndpoint.SCHEDULE, Map.of(), Schedule.class, scheduleId);
    }

    /** Stops the schedule starting sessions; calling it again moves {@code disabledAt} to now. */
    public Schedule disableSchedule(String scheduleId) {
        return parse(expectSuccess(call(DigdagEndpoint.DISABLE_SCHEDULE, Map.of(), null, scheduleId)), Schedule.class);
    }

    /**
     * Lets the schedule start sessions again. With {@code skipMissed} the slots missed while disabled are dropped;
     * without it Digdag starts every missed session at once.
     */
    public Schedule enableSchedule(String scheduleId, boolean skipMissed) {
        String body = skipMissed ? "{\"skipSchedule\":true}" : "{}";
        return parse(expectSuccess(call(DigdagEndpoint.ENABLE_SCHEDULE, Map.of(), body, scheduleId)), Schedule.class);
    }

    /** Moves the schedule's next session forward (409 when that would move it back). */
    public Schedule skipSchedule(String scheduleId, ScheduleSkip skip) {
        return parse(expectSuccess(call(DigdagEndpoint.SKIP_SCHEDULE, Map.of(), toJson(skip), scheduleId)),
                Schedule.class);
    }

    private <T> T get(DigdagEndpoint endpoint, Map<String, Object> query, Class<T> type, String... pathValues) {
        return parse(expectSuccess(call(endpoint, query, null, pathValues)), type);
    }

    /** The first answer below 500, after as many tries as the guard allows. */
    private Reply call(DigdagEndpoint endpoint, Map<String, Object> query, String body, String... pathValues) {
        URI uri = URI.create(baseUrl + endpoint.path(pathValues) + queryString(query));
        try {
            return guard.get(() -> tryOnce(endpoint, uri, body), Reply.class);
        } catch (TimeoutException e) {
            throw callFailed(new DigdagUnavailableException(0, describe(endpoint) + " got no answer within "
                    + config.readTimeout().toMillis() + " ms", e));
        } catch (DigdagUnavailableException e) {
            throw callFailed(e);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            // The guard rethrows an interruption of the calling thread as a (checked) InterruptedException.
            Thread.currentThread().interrupt();
            throw new DigdagUnavailableException(0, describe(endpoint) + " interrupted", e);
        }
    }

    private DigdagUnavailableException callFailed(DigdagUnavailableException failure) {
        outages.callFailed(failure.getMessage() + " (" + tries + " tries)");
        return failure;
    }

    /** One request; an I/O error or a 5xx is a {@link DigdagUnavailableException} for the guard to retry. */
    private Reply tryOnce(DigdagEndpoint endpoint, URI uri, String body) {
        long start = System.nanoTime();
        Reply reply;
        try {
            reply = send(endpoint, uri, body);
        } catch (ProcessingException e) {
            record(endpoint, "io_error", start);
            outages.tryFailed();
            throw new DigdagUnavailableException(0, describe(endpoint) + " failed: " + rootCause(e), e);
        }
        record(endpoint, String.valueOf(reply.status()), start);
        if (reply.status() >= 500) {
            outages.tryFailed();
            throw new DigdagUnavailableException(reply.status(), describe(endpoint) + " answered " + reply.status()
                    + ": " + message(reply.body()), null);
        }
        outages.answered();
        return reply;
    }

    private Reply send(DigdagEndpoint endpoint, URI uri, String body) {
        Invocation.Builder request = http.target(uri).request(MediaType.APPLICATION_JSON_TYPE);
        config.headers().forEach(request::header);
        try (Response response = body == null ? request.method(endpoint.method())
                : request.method(endpoint.method(), Entity.json(body))) {
            byte[] bytes = response.hasEntity() ? response.readEntity(byte[].class) : null;
            return new Reply(response.getStatus(), bytes == null ? new byte[0] : bytes);
        }
    }

    /** The innermost cause names what failed ({@code ConnectException}, a timeout), not the JAX-RS wrapper. */
    private static Throwable rootCause(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        return cause;
    }

    private void record(DigdagEndpoint endpoint, String status, long startNanos) {
        Timer.builder("baton.digdag.requests")
                .description("Calls to Digdag's REST API, one per try")
                .tags("server", serverName, "endpoint", endpoint.template(), "method", endpoint.method(),
                        "status", status)
                .register(registry)
                .record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
    }

    private Reply expectSuccess(Reply response) {
        if (response.status() == 404) {
            throw new DigdagNotFoundException(serverName + ": " + message(response.body()));
        }
        if (response.status() >= 300) {
            throw new DigdagException(response.status(), serverName + " answered " + response.status() + ": "
                    + message(response.body()));
        }
        return response;
    }

    private <T> T parse(Reply response, Class<T> type) {
        try {
            return mapper.readValue(response.body(), type);
        } catch (IOException e) {
            throw new DigdagException(response.status(), serverName + " sent a body that is not a "
                    + type.getSimpleName() + ": " + e.getMessage(), e);
        }
    }

    /** Digdag's error body is {@code {"message":..., "status":...}}; some 404s have no body at all. */
    private String message(byte[] body) {
        try {
            JsonNode json = mapper.readTree(body);
            if (json != null && json.hasNonNull("message")) {
                return json.get("message").asText();
            }
        } catch (IOException e) {
            // not JSON (a proxy's error page): fall through to the raw text
        }
        String text = new String(body, StandardCharsets.UTF_8).strip();
        return text.isEmpty() ? "(no body)" : text.substring(0, Math.min(200, text.length()));
    }

    private String toJson(Object value) {
        try {
            return mapper.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not serializable as JSON: " + e.getOriginalMessage(), e);
        }
    }

    private String describe(DigdagEndpoint endpoint) {
        return serverName + " " + endpoint.key();
    }

    /** Name/value pairs; null values are left out. */
    private static Map<String, Object> query(Object... namesAndValues) {
        Map<String, Object> query = new LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            if (namesAndValues[i + 1] != null) {
                query.put((String) namesAndValues[i], namesAndValues[i + 1]);
            }
        }
        return query;
    }

    private static String queryString(Map<String, Object> query) {
        if (query.isEmpty()) {
            return "";
        }
        StringJoiner joiner = new StringJoiner("&", "?", "");
        query.forEach((name, value) -> joiner.add(name + "=" + URLEncoder.encode(String.valueOf(value),
                StandardCharsets.UTF_8)));
        return joiner.toString();
    }

    private record Reply(int status, byte[] body) {
    }

    private record ProjectList(List<Project> projects) {
    }

    private record WorkflowList(List<Workflow> workflows) {
    }

    private record SessionList(List<Session> sessions) {
    }

    private record AttemptList(List<Attempt> attempts) {
    }

    private record TaskList(List<Task> tasks) {
    }

    private record ScheduleList(List<Schedule> schedules) {
    }
}
