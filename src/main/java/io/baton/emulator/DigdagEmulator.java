package io.baton.emulator;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.baton.digdag.client.Attempt;
import io.baton.digdag.client.DigdagEndpoint;
import io.baton.digdag.client.DigdagJson;
import io.baton.digdag.client.Resume;
import io.baton.digdag.client.Task;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * An emulator of Digdag's REST API for tests, the demo and benchmarks: an HTTP server answering Digdag's paths with
 * Digdag's JSON, backed by an in-memory state machine of projects, workflows, sessions, attempts and tasks. It is not
 * Digdag and runs no task but {@code http>} requests (see {@link HttpOperator}): tests drive tasks by hand ({@link #completeTask}, {@link #failTask}) or let the
 * {@linkplain #automatic automatic drive} finish them. Works without CDI; starts in milliseconds on a free port.
 */
public final class DigdagEmulator implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(DigdagEmulator.class);

    static {
        // Without TCP_NODELAY the JDK server's separate header and body writes wait for the client's delayed ACK:
        // every answer took ~40 ms more than a real Digdag's. Read once, when the JDK's first HttpServer starts.
        System.setProperty("sun.net.httpserver.nodelay", "true");
    }
    private static final AtomicInteger INSTANCES = new AtomicInteger();

    private final EmulatorOptions options;
    private final EmulatorClock clock;
    private final EmulatorState state;
    private final EmulatedSchedules schedules;
    private final EmulatorApi api;
    private final EmulatorFaults faults;
    private final HttpOperator http;
    private final ObjectMapper mapper = DigdagJson.mapper();
    private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();
    /** The same per concrete path, so a test can count what concerns its own attempt in the shared emulator. */
    private final Map<String, LongAdder> pathCounts = new ConcurrentHashMap<>();
    private final ExecutorService handlers;
    private final ScheduledExecutorService timer;
    private HttpServer server;
    private ScheduledFuture<?> reopening;
    private int port;
    private boolean closed;

    private DigdagEmulator(EmulatorOptions options) {
        this.options = options;
        this.clock = new EmulatorClock(options.clock());
        int instance = INSTANCES.incrementAndGet();
        this.http = HttpOperator.withDaemonThreads("digdag-emulator-" + instance + "-http-operator");
        this.state = new EmulatorState(clock, http);
        this.schedules = new EmulatedSchedules(state, clock);
        this.api = new EmulatorApi(state, schedules);
        this.faults = new EmulatorFaults(this::refuseConnections);
        this.port = options.port();
        this.handlers = Executors.newFixedThreadPool(options.threads(), daemon("digdag-emulator-" + instance + "-http"));
        this.timer = Executors.newSingleThreadScheduledExecutor(daemon("digdag-emulator-" + instance + "-timer"));
    }

    public static DigdagEmulator start(EmulatorOptions options) {
        DigdagEmulator emulator = new DigdagEmulator(options);
        try {
            emulator.listen();
        } catch (IOException e) {
            emulator.close();
            throw new UncheckedIOException("the emulator cannot listen on " + options.host() + ":" + options.port(), e);
        }
        emulator.timer.scheduleWithFixedDelay(emulator::tick, 10, 10, TimeUnit.MILLISECONDS);
        return emulator;
    }

    /** Base URL, as {@code baton.digdag.servers.<name>.url} takes it. */
    public String url() {
        return "http://" + options.host() + ":" + port;
    }

    public int port() {
        return port;
    }

    // ---- definitions

    /** The project with this name, created on first use. */
    public EmulatedProject project(String name) {
        state.defineProject(name);
        return new EmulatedProject(state, schedules, name);
    }

    // ---- the manual drive

    /**
     * Starts the first attempt of a session, as {@code PUT /api/attempts} does.
     *
     * @throws IllegalStateException if the session already exists
     */
    public String startAttempt(String project, String workflow, OffsetDateTime sessionTime,
                               Map<String, Object> params) {
        return startAttempt(project, workflow, sessionTime, params, null);
    }

    /** Starts an attempt; with a new {@code retryAttemptName} it is a retry in an existing session. */
    public String startAttempt(String project, String workflow, OffsetDateTime sessionTime,
                               Map<String, Object> params, String retryAttemptName) {
        JsonNode json = mapper.valueToTree(params == null ? Map.of() : params);
        long workflowId = Long.parseLong(state.workflowId(project, workflow));
        EmulatorState.Started started = state.start(workflowId, sessionTime, json, retryAttemptName, null);
        if (!started.created()) {
            throw new IllegalStateException("session " + project + "/" + workflow + " " + sessionTime
                    + " already has attempt " + started.attempt().id() + "; name a retry");
        }
        return started.attempt().id();
    }

    /**
     * Starts a retry of a failed attempt's session that copies what succeeded and runs the rest, as {@code PUT
     * /api/attempts} with {@code resume: {mode: failed}} does.
     */
    public String resumeFailed(String attemptId, String retryAttemptName) {
        Attempt failed = attempt(attemptId);
        EmulatorState.Started started = state.start(Long.parseLong(failed.workflow().id()), failed.sessionTime(),
                mapper.createObjectNode(), retryAttemptName, Resume.failed(attemptId));
        if (!started.created()) {
            throw new IllegalStateException("the session already has attempt " + started.attempt().id() + " named "
                    + retryAttemptName);
        }
        return started.attempt().id();
    }

    /** Ends a running task successfully (canceled if its attempt is being killed); its successors start. */
    public void completeTask(String attemptId, String fullName) {
        state.finishTask(EmulatorState.parseId(attemptId), fullName, null);
    }

    /** Ends a running task with an error; its attempt fails once nothing else runs. */
    public void failTask(String attemptId, String fullName, String message) {
        state.finishTask(EmulatorState.parseId(attemptId), fullName, message);
    }

    /** Completes running tasks one after another until the attempt is done. */
    public void completeAll(String attemptId) {
        List<String> running;
        while (!(running = runningTasks(attemptId)).isEmpty()) {
            completeTask(attemptId, running.get(0));
        }
    }

    /** Full names of the attempt's running tasks, by task id. */
    public List<String> runningTasks(String attemptId) {
        return state.runningTasks(EmulatorState.parseId(attemptId));
    }

    /** Requests a kill, as {@code POST /api/attempts/{id}/kill}; running tasks still need to finish. */
    public Attempt kill(String attemptId) {
        return state.kill(EmulatorState.parseId(attemptId));
    }

    public Attempt attempt(String attemptId) {
        return state.attempt(EmulatorState.parseId(attemptId));
    }

    public List<Task> tasks(String attemptId) {
        return state.tasks(EmulatorState.parseId(attemptId));
    }

    /** When the attempt was created, exactly (benchmarks: Digdag's API shows whole seconds only). */
    public Instant attemptCreatedAt(String attemptId) {
        return state.createdExactlyAt(EmulatorState.parseId(attemptId));
    }

    /** When the task ended, exactly; null while it runs (benchmarks: Digdag's API shows whole seconds only). */
    public Instant taskEndedAt(String attemptId, String fullName) {
        return state.endedExactlyAt(EmulatorState.parseId(attemptId), fullName);
    }

    /** Moves the emulator's clock forward; due tasks of the automatic drive finish at once. */
    public void advanceClock(Duration duration) {
        clock.advance(duration);
        state.tick();
        schedules.tick();
        state.tick(); // the first tasks of sessions the schedules just started may be due already
    }

    public Instant now() {
        return clock.instant();
    }

    // ---- the automatic drive

    /** From now on, running tasks finish by themselves (see {@link AutoDrive}). */
    public void automatic(AutoDrive drive) {
        state.automatic(drive);
    }

    /** Back to the manual drive: running tasks wait for {@link #completeTask} or {@link #failTask}. */
    public void manual() {
        state.manual();
    }

    /**
     * A fault of Digdag's scheduler: the workflow's schedule stays enabled and points at its next session, but starts
     * nothing until {@code stall} is false again.
     */
    public void stallSchedule(String project, String workflow, boolean stall) {
        schedules.stall(project, workflow, stall);
    }

    /** Forgets every project, workflow, session and attempt. Ids keep counting up. */
    public void clear() {
        schedules.clear();
        state.clear();
    }

    /**
     * Forgets every project, workflow, session and attempt, and counts ids from 1 again: what Digdag does when it is
     * restarted on its in-memory database (or a server is rebuilt). Request counts, faults and the clock stay.
     */
    public void restart() {
        state.restart();
    }

    // ---- observation and faults

    /** Requests received for an endpoint, e.g. {@code requestCount("GET /api/attempts/{id}/tasks")}. */
    public long requestCount(String endpoint) {
        LongAdder count = counts.get(endpoint);
        return count == null ? 0 : count.sum();
    }

    /** Requests received for one concrete path, e.g. {@code requestCount("GET", "/api/attempts/7/tasks")}. */
    public long requestCount(String method, String path) {
        LongAdder count = pathCounts.get(method + " " + path);
        return count == null ? 0 : count.sum();
    }

    /** Requests received per endpoint ({@code METHOD template}). */
    public Map<String, Long> requestCounts() {
        Map<String, Long> snapshot = new TreeMap<>();
        counts.forEach((endpoint, count) -> snapshot.put(endpoint, count.sum()));
        return snapshot;
    }

    /** Requests the {@code http>} tasks sent, oldest first. */
    public List<SentRequest> sentRequests() {
        return http.sent();
    }

    public void resetCounts() {
        counts.clear();
        pathCounts.clear();
    }

    /** The most attempts that were running at once (not done) since {@link #resetMaxRunningAttempts()}. */
    public int maxRunningAttempts() {
        return state.maxRunning();
    }

    /** Counts {@link #maxRunningAttempts()} again from the attempts running now. */
    public void resetMaxRunningAttempts() {
        state.resetMaxRunning();
    }

    public EmulatorFaults faults() {
        return faults;
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (reopening != null) {
            reopening.cancel(false);
        }
        if (server != null) {
            server.stop(0);
            server = null;
        }
        timer.shutdownNow();
        handlers.shutdownNow();
        http.close();
    }

    // ---- HTTP

    private synchronized void listen() throws IOException {
        if (closed || server != null) {
            return;
        }
        HttpServer listening = HttpServer.create(new InetSocketAddress(options.host(), port), 256);
        listening.createContext("/", this::handle);
        listening.setExecutor(handlers);
        listening.start();
        server = listening;
        port = listening.getAddress().getPort();
    }

    private synchronized void refuseConnections(Duration duration) {
        if (reopening != null) {
            reopening.cancel(false);
        }
        if (server != null) {
            server.stop(0);
            server = null;
        }
        reopening = timer.schedule(this::reopen, duration.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void reopen() {
        try {
            listen();
        } catch (IOException e) {
            LOG.warnf("the emulator cannot listen on port %d again yet (%s); trying again", port, e.getMessage());
            synchronized (this) {
                reopening = timer.schedule(this::reopen, 100, TimeUnit.MILLISECONDS);
            }
        }
    }

    private void tick() {
        try {
            state.tick();
            schedules.tick();
        } catch (RuntimeException e) {
            LOG.error("the emulator's automatic drive failed", e);
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            String path = exchange.getRequestURI().getRawPath();
            byte[] requestBody = exchange.getRequestBody().readAllBytes();
            Optional<Route> route = route(method, path);
            String endpoint = route.map(r -> r.endpoint().key()).orElse(method + " " + path);
            counts.computeIfAbsent(endpoint, e -> new LongAdder()).increment();
            pathCounts.computeIfAbsent(method + " " + path, e -> new LongAdder()).increment();

            Duration delay = faults.delay(endpoint);
            if (!delay.isZero()) {
                pause(delay);
            }
            Optional<Integer> injected = faults.takeError(endpoint);
            if (injected.isPresent()) {
                respond(exchange, injected.get(), error(injected.get(), "emulated fault"));
                return;
            }
            Answer answer = answer(route, exchange.getRequestURI().getRawQuery(), requestBody);
            if (options.check() != null) {
                answer = checked(exchange, requestBody, answer);
            }
            respond(exchange, answer.status(), answer.body());
        }
    }

    private Answer answer(Optional<Route> route, String rawQuery, byte[] body) {
        if (route.isEmpty()) {
            return new Answer(404, error(404, "HTTP 404 Not Found"));
        }
        try {
            EmulatorApi.Reply reply = api.answer(route.get().endpoint(), route.get().values(), query(rawQuery), body);
            return new Answer(reply.status(), mapper.writeValueAsBytes(reply.body()));
        } catch (ApiError e) {
            return new Answer(e.status, e.getMessage() == null ? new byte[0] : error(e.status, e.getMessage()));
        } catch (JsonProcessingException | RuntimeException e) {
            LOG.error("the emulator failed to answer", e);
            return new Answer(500, error(500, e.toString()));
        }
    }

    private Answer checked(HttpExchange exchange, byte[] requestBody, Answer answer) {
        Map<String, List<String>> headers = new HashMap<>();
        exchange.getRequestHeaders().forEach((name, values) -> headers.put(name.toLowerCase(Locale.ROOT), values));
        List<String> problems = options.check().check(new ExchangeCheck.Exchange(exchange.getRequestMethod(),
                exchange.getRequestURI().getRawPath(), exchange.getRequestURI().getRawQuery(), headers,
                new String(requestBody, StandardCharsets.UTF_8), answer.status(), "application/json",
                new String(answer.body(), StandardCharsets.UTF_8)));
        if (problems.isEmpty()) {
            return answer;
        }
        String message = "emulator contract check failed for " + exchange.getRequestMethod() + " "
                + exchange.getRequestURI() + ": " + String.join("; ", problems);
        LOG.error(message);
        return new Answer(500, error(500, message));
    }

    private static void respond(HttpExchange exchange, int status, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    private byte[] error(int status, String message) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("message", message);
        body.put("status", status);
        try {
            return mapper.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Optional<Route> route(String method, String path) {
        for (DigdagEndpoint endpoint : DigdagEndpoint.values()) {
            Optional<List<String>> values = endpoint.match(method, path);
            if (values.isPresent()) {
                return Optional.of(new Route(endpoint, values.get()));
            }
        }
        return Optional.empty();
    }

    private static Map<String, String> query(String rawQuery) {
        Map<String, String> query = new HashMap<>();
        if (rawQuery != null) {
            for (String pair : rawQuery.split("&")) {
                int eq = pair.indexOf('=');
                String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                query.putIfAbsent(name, value);
            }
        }
        return query;
    }

    /** Sub-millisecond exact (a per-call cost of 3.5 ms must not become 3 ms). */
    private static void pause(Duration delay) {
        long deadline = System.nanoTime() + delay.toNanos();
        for (long left = delay.toNanos(); left > 0 && !Thread.currentThread().isInterrupted();
             left = deadline - System.nanoTime()) {
            LockSupport.parkNanos(left);
        }
    }

    private static ThreadFactory daemon(String name) {
        AtomicInteger number = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, name + "-" + number.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    private record Route(DigdagEndpoint endpoint, List<String> values) {
    }

    private record Answer(int status, byte[] body) {
    }
}
