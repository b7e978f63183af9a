package io.baton.emulator;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.baton.emulator.Stored.Att;
import io.baton.emulator.Stored.Due;
import io.baton.emulator.Stored.Sess;
import io.baton.emulator.Stored.Tsk;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.function.Supplier;

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
 * Digdag's state machine of an attempt's task tree: tasks go {@code blocked} → {@code running} (groups
 * {@code planned}) → {@code success} / {@code error} / {@code canceled}, groups close when their children end,
 * {@code _retry}, {@code _error}, {@code ^failure-alert} and {@code for_each>} add tasks as on Digdag, {@code http>}
 * tasks send their request. Every call happens under the owner's lock; the time of an event is the emulator's clock,
 * or the time a due event was meant for ({@link #at}).
 */
final class TaskMachine {

    /** What the machine needs of the store that holds the attempts, whose monitor is the lock of every change. */
    interface Owner {
        /** Whether the attempt is still stored (the emulator may have been cleared while a request was out). */
        boolean holds(Att attempt);

        /** An operator task other than {@code http>} runs: the automatic drive may end it. */
        void running(Att attempt, Tsk task);

        /** The attempt is done. */
        void ended(Att attempt);
    }

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    /** States of a task that may still change without anyone starting it: its group must wait for it. */
    private static final Set<String> ACTIVE = Set.of(RUNNING, PLANNED, RETRY_WAITING, GROUP_RETRY_WAITING);
    private static final DateTimeFormatter SESSION_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ssxxx");

    private final EmulatorClock clock;
    private final HttpOperator http;
    private final Owner owner;
    private final TaskTree tree = new TaskTree(this::now);
    /** While a due event happens (a scheduled start, the drive's end of a task), its time: successors start then. */
    private Instant eventTime;
    /** Tasks and groups waiting to be retried, by {@code retryAt}. */
    private final PriorityQueue<Due> retries = new PriorityQueue<>(Comparator.comparing(Due::at));

    TaskMachine(EmulatorClock clock, HttpOperator http, Owner owner) {
        this.clock = clock;
        this.http = http;
        this.owner = owner;
    }

    /** Runs {@code event} as if it happened at {@code at}. */
    <T> T at(Instant at, Supplier<T> event) {
        Instant previous = eventTime;
        eventTime = at;
        try {
            return event.get();
        } finally {
            eventTime = previous;
        }
    }

    /** The exact time of the event now happening. */
    Instant instant() {
        return eventTime != null ? eventTime : clock.instant();
    }

    /** Digdag's timestamps have second precision. */
    Instant now() {
        return instant().truncatedTo(ChronoUnit.SECONDS);
    }

    /** Ends the waits of {@code _retry} that are over by {@code now}. */
    void tick(Instant now) {
        while (!retries.isEmpty() && !retries.peek().at().isAfter(now)) {
            Due next = retries.poll();
            at(next.at(), () -> {
                retry(next.attempt(), next.task());
                return null;
            });
        }
    }

    /**
     * Ends the attempt at once, as a kill whose running tasks all end now (canceled, as are waits for a retry);
     * tasks that never ran stay blocked.
     */
    void endNow(Att attempt) {
        attempt.cancelRequested = true;
        while (!attempt.done) {
            for (Tsk task : attempt.tasks) {
                if (!task.isDone()) {
                    task.cancelRequested = true;
                }
                if (RUNNING.equals(task.state) || RETRY_WAITING.equals(task.state)
                        || GROUP_RETRY_WAITING.equals(task.state)) {
                    task.state = CANCELED;
                    task.retryAt = null;
                    task.updatedAt = now();
                    task.endedExactlyAt = instant();
                }
            }
            progress(attempt); // a failed root may add a running ^error: the next round cancels it
        }
    }

    /** Starts a new attempt: its task rows, those {@code resumed} copied as successful, and its first tasks. */
    void start(Att attempt, Map<String, Tsk> resumed) {
        tree.addTasks(attempt, resumed).state = PLANNED;
        progress(attempt);
    }

    /** Forgets the waits for a retry; with {@code restartIds}, task ids count from 1 again. */
    void clear(boolean restartIds) {
        retries.clear();
        if (restartIds) {
            tree.restartIds();
        }
    }

    void finish(Att attempt, Tsk task, String errorMessage) {
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
            tree.addChildren(attempt, task);
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
    void progress(Att attempt) {
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
            owner.ended(attempt);
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
            tree.addForEachGroup(attempt, task);
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
        } else {
            owner.running(attempt, task);
        }
    }

    /** The answer to an {@code http>} task's request (or its failure) has come: the task ends or waits to retry. */
    private void answered(Att attempt, Tsk task, HttpOperator.Call call, HttpOperator.Outcome outcome) {
        synchronized (owner) {
            if (!owner.holds(attempt) || !RUNNING.equals(task.state)) {
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
        return variables.put("attempt_id", EmulatorViews.id(attempt.id)).put("task_name", task.fullName)
                .put("session_id", EmulatorViews.id(session.id)).put("session_uuid", session.uuid.toString())
                .put("session_time", SESSION_TIME.format(session.sessionTime))
                .put("session_date", session.sessionTime.toLocalDate().toString())
                .put("timezone", attempt.workflow.timezone())
                .put("project_id", EmulatorViews.id(session.project.id));
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
                    tree.addChildren(attempt, group);
                } else {
                    waitForRetry(attempt, group, GROUP_RETRY_WAITING, retry.get());
                }
                return;
            }
            if (group.parent == null
                    && group.children.stream().noneMatch(c -> c.fullName.endsWith(TaskTree.FAILURE_ALERT))) {
                tree.addFailureAlert(attempt, group);
                if (group.config.has("_error")) {
                    begin(attempt, tree.addErrorHandler(attempt, group));
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
}
