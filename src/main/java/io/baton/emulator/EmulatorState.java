package io.baton.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import io.baton.digdag.client.Attempt;
import io.baton.digdag.client.Project;
import io.baton.digdag.client.Resume;
import io.baton.digdag.client.Session;
import io.baton.digdag.client.Task;
import io.baton.digdag.client.Workflow;
import io.baton.emulator.Stored.Att;
import io.baton.emulator.Stored.Proj;
import io.baton.emulator.Stored.Sess;
import io.baton.emulator.Stored.SessionKey;
import io.baton.emulator.Stored.Tsk;
import io.baton.emulator.Stored.Wf;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import static io.baton.digdag.client.Task.CANCELED;
import static io.baton.digdag.client.Task.GROUP_RETRY_WAITING;
import static io.baton.digdag.client.Task.RETRY_WAITING;
import static io.baton.digdag.client.Task.RUNNING;
import static io.baton.emulator.EmulatorViews.view;

/**
 * What Digdag's API reads and does on the {@link EmulatorStore}: the queries, starting, resuming and killing attempts,
 * ending tasks by hand; {@link TaskMachine} moves the tasks, {@link AutoDriveScheduler} ends them on the automatic
 * drive. Its monitor is the one lock of all of it; answers are built as the client's model records while holding it.
 */
final class EmulatorState implements TaskMachine.Owner {

    private final EmulatorStore store = new EmulatorStore();
    private final TaskMachine machine;
    private final AutoDriveScheduler drive;
    /** Attempts not done, and the most there were at once since {@link #resetMaxRunning()}. */
    private int running;
    private int maxRunning;

    EmulatorState(EmulatorClock clock, HttpOperator http) {
        this.machine = new TaskMachine(clock, http, this);
        this.drive = new AutoDriveScheduler(machine);
    }

    // ---- definitions

    synchronized void defineProject(String name) {
        store.defineProject(name, machine.now());
    }

    synchronized String defineWorkflow(String projectName, String name, String timezone, WorkflowSpec spec) {
        return String.valueOf(store.defineWorkflow(projectName, name, timezone, spec, machine.now()).id());
    }

    /** A project secret, as {@code digdag secrets --project P --set key} stores it; {@code http>} reads it. */
    synchronized void setSecret(String projectName, String key, String value) {
        store.project(projectName).secrets.put(key, value);
    }

    synchronized String workflowId(String projectName, String workflowName) {
        return String.valueOf(store.latestWorkflow(store.project(projectName), workflowName).id());
    }

    // ---- queries (REST)

    synchronized List<Project> projects(String name, long lastId, int count) {
        return store.projects.tailMap(lastId, false).values().stream()
                .filter(p -> name == null || p.name.equals(name))
                .limit(count).map(EmulatorViews::view).toList();
    }

    synchronized Project project(long id) {
        return view(store.projectById(id));
    }

    synchronized List<Workflow> projectWorkflows(long projectId, String name) {
        return store.projectById(projectId).workflows.values().stream()
                .filter(w -> name == null || w.name().equals(name))
                .sorted(Comparator.comparingLong(Wf::id)).map(EmulatorViews::view).toList();
    }

    synchronized Workflow projectWorkflow(long projectId, String name) {
        return view(store.latestWorkflow(store.projectById(projectId), name));
    }

    synchronized List<Workflow> workflows(long lastId, int count) {
        return store.workflows.tailMap(lastId, false).values().stream()
                .filter(store::isCurrent)
                .limit(count).map(EmulatorViews::view).toList();
    }

    synchronized Workflow workflow(long id) {
        return view(store.workflowById(id));
    }

    /** Newest first, ids below {@code lastId}. */
    synchronized List<Session> sessions(Long projectId, String workflowName, long lastId, int pageSize) {
        Predicate<Sess> filter = s -> (projectId == null || s.project.id == projectId)
                && (workflowName == null || s.workflowName.equals(workflowName));
        return store.sessions.headMap(lastId, false).descendingMap().values().stream()
                .filter(filter).limit(pageSize).map(EmulatorViews::view).toList();
    }

    synchronized Session session(long id) {
        return view(store.sessionById(id));
    }

    synchronized List<Attempt> sessionAttempts(long sessionId, long lastId, int pageSize) {
        return store.sessionById(sessionId).attempts.stream()
                .filter(a -> a.id < lastId)
                .sorted(Comparator.comparingLong((Att a) -> a.id).reversed())
                .limit(pageSize).map(EmulatorViews::view).toList();
    }

    /** Newest first, ids below {@code lastId}; without {@code includeRetried} only each session's last attempt. */
    synchronized List<Attempt> attempts(String projectName, String workflowName, boolean includeRetried, long lastId,
                                        int pageSize) {
        Proj project = projectName == null ? null : store.project(projectName);
        return store.attempts.headMap(lastId, false).descendingMap().values().stream()
                .filter(a -> project == null || a.session.project == project)
                .filter(a -> project == null || workflowName == null || a.session.workflowName.equals(workflowName))
                .filter(a -> includeRetried || a.session.last() == a)
                .limit(pageSize).map(EmulatorViews::view).toList();
    }

    synchronized Attempt attempt(long id) {
        return view(store.attemptById(id));
    }

    synchronized List<Task> tasks(long attemptId) {
        return store.attemptById(attemptId).tasks.stream().map(EmulatorViews::view).toList();
    }

    /** The exact instant the attempt was created; the API shows it in whole seconds, like Digdag. */
    synchronized Instant createdExactlyAt(long attemptId) {
        return store.attemptById(attemptId).createdExactlyAt;
    }

    /** The exact instant the task ended, or null while it has not; the API shows whole seconds, like Digdag. */
    synchronized Instant endedExactlyAt(long attemptId, String fullName) {
        Tsk task = store.attemptById(attemptId).byName.get(fullName);
        if (task == null) {
            throw new IllegalArgumentException("attempt " + attemptId + " has no task " + fullName);
        }
        return task.endedExactlyAt;
    }

    synchronized List<Attempt> retries(long attemptId) {
        return store.attemptById(attemptId).session.attempts.stream().map(EmulatorViews::view).toList();
    }

    // ---- commands

    /** The outcome of PUT /api/attempts: the new attempt, or (conflict) the existing one. */
    record Started(Attempt attempt, boolean created) {
    }

    synchronized Started start(long workflowId, OffsetDateTime sessionTime, JsonNode params, String retryAttemptName,
                               Resume resume) {
        Wf workflow = store.workflowById(workflowId);
        SessionKey key = new SessionKey(workflow.project().id, workflow.name(), sessionTime.toInstant());
        Sess session = store.sessionsByKey.get(key);
        if (session != null) {
            Att existing = retryAttemptName == null ? session.last() : session.attempt(retryAttemptName);
            if (existing != null) {
                store.nextAttemptId(); // Digdag's rejected insert uses up an id too
                return new Started(view(existing), false);
            }
        }
        Map<String, Tsk> resumed = resume == null ? Map.of() : resumedTasks(session, resume);
        if (session == null) {
            session = store.addSession(key, workflow,
                    sessionTime.atZoneSameInstant(ZoneId.of(workflow.timezone())).toOffsetDateTime());
        }
        session.workflow = workflow;
        Att attempt = store.add(new Att(store.nextAttemptId(), session.attempts.size() + 1, session, workflow,
                retryAttemptName, params.deepCopy(), machine.instant()));
        maxRunning = Math.max(maxRunning, ++running);
        machine.start(attempt, resumed);
        return new Started(view(attempt), true);
    }

    /** Starts a session as Digdag's scheduler does at {@code at}: the attempt and its first tasks are created then. */
    synchronized Started startAt(Instant at, long workflowId, OffsetDateTime sessionTime, JsonNode params) {
        return machine.at(at, () -> start(workflowId, sessionTime, params, null, null));
    }

    /** The tasks of the resumed attempt that the new attempt copies as already successful, by full name. */
    private Map<String, Tsk> resumedTasks(Sess session, Resume resume) {
        Att source = store.attemptById(EmulatorStore.parseId(resume.attemptId()));
        if (source.session != session) {
            throw ApiError.badRequest("Resuming attempt " + source.id + " needs its own session");
        }
        return TaskTree.resumable(source, resume);
    }

    /** Kills a running attempt; answers with the attempt as it was before, like Digdag. */
    synchronized Attempt kill(long attemptId) {
        Att attempt = store.attemptById(attemptId);
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
                    t.updatedAt = machine.now();
                });
        machine.progress(attempt);
        return before;
    }

    /** Ends a running task; a task of a killed attempt ends as canceled, as in Digdag. */
    synchronized void finishTask(long attemptId, String fullName, String errorMessage) {
        Att attempt = store.attemptById(attemptId);
        Tsk task = attempt.byName.get(fullName);
        if (task == null) {
            throw new IllegalArgumentException("attempt " + attemptId + " has no task " + fullName + "; it has "
                    + attempt.byName.keySet());
        }
        if (!RUNNING.equals(task.state)) {
            throw new IllegalStateException(fullName + " of attempt " + attemptId + " is " + task.state
                    + ", not running");
        }
        machine.finish(attempt, task, errorMessage);
    }

    /** Full names of the attempt's running operator tasks. */
    synchronized List<String> runningTasks(long attemptId) {
        return store.attemptById(attemptId).tasks.stream().filter(t -> RUNNING.equals(t.state)).map(t -> t.fullName)
                .toList();
    }

    synchronized void automatic(AutoDrive auto) {
        drive.start(auto);
        store.attempts.values().stream().filter(a -> !a.done).forEach(a -> a.tasks.stream()
                .filter(t -> RUNNING.equals(t.state) && !HttpOperator.runs(t.config))
                .forEach(t -> drive.running(a, t)));
    }

    synchronized void manual() {
        drive.stop();
    }

    /** Ends the waits for a retry that are over and the automatic drive's tasks whose time has come. */
    synchronized void tick(Instant now) {
        machine.tick(now);
        drive.tick(now);
    }

    synchronized int maxRunning() {
        return maxRunning;
    }

    /** Starts counting the most attempts running at once from those running now. */
    synchronized void resetMaxRunning() {
        maxRunning = running;
    }

    /** Forgets every project, workflow, session and attempt; ids keep counting up. */
    synchronized void clear() {
        forget(false);
    }

    /** Forgets everything and counts every id from 1 again, as Digdag restarted on its in-memory database does. */
    synchronized void restart() {
        forget(true);
    }

    private void forget(boolean restartIds) {
        running = 0;
        maxRunning = 0;
        store.clear(restartIds);
        drive.clear();
        machine.clear(restartIds);
    }

    /**
     * A clean slate for the next test on what a watcher still sees as the same server: attempts not done end now
     * (killed), projects are forgotten with their workflows and secrets (names may be used again, under new ids), the
     * drive is manual again. Finished attempts, their sessions and every id stay, as the history of a Digdag server
     * does: its newest attempt id never goes down and no attempt a watcher follows vanishes.
     *
     * @return how many attempts were ended
     */
    synchronized int reset() {
        List<Att> unfinished = store.attempts.values().stream().filter(a -> !a.done).toList();
        unfinished.forEach(machine::endNow);
        machine.clear(false);
        drive.stop();
        store.forgetProjects();
        maxRunning = running;
        return unfinished.size();
    }

    // ---- TaskMachine.Owner

    @Override
    public boolean holds(Att attempt) {
        return store.attempts.get(attempt.id) == attempt;
    }

    @Override
    public void running(Att attempt, Tsk task) {
        drive.running(attempt, task);
    }

    @Override
    public void ended(Att attempt) {
        running--;
    }
}
