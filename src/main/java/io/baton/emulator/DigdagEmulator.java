package io.baton.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.baton.digdag.client.Attempt;
import io.baton.digdag.client.DigdagJson;
import io.baton.digdag.client.Resume;
import io.baton.digdag.client.Task;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An emulator of Digdag's REST API for tests, the demo and benchmarks, and the API that drives it: an HTTP server
 * ({@link EmulatorServer}) answering Digdag's paths with Digdag's JSON, backed by an in-memory state machine of
 * projects, workflows, sessions, attempts and tasks ({@link EmulatorState}). It is not Digdag and runs no task but
 * {@code http>} requests (see {@link HttpOperator}): tests drive tasks by hand ({@link #completeTask},
 * {@link #failTask}) or let the {@linkplain #automatic automatic drive} finish them. Works without CDI; starts in
 * milliseconds on a free port.
 */
public final class DigdagEmulator implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(DigdagEmulator.class);
    private static final AtomicInteger INSTANCES = new AtomicInteger();

    private final EmulatorOptions options;
    private final EmulatorClock clock;
    private final EmulatorState state;
    private final EmulatedSchedules schedules;
    private final HttpOperator http;
    private final EmulatorServer server;
    private final ObjectMapper mapper = DigdagJson.mapper();
    private final ScheduledExecutorService timer;

    private DigdagEmulator(EmulatorOptions options) {
        this.options = options;
        this.clock = new EmulatorClock(options.clock());
        String name = "digdag-emulator-" + INSTANCES.incrementAndGet();
        this.http = HttpOperator.withDaemonThreads(name + "-http-operator");
        this.state = new EmulatorState(clock, http);
        this.schedules = new EmulatedSchedules(state, clock);
        this.timer = Executors.newSingleThreadScheduledExecutor(EmulatorServer.daemon(name + "-timer"));
        this.server = new EmulatorServer(options, name, new EmulatorApi(state, schedules), timer);
    }

    public static DigdagEmulator start(EmulatorOptions options) {
        DigdagEmulator emulator = new DigdagEmulator(options);
        try {
            emulator.server.listen();
        } catch (IOException e) {
            emulator.close();
            throw new UncheckedIOException("the emulator cannot listen on " + options.host() + ":" + options.port(), e);
        }
        emulator.timer.scheduleWithFixedDelay(emulator::tick, 10, 10, TimeUnit.MILLISECONDS);
        return emulator;
    }

    /** Base URL, as {@code baton.digdag.servers.<name>.url} takes it. */
    public String url() {
        return "http://" + options.host() + ":" + port();
    }

    public int port() {
        return server.port();
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
        state.finishTask(EmulatorStore.parseId(attemptId), fullName, null);
    }

    /** Ends a running task with an error; its attempt fails once nothing else runs. */
    public void failTask(String attemptId, String fullName, String message) {
        state.finishTask(EmulatorStore.parseId(attemptId), fullName, message);
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
        return state.runningTasks(EmulatorStore.parseId(attemptId));
    }

    /** Requests a kill, as {@code POST /api/attempts/{id}/kill}; running tasks still need to finish. */
    public Attempt kill(String attemptId) {
        return state.kill(EmulatorStore.parseId(attemptId));
    }

    public Attempt attempt(String attemptId) {
        return state.attempt(EmulatorStore.parseId(attemptId));
    }

    public List<Task> tasks(String attemptId) {
        return state.tasks(EmulatorStore.parseId(attemptId));
    }

    /** When the attempt was created, exactly (benchmarks: Digdag's API shows whole seconds only). */
    public Instant attemptCreatedAt(String attemptId) {
        return state.createdExactlyAt(EmulatorStore.parseId(attemptId));
    }

    /** When the task ended, exactly; null while it runs (benchmarks: Digdag's API shows whole seconds only). */
    public Instant taskEndedAt(String attemptId, String fullName) {
        return state.endedExactlyAt(EmulatorStore.parseId(attemptId), fullName);
    }

    /** Moves the emulator's clock forward; due tasks of the automatic drive finish at once. */
    public void advanceClock(Duration duration) {
        clock.advance(duration);
        state.tick(clock.instant());
        schedules.tick();
        state.tick(clock.instant()); // the first tasks of sessions the schedules just started may be due already
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
     * A clean slate for the next test on what a watcher still takes for the same Digdag server: attempts not done end
     * now (killed, their running tasks canceled), projects are forgotten with their workflows, schedules and secrets
     * (names may be defined again, under new ids), the drive is manual again, and faults, request counts and the
     * requests of {@code http>} tasks are cleared. Finished attempts and their sessions stay listed and every id keeps
     * counting up, as on a Digdag server: the newest attempt id never goes down and no attempt a watcher follows
     * vanishes (which {@link #clear()} and {@link #restart()} emulate). The clock keeps its time.
     *
     * @return how many attempts were not done and ended
     */
    public int reset() {
        schedules.clear();
        int ended = state.reset();
        server.faults().clear();
        server.counts().clear();
        http.clearSent();
        return ended;
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
        return server.counts().of(endpoint);
    }

    /** Requests received for one concrete path, e.g. {@code requestCount("GET", "/api/attempts/7/tasks")}. */
    public long requestCount(String method, String path) {
        return server.counts().of(method, path);
    }

    /** Requests received per endpoint ({@code METHOD template}). */
    public Map<String, Long> requestCounts() {
        return server.counts().snapshot();
    }

    /** Requests the {@code http>} tasks sent, oldest first. */
    public List<SentRequest> sentRequests() {
        return http.sent();
    }

    public void resetCounts() {
        server.counts().clear();
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
        return server.faults();
    }

    @Override
    public void close() {
        server.close();
        timer.shutdownNow();
        http.close();
    }

    private void tick() {
        try {
            state.tick(clock.instant());
            schedules.tick();
        } catch (RuntimeException e) {
            LOG.error("the emulator's automatic drive failed", e);
        }
    }
}
