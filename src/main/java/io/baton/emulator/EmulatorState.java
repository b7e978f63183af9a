package io.baton.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.baton.digdag.client.Attempt;
import io.baton.digdag.client.Project;
import io.baton.digdag.client.ProjectRef;
import io.baton.digdag.client.Resume;
import io.baton.digdag.client.Session;
import io.baton.digdag.client.Task;
import io.baton.digdag.client.Workflow;
import io.baton.digdag.client.WorkflowRef;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Predicate;

import static io.baton.digdag.client.Task.BLOCKED;
import static io.baton.digdag.client.Task.CANCELED;
import static io.baton.digdag.client.Task.ERROR;
import static io.baton.digdag.client.Task.GROUP_ERROR;
import static io.baton.digdag.client.Task.GROUP_RETRY_WAITING;
import static io.baton.digdag.client.Task.PLANNED;
import static io.baton.digdag.client.Task.RETRY_WAITING;
import static io.baton.digdag.client.Task.RUNNING;
import static io.baton.digdag.client.Task.SUCCESS;

/**
 * Everything the emulator knows, and Digdag's state machine: sessions, attempts and their task trees. One lock
 * guards it all; answers are built as the client's model records while holding it.
 */
final class EmulatorState {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final String FAILURE_ALERT = "^failure-alert";
    private static final String ERROR_HANDLER = "^error";
    /** States of a task that may still change without anyone starting it: its group must wait for it. */
    private static final Set<String> ACTIVE = Set.of(RUNNING, PLANNED, RETRY_WAITING, GROUP_RETRY_WAITING);

    private static final DateTimeFormatter SESSION_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ssxxx");

    private final EmulatorClock clock;
    private final HttpOperator http;
    private final Random md5s = new Random(7);
    private long projectSeq;
    private long workflowSeq;
    private long sessionSeq;
    private long attemptSeq;
    private long taskSeq;
    private final Map<String, Proj> projectsByName = new HashMap<>();
    private final NavigableMap<Long, Proj> projects = new TreeMap<>();
    private final NavigableMap<Long, Wf> workflows = new TreeMap<>();
    private final Map<SessionKey, Sess> sessionsByKey = new HashMap<>();
    private final NavigableMap<Long, Sess> sessions = new TreeMap<>();
    private final NavigableMap<Long, Att> attempts = new TreeMap<>();
    /** Attempts not done, and the most there were at once since {@link #resetMaxRunning()}. */
    private int running;
    private int maxRunning;

    private AutoDrive auto;
    private Random autoRandom;
    /** While the automatic drive finishes a task, the time it was due: successors start then, not at the tick. */
    private Instant eventTime;
    private final PriorityQueue<Due> due = new PriorityQueue<>(Comparator.comparing(Due::at));
    /** Tasks and groups waiting to be retried, by {@code retryAt}. */
    private final PriorityQueue<Due> retries = new PriorityQueue<>(Comparator.comparing(Due::at));

    EmulatorState(EmulatorClock clock, HttpOperator http) {
        this.clock = clock;
        this.http = http;
    }

    // ---- definitions

    synchronized void defineProject(String name) {
        projectsByName.computeIfAbsent(name, n -> {
            byte[] md5 = new byte[16];
            md5s.nextBytes(md5);
            Proj project = new Proj(++projectSeq, n, now(), Base64.getEncoder().encodeToString(md5));
            projects.put(project.id, project);
            return project;
        });
    }

    /** Adds or replaces a workflow; a replaced one gets a new id, as after a push, and its old id keeps resolving. */
    synchronized String defineWorkflow(String projectName, String name, String timezone, WorkflowSpec spec) {
        ZoneId.of(timezone); // rejects an unknown zone now rather than at the first attempt
        Proj project = project(projectName);
        Wf workflow = new Wf(++workflowSeq, project, name, timezone, spec);
        project.workflows.put(name, workflow);
        project.updatedAt = now();
        workflows.put(workflow.id, workflow);
        return String.valueOf(workflow.id);
    }

    /** A project secret, as {@code digdag secrets --project P --set key} stores it; {@code http>} reads it. */
    synchronized void setSecret(String projectName, String key, String value) {
        project(projectName).secrets.put(key, value);
    }

    synchronized String workflowId(String projectName, String workflowName) {
        return String.valueOf(latestWorkflow(project(projectName), workflowName).id);
    }

    // ---- queries (REST)

    synchronized List<Project> projects(String name, long lastId, int count) {
        return projects.tailMap(lastId, false).values().stream()
                .filter(p -> name == null || p.name.equals(name))
                .limit(count).map(this::view).toList();
    }

    synchronized Project project(long id) {
        return view(projectById(id));
    }

    synchronized List<Workflow> projectWorkflows(long projectId, String name) {
        return projectById(projectId).workflows.values().stream()
                .filter(w -> name == null || w.name.equals(name))
                .sorted(Comparator.comparingLong(w -> w.id)).map(this::view).toList();
    }

    synchronized Workflow projectWorkflow(long projectId, String name) {
        return view(latestWorkflow(projectById(projectId), name));
    }

    synchronized List<Workflow> workflows(long lastId, int count) {
        return workflows.tailMap(lastId, false).values().stream()
                .filter(w -> w.project.workflows.get(w.name) == w)
                .limit(count).map(this::view).toList();
    }

    synchronized Workflow workflow(long id) {
        Wf workflow = workflows.get(id);
        if (workflow == null) {
            throw ApiError.notFound("workflow id=" + id);
        }
        return view(workflow);
    }

    /** Newest first, ids below {@code lastId}. */
    synchronized List<Session> sessions(Long projectId, String workflowName, long lastId, int pageSize) {
        Predicate<Sess> filter = s -> (projectId == null || s.project.id == projectId)
                && (workflowName == null || s.workflowName.equals(workflowName));
        return sessions.headMap(lastId, false).descendingMap().values().stream()
                .filter(filter).limit(pageSize).map(this::view).toList();
    }

    synchronized Session session(long id) {
        return view(sessionById(id));
    }

    synchronized List<Attempt> sessionAttempts(long sessionId, long lastId, int pageSize) {
        return sessionById(sessionId).attempts.stream()
                .filter(a -> a.id < lastId)
                .sorted(Comparator.comparingLong((Att a) -> a.id).reversed())
                .limit(pageSize).map(this::view).toList();
    }

    /** Newest first, ids below {@code lastId}; without {@code includeRetried} only each session's last attempt. */
    synchronized List<Attempt> attempts(String projectName, String workflowName, boolean includeRetried, long lastId,
                                        int pageSize) {
        Proj project = projectName == null ? null : project(projectName);
        return attempts.headMap(lastId, false).descendingMap().values().stream()
                .filter(a -> project == null || a.session.project == project)
                .filter(a -> project == null || workflowName == null || a.session.workflowName.equals(workflowName))
                .filter(a -> includeRetried || a.session.last() == a)
                .limit(pageSize).map(this::view).toList();
    }

    synchronized Attempt attempt(long id) {
        return view(attemptById(id));
    }

    synchronized List<Task> tasks(long attemptId) {
        return attemptById(attemptId).tasks.stream().map(this::view).toList();
    }

    /** The exact instant the attempt was created; the API shows it in whole seconds, like Digdag. */
    synchronized Instant createdExactlyAt(long attemptId) {
        return attemptById(attemptId).createdExactlyAt;
    }

    /** The exact instant the task ended, or null while it has not; the API shows whole seconds, like Digdag. */
    synchronized Instant endedExactlyAt(long attemptId, String fullName) {
        Tsk task = attemptById(attemptId).byName.get(fullName);
        if (task == null) {
            throw new IllegalArgumentException("attempt " + attemptId + " has no task " + fullName);
        }
        return task.endedExactlyAt;
    }

    synchronized List<Attempt> retries(long attemptId) {
        return attemptById(attemptId).session.attempts.stream().map(this::view).toList();
    }

    // ---- commands

    /** The outcome of PUT /api/attempts: the new attempt, or (conflict) the existing one. */
    record Started(Attempt attempt, boolean created) {
    }

    synchronized Started start(long workflowId, OffsetDateTime sessionTime, JsonNode params, String retryAttemptName,
                               Resume resume) {
        Wf workflow = workflows.get(workflowId);
        if (workflow == null) {
            throw ApiError.notFound("workflow id=" + workflowId);
        }
        SessionKey key = new SessionKey(workflow.project.id, workflow.name, sessionTime.toInstant());
        Sess session = sessionsByKey.get(key);
        if (session != null) {
            Att existing = retryAttemptName == null ? session.last() : session.attempt(retryAttemptName);
            if (existing != null) {
                attemptSeq++; // Digdag's rejected insert uses up an id too
                return new Started(view(existing), false);
            }
        }
        Map<String, Task> resumed = resume == null ? Map.of() : resumedTasks(session, resume);
        if (session == null) {
            OffsetDateTime local = sessionTime.atZoneSameInstant(ZoneId.of(workflow.timezone)).toOffsetDateTime();
            session = new Sess(++sessionSeq, workflow.project, workflow.name, local);
            sessionsByKey.put(key, session);
            sessions.put(session.id, session);
        }
        session.workflow = workflow;
        Att attempt = new Att(++attemptSeq, session.attempts.size() + 1, session, workflow, retryAttemptName,
                params.deepCopy(), instant());
        session.attempts.add(attempt);
        attempts.put(attempt.id, attempt);
        maxRunning = Math.max(maxRunning, ++running);
        Tsk root = addTask(attempt, null, workflow.spec.root(workflow.name), "");
        root.state = PLANNED;
        for (Tsk task : attempt.tasks) {
            Task earlier = resumed.get(task.fullName);
            if (earlier != null) {
                task.state = SUCCESS;
                task.updatedAt = earlier.updatedAt();
            }
        }
        progress(attempt);
        return new Started(view(attempt), true);
    }

    /** Starts a session as Digdag's scheduler does at {@code at}: the attempt and its first tasks are created then. */
    synchronized Started startAt(Instant at, long workflowId, OffsetDateTime sessionTime, JsonNode params) {
        Instant previous = eventTime;
        eventTime = at;
        try {
            return start(workflowId, sessionTime, params, null, null);
        } finally {
            eventTime = previous;
        }
    }

    /** The tasks of the resumed attempt that the new attempt copies as already successful, by full name. */
    private Map<String, Task> resumedTasks(Sess session, Resume resume) {
        Att source = attemptById(parseId(resume.attemptId()));
        if (source.session != session) {
            throw ApiError.badRequest("Resuming attempt " + source.id + " needs its own session");
        }
        List<Tsk> candidates;
        if (Resume.FAILED.equals(resume.mode())) {
            if (source.success) {
                throw ApiError.badRequest("Resuming successfully completed attempts is not supported");
            }
            candidates = source.tasks.stream().filter(t -> t.parent != null && SUCCESS.equals(t.state)).toList();
        } else if (Resume.FROM.equals(resume.mode())) {
            Tsk from = source.tasks.stream()
                    .filter(t -> t.fullName.equals(resume.from()) || t.fullName.endsWith(resume.from()))
                    .findFirst().orElseThrow(() -> ApiError.badRequest("No task matches " + resume.from()));
            candidates = source.tasks.stream()
                    .filter(t -> t.parent != null && t.id < from.id && !from.hasAncestor(t))
                    .toList();
            candidates.stream().filter(t -> !SUCCESS.equals(t.state)).findFirst().ifPresent(t -> {
                throw ApiError.badRequest("Resuming non-successful tasks is not allowed: task_id=" + t.id);
            });
        } else {
            throw ApiError.badRequest("resume.mode is failed or from: " + resume.mode());
        }
        Map<String, Task> copied = new HashMap<>();
        candidates.forEach(t -> copied.put(t.fullName, view(t)));
        return copied;
    }

    /** Kills a running attempt; answers with the attempt as it was before, like Digdag. */
    synchronized Attempt kill(long attemptId) {
        Att attempt = attemptById(attemptId);
        if (attempt.done) {
            throw new ApiError(409, "Session attempt already killed or finished");
        }
        Attempt before = view(attempt);
        attempt.cancelRequested = true;
        attempt.tasks.stream().filter(t -> !t.isDone()).forEach(t -> t.cancelRequested = true);
        attempt.tasks.stream().filter(t -> RETRY_WAITING.equals(t.state) || GROUP_RETRY_WAITING.equals(t.state))
                .forEach(t -> {
                    t.state = CANCELED;
                    t.retryAt = null;
                    t.updatedAt = now();
                });
        progress(attempt);
        return before;
    }

    /** Ends a running task; a task of a killed attempt ends as canceled, as in Digdag. */
    synchronized void finishTask(long attemptId, String fullName, String errorMessage) {
        Att attempt = attemptById(attemptId);
        Tsk task = attempt.byName.get(fullName);
        if (task == null) {
            throw new IllegalArgumentException("attempt " + attemptId + " has no task " + fullName + "; it has "
                    + attempt.byName.keySet());
        }
        if (!RUNNING.equals(task.state)) {
            throw new IllegalStateException(fullName + " of attempt " + attemptId + " is " + task.state
                    + ", not running");
        }
        finish(attempt, task, errorMessage);
    }

    /** Full names of the attempt's running operator tasks. */
    synchronized List<String> runningTasks(long attemptId) {
        return attemptById(attemptId).tasks.stream().filter(t -> RUNNING.equals(t.state)).map(t -> t.fullName)
                .toList();
    }

    synchronized void automatic(AutoDrive drive) {
        auto = drive;
        autoRandom = new Random(drive.seed());
        due.clear();
        attempts.values().stream().filter(a -> !a.done).forEach(a -> a.tasks.stream()
                .filter(t -> RUNNING.equals(t.state) && !HttpOperator.runs(t.config)).forEach(t -> schedule(a, t)));
    }

    synchronized void manual() {
        auto = null;
        due.clear();
    }

    /** Finishes the automatic drive's tasks whose time has come. */
    synchronized void tick() {
        Instant now = clock.instant();
        while (!retries.isEmpty() && !retries.peek().at.isAfter(now)) {
            Due next = retries.poll();
            eventTime = next.at;
            try {
                retry(next.attempt, next.task);
            } finally {
                eventTime = null;
            }
        }
        while (!due.isEmpty() && !due.peek().at.isAfter(now)) {
            Due next = due.poll();
            if (RUNNING.equals(next.task.state)) {
                eventTime = next.at;
                try {
                    finish(next.attempt, next.task, next.fail ? "emulated random failure" : null);
                } finally {
                    eventTime = null;
                }
            }
        }
    }

    synchronized int maxRunning() {
        return maxRunning;
    }

    /** Starts counting the most attempts running at once from those running now. */
    synchronized void resetMaxRunning() {
        maxRunning = running;
    }

    synchronized void clear() {
        running = 0;
        maxRunning = 0;
        projectsByName.clear();
        projects.clear();
        workflows.clear();
        sessionsByKey.clear();
        sessions.clear();
        attempts.clear();
        due.clear();
        retries.clear();
    }

    /** Forgets everything and counts every id from 1 again, as Digdag restarted on its in-memory database does. */
    synchronized void restart() {
        clear();
        projectSeq = 0;
        workflowSeq = 0;
        sessionSeq = 0;
        attemptSeq = 0;
        taskSeq = 0;
    }

    // ---- the state machine

    private Tsk addTask(Att attempt, Tsk parent, TaskSpec spec, String parentName) {
        Tsk task = new Tsk(++taskSeq, parentName + "+" + spec.name(), parent, spec, spec.config(), spec.isGroup(),
                spec.duration(), now());
        attempt.add(task);
        addChildren(attempt, task);
        return task;
    }

    /** Adds a copy of every child of the group's spec: first when the group is made, again when it is retried. */
    private void addChildren(Att attempt, Tsk group) {
        group.children.clear();
        Tsk previous = null;
        for (TaskSpec childSpec : group.spec.children()) {
            Tsk child = addTask(attempt, group, childSpec, group.fullName);
            group.children.add(child);
            if (previous != null && group.spec.kind() == TaskSpec.Kind.GROUP) {
                child.upstreams.add(previous);
            }
            previous = child;
        }
    }

    private void finish(Att attempt, Tsk task, String errorMessage) {
        task.endedExactlyAt = instant();
        task.updatedAt = now();
        Optional<Duration> retry = task.retryPolicy.waitBeforeRetry(task.retryCount);
        if (errorMessage != null && !task.cancelRequested && retry.isPresent()) {
            waitForRetry(attempt, task, RETRY_WAITING, retry.get());
        } else if (errorMessage != null) {
            task.state = ERROR;
            task.error = JSON.objectNode().put("message", errorMessage)
                    .put("stacktrace", "io.baton.emulator.DigdagEmulator (emulated failure)");
        } else {
            task.state = task.cancelRequested ? CANCELED : SUCCESS;
        }
        progress(attempt);
    }

    /** {@code _retry}: the task (or group) counts the retry and waits until {@code retryAt}, at least one tick. */
    private void waitForRetry(Att attempt, Tsk task, String waitingState, Duration wait) {
        task.retryCount++;
        task.state = waitingState;
        task.updatedAt = now();
        task.retryAt = now().plus(wait);
        retries.add(new Due(instant().plus(wait), attempt, task, false));
    }

    /**
     * The wait of a {@code _retry} is over: an operator task runs again under its own id (keeping its first
     * {@code startedAt}); a group gets a new copy of every child, the first copies keep their states for good.
     */
    private void retry(Att attempt, Tsk task) {
        if (!RETRY_WAITING.equals(task.state) && !GROUP_RETRY_WAITING.equals(task.state)) {
            return; // canceled by a kill meanwhile
        }
        task.retryAt = null;
        task.updatedAt = now();
        if (task.group) {
            task.state = PLANNED;
            addChildren(attempt, task);
        } else {
            task.state = RUNNING;
            run(attempt, task);
        }
        progress(attempt);
    }

    /**
     * Starts every task whose parent is planned and whose upstreams succeeded (none once a kill was requested), and
     * closes every group none of whose children can still run, until nothing changes. Digdag leaves tasks that
     * never ran blocked.
     */
    private void progress(Att attempt) {
        boolean changed = true;
        while (changed) {
            changed = false;
            for (int i = 0; i < attempt.tasks.size(); i++) {
                Tsk group = attempt.tasks.get(i);
                // Groups, and operators whose generated children run (for_each>), are planned meanwhile.
                if (!(group.group || !group.children.isEmpty()) || !PLANNED.equals(group.state)) {
                    continue;
                }
                for (Tsk child : group.children) {
                    if (BLOCKED.equals(child.state) && !attempt.cancelRequested
                            && child.upstreams.stream().allMatch(u -> SUCCESS.equals(u.state))) {
                        begin(attempt, child);
                        changed = true;
                    }
                }
                if (group.children.stream().noneMatch(c -> ACTIVE.contains(c.state))) {
                    close(attempt, group);
                    changed = true;
                }
            }
        }
        Tsk root = attempt.tasks.get(0);
        if (root.isDone() && !attempt.done) {
            attempt.done = true;
            running--;
            attempt.success = SUCCESS.equals(root.state);
            attempt.finishedAt = now();
        }
    }

    private void begin(Att attempt, Tsk task) {
        task.updatedAt = now();
        if (task.group) {
            task.state = PLANNED;
        } else if (task.config.has("for_each>")) {
            task.state = PLANNED;
            task.startedAt = task.updatedAt;
            addForEachGroup(attempt, task);
        } else {
            task.state = RUNNING;
            task.startedAt = task.updatedAt;
            run(attempt, task);
        }
    }

    /** A running operator task: {@code http>} sends its request and ends with the answer, others follow the drive. */
    private void run(Att attempt, Tsk task) {
        if (HttpOperator.runs(task.config)) {
            HttpOperator.Call call;
            try {
                call = http.call(task.config, variables(attempt, task), attempt.session.project.secrets);
            } catch (HttpOperator.TemplateError e) {
                // Ends later, on the operator's thread: this runs inside progress(), which must not be re-entered.
                http.report(new HttpOperator.Outcome(e.getMessage(), false), outcome -> answered(attempt, task, null,
                        outcome));
                return;
            }
            http.send(task.fullName, call, outcome -> answered(attempt, task, call, outcome));
        } else if (auto != null) {
            schedule(attempt, task);
        }
    }

    /** The answer to an {@code http>} task's request (or its failure) has come: the task ends or waits to retry. */
    private synchronized void answered(Att attempt, Tsk task, HttpOperator.Call call, HttpOperator.Outcome outcome) {
        if (attempts.get(attempt.id) != attempt || !RUNNING.equals(task.state)) {
            return; // finished by hand, or the emulator was cleared meanwhile
        }
        Optional<Duration> retry = HttpOperator.retryWait(call, outcome, task.requestRetries);
        if (retry.isPresent() && !task.cancelRequested) {
            task.requestRetries++;
            task.state = RETRY_WAITING;
            task.updatedAt = now();
            task.retryAt = now().plus(retry.get());
            retries.add(new Due(instant().plus(retry.get()), attempt, task, false));
            return;
        }
        finish(attempt, task, outcome.error());
    }

    /**
     * What {@code ${...}} sees in a task: the attempt's params, the {@code _export}s from the root down (they win
     * over params, as on Digdag) and the built-ins.
     */
    private ObjectNode variables(Att attempt, Tsk task) {
        ObjectNode variables = JSON.objectNode();
        if (attempt.params.isObject()) {
            variables.setAll((ObjectNode) attempt.params.deepCopy());
        }
        List<Tsk> path = new ArrayList<>();
        for (Tsk t = task; t != null; t = t.parent) {
            path.add(0, t);
        }
        path.stream().map(t -> t.config.get("_export")).filter(e -> e != null && e.isObject())
                .forEach(export -> variables.setAll((ObjectNode) export.deepCopy()));
        Sess session = attempt.session;
        return variables.put("attempt_id", id(attempt.id)).put("task_name", task.fullName)
                .put("session_id", id(session.id)).put("session_uuid", session.uuid.toString())
                .put("session_time", SESSION_TIME.format(session.sessionTime))
                .put("session_date", session.sessionTime.toLocalDate().toString())
                .put("timezone", attempt.workflow.timezone)
                .put("project_id", id(session.project.id));
    }

    /**
     * Closes a group none of whose children can still run. A failed group with {@code _retry} left waits for its
     * retry instead; a failed root first adds {@code ^failure-alert} and, with {@code _error}, runs {@code ^error}.
     */
    private void close(Att attempt, Tsk group) {
        Set<String> states = Set.copyOf(group.children.stream().map(c -> c.state).toList());
        Optional<Duration> retry = group.retryPolicy.waitBeforeRetry(group.retryCount);
        if (states.contains(ERROR) || states.contains(GROUP_ERROR)) {
            if (!attempt.cancelRequested && retry.isPresent()) {
                if (retry.get().isZero()) {
                    // Without an interval Digdag adds the new copies at once; the group stays planned.
                    group.retryCount++;
                    group.updatedAt = now();
                    addChildren(attempt, group);
                } else {
                    waitForRetry(attempt, group, GROUP_RETRY_WAITING, retry.get());
                }
                return;
            }
            if (group.parent == null && group.children.stream().noneMatch(c -> c.fullName.endsWith(FAILURE_ALERT))) {
                addFailureAlert(attempt, group);
                if (group.config.has("_error")) {
                    addErrorHandler(attempt, group);
                    return;
                }
            }
            group.state = GROUP_ERROR;
        } else if (states.isEmpty() || Set.of(SUCCESS).equals(states)) {
            group.state = SUCCESS;
        } else {
            group.state = CANCELED;
        }
        group.updatedAt = now();
    }

    /** Digdag adds this notification task to the root of every failed attempt. */
    private void addFailureAlert(Att attempt, Tsk root) {
        ObjectNode config = JSON.objectNode().put("_type", "notify").put("_command", "Workflow session attempt failed");
        Tsk alert = addGenerated(attempt, root, root.fullName + FAILURE_ALERT, config, null);
        alert.state = SUCCESS;
        alert.startedAt = alert.updatedAt;
    }

    /**
     * The root's {@code _error} (an operator, or a group of {@code +tasks}) runs as {@code ^error} once the attempt
     * has failed, with the failure exported as {@code ${error.message}}; the root waits for it.
     */
    private void addErrorHandler(Att attempt, Tsk root) {
        TaskSpec handler = TaskSpec.fromDig("error", (ObjectNode) root.config.get("_error"));
        ObjectNode config = handler.config();
        JsonNode export = config.get("_export");
        (export instanceof ObjectNode exported ? exported : config.putObject("_export")).set("error",
                attempt.tasks.stream().filter(t -> ERROR.equals(t.state)).<JsonNode>map(t -> t.error.deepCopy())
                        .findFirst().orElse(JSON.objectNode()));
        Tsk task = addGenerated(attempt, root, root.fullName + ERROR_HANDLER, config, handler);
        if (task.group) {
            addChildren(attempt, task);
        }
        begin(attempt, task);
    }

    /** {@code for_each>}: the group {@code ^sub} with one task per value, one after another, each exporting it. */
    private void addForEachGroup(Att attempt, Tsk loop) {
        Tsk sub = addGenerated(attempt, loop, loop.fullName + "^sub", JSON.objectNode(), TaskSpec.group("sub"));
        sub.state = PLANNED;
        Map.Entry<String, JsonNode> variable = loop.config.get("for_each>").fields().next();
        Tsk previous = null;
        for (int i = 0; i < variable.getValue().size(); i++) {
            String value = variable.getValue().get(i).asText();
            ObjectNode config = ((ObjectNode) loop.config.path("_do")).deepCopy();
            config.putObject("_export").put(variable.getKey(), value);
            Tsk child = addGenerated(attempt, sub, sub.fullName + "+for-0=" + variable.getKey() + "=" + i + "=" + value,
                    config, null);
            if (previous != null) {
                child.upstreams.add(previous);
            }
            previous = child;
        }
    }

    /**
     * A task Digdag adds while the attempt runs: a higher id, a {@code ^} name.
     *
     * @param spec what the task is made of (a group's children); null for an operator task
     */
    private Tsk addGenerated(Att attempt, Tsk parent, String fullName, ObjectNode config, TaskSpec spec) {
        Tsk task = new Tsk(++taskSeq, fullName, parent, spec, config, spec != null && spec.isGroup(), null, now());
        attempt.add(task);
        parent.children.add(task);
        return task;
    }

    private void schedule(Att attempt, Tsk task) {
        Duration length = Objects.requireNonNullElse(task.duration, auto.taskDuration());
        if (!auto.jitter().isZero()) {
            length = length.plusNanos((long) (autoRandom.nextDouble() * auto.jitter().toNanos()));
        }
        due.add(new Due(instant().plus(length), attempt, task, autoRandom.nextDouble() < auto.failureRate()));
    }

    // ---- lookups and views

    private Proj project(String name) {
        Proj project = projectsByName.get(name);
        if (project == null) {
            throw ApiError.notFound("project name=" + name);
        }
        return project;
    }

    private Proj projectById(long id) {
        Proj project = projects.get(id);
        if (project == null) {
            throw ApiError.notFound("project id=" + id);
        }
        return project;
    }

    private Wf latestWorkflow(Proj project, String name) {
        Wf workflow = project.workflows.get(name);
        if (workflow == null) {
            throw ApiError.notFound("workflow name=" + name + " in project " + project.name);
        }
        return workflow;
    }

    private Sess sessionById(long id) {
        Sess session = sessions.get(id);
        if (session == null) {
            throw ApiError.notFound("session id=" + id);
        }
        return session;
    }

    private Att attemptById(long id) {
        Att attempt = attempts.get(id);
        if (attempt == null) {
            throw ApiError.notFound("session attempt id=" + id);
        }
        return attempt;
    }

    static long parseId(String id) {
        try {
            return Long.parseLong(id);
        } catch (NumberFormatException | NullPointerException e) {
            throw ApiError.unconvertible();
        }
    }

    private Instant instant() {
        return eventTime != null ? eventTime : clock.instant();
    }

    /** Digdag's timestamps have second precision. */
    private Instant now() {
        return instant().truncatedTo(ChronoUnit.SECONDS);
    }

    private Project view(Proj p) {
        return new Project(id(p.id), p.name, "rev1", p.createdAt, p.updatedAt, null, "db", p.archiveMd5);
    }

    private Workflow view(Wf w) {
        return new Workflow(id(w.id), w.name, new ProjectRef(id(w.project.id), w.project.name), "rev1", w.timezone,
                w.spec.definition(w.name));
    }

    private Attempt view(Att a) {
        Sess s = a.session;
        return new Attempt(id(a.id), a.index, new ProjectRef(id(s.project.id), s.project.name),
                new WorkflowRef(s.workflowName, id(a.workflow.id)), id(s.id), s.uuid.toString(), s.sessionTime,
                a.retryAttemptName, a.done, a.success, a.cancelRequested, a.params.deepCopy(), a.createdAt,
                a.finishedAt, Attempt.status(a.done, a.success, a.cancelRequested));
    }

    private Session view(Sess s) {
        Att a = s.last();
        return new Session(id(s.id), new ProjectRef(id(s.project.id), s.project.name),
                new WorkflowRef(s.workflowName, id(s.workflow.id)), s.uuid.toString(), s.sessionTime,
                new Session.LastAttempt(id(a.id), a.retryAttemptName, a.done, a.success, a.cancelRequested,
                        a.params.deepCopy(), a.createdAt, a.finishedAt));
    }

    private Task view(Tsk t) {
        ObjectNode stateParams = JSON.objectNode();
        if (t.retryCount > 0) {
            stateParams.put("retry_count", t.retryCount);
        }
        if (t.requestRetries > 0) {
            ObjectNode request = stateParams.putObject("request");
            request.putObject("operation");
            request.put("retry", t.requestRetries);
        }
        return new Task(id(t.id), t.fullName, t.parent == null ? null : id(t.parent.id), t.config.deepCopy(),
                t.upstreams.stream().map(u -> id(u.id)).toList(), t.state, t.cancelRequested, JSON.objectNode(),
                JSON.objectNode(), stateParams, t.updatedAt, t.retryAt, t.startedAt, t.error.deepCopy(), t.group);
    }

    private static String id(long id) {
        return String.valueOf(id);
    }

    // ---- the records of the state

    private record SessionKey(long projectId, String workflowName, Instant sessionTime) {
    }

    private record Due(Instant at, Att attempt, Tsk task, boolean fail) {
    }

    private static final class Proj {
        final long id;
        final String name;
        final Instant createdAt;
        Instant updatedAt;
        final String archiveMd5;
        final Map<String, Wf> workflows = new LinkedHashMap<>();
        final Map<String, String> secrets = new HashMap<>();

        Proj(long id, String name, Instant createdAt, String archiveMd5) {
            this.id = id;
            this.name = name;
            this.createdAt = createdAt;
            this.updatedAt = createdAt;
            this.archiveMd5 = archiveMd5;
        }
    }

    private record Wf(long id, Proj project, String name, String timezone, WorkflowSpec spec) {
    }

    private static final class Sess {
        final long id;
        final Proj project;
        final String workflowName;
        final UUID uuid = UUID.randomUUID();
        final OffsetDateTime sessionTime;
        final List<Att> attempts = new ArrayList<>();
        Wf workflow;

        Sess(long id, Proj project, String workflowName, OffsetDateTime sessionTime) {
            this.id = id;
            this.project = project;
            this.workflowName = workflowName;
            this.sessionTime = sessionTime;
        }

        Att last() {
            return attempts.get(attempts.size() - 1);
        }

        Att attempt(String retryAttemptName) {
            return attempts.stream().filter(a -> retryAttemptName.equals(a.retryAttemptName)).findFirst().orElse(null);
        }
    }

    private static final class Att {
        final long id;
        final int index;
        final Sess session;
        final Wf workflow;
        final String retryAttemptName;
        final JsonNode params;
        final Instant createdAt;
        final Instant createdExactlyAt;
        Instant finishedAt;
        boolean done;
        boolean success;
        boolean cancelRequested;
        final List<Tsk> tasks = new ArrayList<>();
        final Map<String, Tsk> byName = new HashMap<>();

        Att(long id, int index, Sess session, Wf workflow, String retryAttemptName, JsonNode params,
            Instant createdExactlyAt) {
            this.id = id;
            this.index = index;
            this.session = session;
            this.workflow = workflow;
            this.retryAttemptName = retryAttemptName;
            this.params = params;
            this.createdExactlyAt = createdExactlyAt;
            this.createdAt = createdExactlyAt.truncatedTo(ChronoUnit.SECONDS);
        }

        void add(Tsk task) {
            tasks.add(task);
            byName.put(task.fullName, task);
        }
    }

    private static final class Tsk {
        final long id;
        final String fullName;
        final Tsk parent;
        /** The workflow's definition of the task; null for tasks Digdag generates ({@code ^} names). */
        final TaskSpec spec;
        final JsonNode config;
        final RetryPolicy retryPolicy;
        final boolean group;
        final Duration duration;
        final List<Tsk> upstreams = new ArrayList<>();
        final List<Tsk> children = new ArrayList<>();
        String state = BLOCKED;
        boolean cancelRequested;
        Instant updatedAt;
        Instant startedAt;
        Instant retryAt;
        int retryCount;
        /** Tries of an {@code http>} request that failed and were sent again ({@code retry: true}). */
        int requestRetries;
        Instant endedExactlyAt;
        JsonNode error = JSON.objectNode();

        Tsk(long id, String fullName, Tsk parent, TaskSpec spec, JsonNode config, boolean group, Duration duration,
            Instant updatedAt) {
            this.id = id;
            this.fullName = fullName;
            this.parent = parent;
            this.spec = spec;
            this.config = config;
            this.retryPolicy = RetryPolicy.of(config.get("_retry"));
            this.group = group;
            this.duration = duration;
            this.updatedAt = updatedAt;
        }

        boolean isDone() {
            return Task.DONE_STATES.contains(state);
        }

        boolean hasAncestor(Tsk task) {
            for (Tsk p = parent; p != null; p = p.parent) {
                if (p == task) {
                    return true;
                }
            }
            return false;
        }
    }
}
