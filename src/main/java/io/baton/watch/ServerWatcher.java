package io.baton.watch;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.baton.digdag.client.Attempt;
import io.baton.digdag.client.AttemptQuery;
import io.baton.digdag.client.DigdagClient;
import io.baton.digdag.client.DigdagNotFoundException;
import io.baton.digdag.client.SessionTimes;
import io.baton.digdag.client.Task;
import io.baton.events.DigdagCompletion;
import io.quarkus.narayana.jta.QuarkusTransaction;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * Follows one Digdag server while this replica holds its lease. Its memory (position and the running attempts with
 * their last task states) is a copy of what PostgreSQL holds; after any failure it is dropped and reloaded, so a
 * transition is reported once it has been committed, never half.
 */
class ServerWatcher {

    static final int PAGE_SIZE = 100;

    private final DigdagClient client;
    private final WatchConfig config;
    private final TaskInterest interest;
    private final CompletionSink sink;

    private boolean loaded;
    private long highWater;
    /** When the attempt at {@link #highWater} was created: after a restart of the server, newer attempts are new. */
    private Instant highWaterAt;
    /** When this replica last found the server's attempt ids started again; null if never. */
    private volatile Instant restartedAt;
    /** When the attempt list was last read back past {@code max-status-pages} to refresh older followed attempts. */
    private Instant lastDeepRead;
    private final TreeMap<Long, Followed> followed = new TreeMap<>();

    /** Receives the transitions of one cycle; must commit them together with {@link ServerWatcher#persist}. */
    interface CompletionSink {
        void publish(DigdagCompletion completion);
    }

    /** Told once per detection that the server's attempt ids started again, with why; called before the cycle commits. */
    interface RestartListener {
        void restarted(String reason);
    }

    private final RestartListener restartListener;

    ServerWatcher(DigdagClient client, WatchConfig config, TaskInterest interest, CompletionSink sink,
                  RestartListener restartListener) {
        this.client = client;
        this.config = config;
        this.interest = interest;
        this.sink = sink;
        this.restartListener = restartListener;
    }

    String server() {
        return client.serverName();
    }

    int followedCount() {
        return followed.size();
    }

    /** When this replica last re-baselined the server because its ids started again; null if it never did. */
    Instant restartedAt() {
        return restartedAt;
    }

    /** Forgets everything in memory; the next cycle reloads from PostgreSQL, as a freshly started replica would. */
    synchronized void forget() {
        loaded = false;
        lastDeepRead = null;
        followed.clear();
    }

    /** One poll cycle. On any exception the memory is dropped and nothing of the cycle is committed. */
    synchronized void cycle() {
        try {
            if (!loaded) {
                load();
            }
            Cycle cycle = new Cycle(Instant.now());
            cycle.run();
            persist(cycle);
        } catch (RuntimeException e) {
            forget();
            throw e;
        }
    }

    /**
     * Digdag said that something in this attempt ended: reads the attempt and its task list now and reports what
     * ended since the last look, as a poll cycle would (same events, same ids, so the outbox keeps one of each), and
     * commits it before returning. Memory is used only when this replica follows the server; otherwise every done
     * task is reported and the outbox drops what was already there.
     *
     * @return the completions reported, before the outbox drops those it already holds
     * @throws DigdagNotFoundException if the server has no such attempt
     */
    synchronized int notified(String attemptId) {
        try {
            Cycle cycle = new Cycle(Instant.now());
            cycle.notified(client.attempt(attemptId));
            persist(cycle);
            return cycle.completions.size();
        } catch (RuntimeException e) {
            forget();
            throw e;
        }
    }

    private void load() {
        WatchedServer row = QuarkusTransaction.requiringNew().call(() -> WatchedServer.findById(server()));
        followed.clear();
        highWater = row == null ? WatchedServer.NEVER_READ : row.highWater;
        highWaterAt = row == null || row.highWaterAt == null ? null : row.highWaterAt.toInstant();
        if (highWater != WatchedServer.NEVER_READ) {
            for (WatchedAttempt attempt : QuarkusTransaction.requiringNew().call(() -> WatchedAttempt.ofServer(server()))) {
                Followed f = new Followed(attempt.attempt, attempt.lastChangeAt.toInstant());
                f.taskStates = attempt.taskStates;
                followed.put(f.attemptId, f);
            }
        }
        loaded = true;
    }

    private final class Cycle {
        final Instant now;
        final Instant cutoff;
        final List<DigdagCompletion> completions = new ArrayList<>();
        final Set<Long> removed = new HashSet<>();
        long newHighWater = highWater;
        Instant newHighWaterAt = highWaterAt;
        /** Everything followed so far is dropped: the server is new (first start) or its ids started again. */
        boolean baselined;

        Cycle(Instant now) {
            this.now = now;
            this.cutoff = now.minus(config.lookBack());
        }

        void notified(Attempt attempt) {
            Followed f = followed.get(id(attempt));
            if (attempt.done()) {
                finish(attempt, f, true);
                return;
            }
            Followed target = f != null ? f : new Followed(attempt, now);
            target.attempt = attempt;
            target.lastTaskRead = now;
            compareTasks(target, client.tasks(attempt.id()));
        }

        void run() {
            if (highWater == WatchedServer.NEVER_READ) {
                // The first start reports nothing of the past unless back-fill is on.
                baseline(config.backfill() ? cutoff : null);
                return;
            }
            Map<Long, Attempt> listed = readAttemptPages();
            // Attempts older than the pages read this cycle: their status is read one by one, at the idle pace.
            Map<Long, Attempt> readAlone = new TreeMap<>();
            Long gone = null;
            for (Followed f : followed.values()) {
                if (!listed.containsKey(f.attemptId) && due(f.lastStatusRead, config.idleInterval())) {
                    f.lastStatusRead = now;
                    try {
                        readAlone.put(f.attemptId, client.attempt(String.valueOf(f.attemptId)));
                    } catch (DigdagNotFoundException e) {
                        gone = f.attemptId;
                        break;
                    }
                }
            }
            String restart = gone != null ? "attempt " + gone + ", followed while it ran, is gone"
                    : restartSign(listed, readAlone);
            if (restart != null) {
                restarted(restart);
                return;
            }
            for (Attempt attempt : listed.values()) {
                long id = id(attempt);
                Followed f = followed.get(id);
                if (id > highWater) {
                    raiseHighWater(attempt);
                    if (attempt.createdAt() != null && attempt.createdAt().isBefore(cutoff)) {
                        continue;
                    }
                    if (attempt.done()) {
                        finish(attempt, null);
                    } else if (f == null) {
                        Followed started = new Followed(attempt, now);
                        started.lastStatusRead = now;
                        // A notifying workflow's tasks are read at the idle pace only, from its start on.
                        started.lastTaskRead = notifies(started) ? now : null;
                        started.dirty = true;
                        followed.put(id, started);
                    }
                } else if (f != null) {
                    f.lastStatusRead = now;
                    if (attempt.done()) {
                        finish(attempt, f);
                    }
                }
            }
            readAlone.forEach((id, attempt) -> {
                if (attempt.done()) {
                    finish(attempt, followed.get(id));
                }
            });
            for (Followed f : followed.values()) {
                if (wantsTasks(f) && due(f.lastTaskRead, paceOf(f))) {
                    f.lastTaskRead = now;
                    compareTasks(f, client.tasks(String.valueOf(f.attemptId)));
                }
            }
        }

        /**
         * Why the server is not the one whose ids Baton holds (restarted on an empty database, rebuilt, restored, or
         * its URL now points elsewhere), or null: its newest attempt is below the high-water mark, or an attempt being
         * followed now belongs to another session.
         */
        private String restartSign(Map<Long, Attempt> listed, Map<Long, Attempt> readAlone) {
            if (highWater > 0 && (listed.isEmpty() || Collections.max(listed.keySet()) < highWater)) {
                return "its newest attempt is " + (listed.isEmpty() ? "none" : Collections.max(listed.keySet()))
                        + ", below attempt " + highWater + " seen before";
            }
            for (Map<Long, Attempt> attempts : List.of(listed, readAlone)) {
                for (Attempt attempt : attempts.values()) {
                    Followed f = followed.get(id(attempt));
                    if (f != null && !Objects.equals(f.attempt.sessionUuid(), attempt.sessionUuid())) {
                        return "attempt " + attempt.id() + " now belongs to session " + attempt.sessionUuid() + ", not "
                                + f.attempt.sessionUuid();
                    }
                }
            }
            return null;
        }

        /**
         * Starts over on a server whose ids started again: what was followed there is gone. Attempts created since
         * the newest one seen before are new and reported (a restored copy's old attempts keep their session UUIDs,
         * hence their event ids, so the outbox drops them as already sent); older ones are the baseline.
         */
        private void restarted(String reason) {
            Instant reportSince = highWaterAt == null || highWaterAt.isBefore(cutoff) ? cutoff : highWaterAt;
            restartListener.restarted(reason + "; the " + followed.size() + " attempts followed there are dropped, "
                    + "attempts created since " + reportSince + " are reported as new");
            restartedAt = now;
            baseline(reportSince);
        }

        /**
         * Takes the newest attempt as the position and follows the attempts running now. Attempts created at or after
         * {@code reportSince} are reported as new; of older ones only the running are followed, their current task
         * states the baseline. Pages are read back while they hold attempts to report or to follow (within the
         * look-back), a one-time cost.
         */
        private void baseline(Instant reportSince) {
            followed.clear();
            baselined = true;
            newHighWater = 0;
            newHighWaterAt = null;
            String lastId = null;
            for (boolean more = true; more; ) {
                List<Attempt> page = client.attempts(new AttemptQuery(null, null, true, lastId, PAGE_SIZE));
                boolean wanted = false;
                for (Attempt attempt : page) {
                    raiseHighWater(attempt);
                    if (attempt.createdAt() != null && attempt.createdAt().isBefore(cutoff)) {
                        continue;
                    }
                    boolean isNew = reportSince != null
                            && (attempt.createdAt() == null || !attempt.createdAt().isBefore(reportSince));
                    wanted |= isNew || !attempt.done();
                    if (isNew && attempt.done()) {
                        finish(attempt, null);
                    } else if (!attempt.done()) {
                        Followed f = new Followed(attempt, now);
                        f.lastStatusRead = now;
                        f.dirty = true;
                        if (!isNew && wantsTasks(f)) {
                            f.taskStates = statesOf(client.tasks(attempt.id()));
                        }
                        followed.put(f.attemptId, f);
                    }
                }
                more = page.size() == PAGE_SIZE && wanted;
                lastId = page.isEmpty() ? null : page.get(page.size() - 1).id();
            }
        }

        private void raiseHighWater(Attempt attempt) {
            if (id(attempt) > newHighWater) {
                newHighWater = id(attempt);
                newHighWaterAt = attempt.createdAt();
            }
        }

        /**
         * Attempt list pages, newest first (Digdag pages backwards: id &lt; last_id). Reads on while the page still
         * holds new attempts (within the look-back), and up to {@code max-status-pages} to refresh followed attempts.
         * At the idle pace it reads further back while that saves calls: while at least as many followed attempts
         * are older than the page as pages were read beyond the limit. One page answers for 100 attempts, so 700
         * followed attempts beyond the limit cost 7 calls every idle interval instead of 700.
         */
        private Map<Long, Attempt> readAttemptPages() {
            TreeMap<Long, Attempt> listed = new TreeMap<>();
            long oldestFollowed = followed.isEmpty() ? Long.MAX_VALUE : followed.firstKey();
            boolean deep = due(lastDeepRead, config.idleInterval());
            if (deep) {
                lastDeepRead = now;
            }
            String lastId = null;
            for (int pages = 1; ; pages++) {
                List<Attempt> page = client.attempts(new AttemptQuery(null, null, true, lastId, PAGE_SIZE));
                page.forEach(a -> listed.put(id(a), a));
                if (page.size() < PAGE_SIZE) {
                    return listed;
                }
                Attempt oldest = page.stream().min(Comparator.comparingLong(ServerWatcher::id)).orElseThrow();
                boolean moreNew = id(oldest) > highWater
                        && (oldest.createdAt() == null || oldest.createdAt().isAfter(cutoff));
                int beyondLimit = pages - config.maxStatusPages() + 1;
                boolean moreFollowed = id(oldest) > oldestFollowed && (beyondLimit <= 0
                        || deep && followed.headMap(id(oldest), false).size() >= beyondLimit);
                if (!moreNew && !moreFollowed) {
                    return listed;
                }
                lastId = oldest.id();
            }
        }

        /** Reports the final task transitions (when tasks are wanted) and then the attempt's own. */
        private void finish(Attempt attempt, Followed f) {
            finish(attempt, f, false);
        }

        private void finish(Attempt attempt, Followed f, boolean readTasks) {
            Followed target = f != null ? f : new Followed(attempt, now);
            target.attempt = attempt;
            if (readTasks || wantsTasks(target)) {
                compareTasks(target, client.tasks(attempt.id()));
            }
            completions.add(completion(attempt, null, null));
            if (followed.remove(target.attemptId) != null) {
                removed.add(target.attemptId);
            }
        }

        /**
         * Reports the tasks that reached a done state since the last look. Tasks are told apart by id: a retried group
         * lists each child again under the same full name, and the first copy keeps its error for good.
         */
        private void compareTasks(Followed f, List<Task> tasks) {
            Map<String, String> previous = f.taskStates == null ? Map.of() : f.taskStates;
            boolean changed = f.taskStates == null;
            for (Task task : inCompletionOrder(tasks)) {
                // State saved before tasks were keyed by id names them by full name (which starts with '+').
                String before = previous.containsKey(task.id()) ? previous.get(task.id()) : previous.get(task.fullName());
                if (task.state().equals(before)) {
                    continue;
                }
                changed = true;
                if (task.isDone()) {
                    completions.add(completion(f.attempt, task, task.isCopiedInto(f.attempt) ? copiedFrom(f, task) : null));
                }
            }
            if (changed) {
                f.taskStates = statesOf(tasks);
                f.lastChange = now;
                f.dirty = true;
            }
        }

        private boolean due(Instant last, Duration pace) {
            // A tenth of the pace as slack, so scheduling jitter does not skip a whole interval.
            return last == null || !last.plus(pace.minus(pace.dividedBy(10))).isAfter(now);
        }

        private Duration paceOf(Followed f) {
            return notifies(f) || f.lastChange.plus(config.idleAfter()).isBefore(now) ? config.idleInterval()
                    : config.interval();
        }
    }

    private void persist(Cycle cycle) {
        List<Followed> dirty = followed.values().stream().filter(f -> f.dirty).toList();
        if (cycle.completions.isEmpty() && dirty.isEmpty() && cycle.removed.isEmpty() && !cycle.baselined
                && cycle.newHighWater == highWater) {
            return;
        }
        QuarkusTransaction.requiringNew().run(() -> {
            cycle.completions.forEach(sink::publish);
            if (cycle.baselined) {
                WatchedAttempt.delete("server", server());
            }
            dirty.forEach(this::save);
            for (Long id : cycle.removed) {
                WatchedAttempt.delete("server = ?1 and attemptId = ?2", server(), id);
            }
            if (cycle.baselined || cycle.newHighWater != highWater) {
                WatchedServer.update("highWater = ?1, highWaterAt = ?2 where server = ?3", cycle.newHighWater,
                        cycle.newHighWaterAt == null ? null : OffsetDateTime.ofInstant(cycle.newHighWaterAt, ZoneOffset.UTC),
                        server());
            }
        });
        dirty.forEach(f -> f.dirty = false);
        highWater = cycle.newHighWater;
        highWaterAt = cycle.newHighWaterAt;
    }

    private void save(Followed f) {
        WatchedAttempt row = new WatchedAttempt();
        row.server = server();
        row.attemptId = f.attemptId;
        row.project = f.attempt.project().name();
        row.workflow = f.attempt.workflow().name();
        row.wantsTasks = wantsTasks(f);
        row.attempt = f.attempt;
        row.taskStates = f.taskStates;
        row.lastChangeAt = OffsetDateTime.ofInstant(f.lastChange, ZoneOffset.UTC);
        WatchedAttempt.getEntityManager().merge(row);
    }

    /** Whether the attempt's workflow tells Baton when its tasks end ({@code baton.watch.push.workflows}). */
    private boolean notifies(Followed f) {
        return config.push().workflows().map(w -> w.contains(f.attempt.project().name() + "/"
                + f.attempt.workflow().name())).orElse(false);
    }

    private boolean wantsTasks(Followed f) {
        return switch (config.taskFetch()) {
            case all -> true;
            case none -> false;
            case referenced -> interest.wantsTasks(server(), f.attempt.project().name(), f.attempt.workflow().name());
        };
    }

    private DigdagCompletion completion(Attempt attempt, Task task, String copiedFrom) {
        OffsetDateTime sessionTime = attempt.sessionTime();
        return new DigdagCompletion(server(), attempt.project().name(), attempt.workflow().name(),
                task == null ? null : task.fullName(), task == null ? null : task.id(), attempt.id(),
                attempt.sessionId(), attempt.sessionUuid(), SessionTimes.format(sessionTime),
                sessionTime.toLocalDate(), task == null ? attempt.status() : task.state(), attempt.retryAttemptName(),
                task == null ? attempt.createdAt() : task.startedAt(),
                task == null ? attempt.finishedAt() : task.updatedAt(),
                client.baseUrl() + "/attempts/" + attempt.id(),
                task == null ? null : task.errorMessage(), copiedFrom);
    }

    /**
     * The earlier attempt of the session where a copied task really ran: the newest one holding a task of the same
     * name that started and ended at the copy's time. The session's attempts are read once per followed attempt; if
     * none matches (a copy's source is always there on a real server), the previous attempt is named.
     */
    private String copiedFrom(Followed f, Task copy) {
        if (f.copySources == null) {
            f.copySources = new HashMap<>();
            List<Attempt> earlier = client.retries(f.attempt.id()).stream()
                    .filter(a -> a.index() < f.attempt.index())
                    .sorted(Comparator.comparingInt(Attempt::index).reversed())
                    .toList();
            for (Attempt attempt : earlier) {
                for (Task task : client.tasks(attempt.id())) {
                    if (task.startedAt() != null && Task.SUCCESS.equals(task.state())) {
                        f.copySources.putIfAbsent(copyKey(task), attempt.id());
                    }
                }
            }
            f.previousAttempt = earlier.isEmpty() ? null : earlier.get(0).id();
        }
        return f.copySources.getOrDefault(copyKey(copy), f.previousAttempt);
    }

    private static String copyKey(Task task) {
        return task.fullName() + "@" + task.updatedAt();
    }

    /**
     * Tasks in the order they can finish: by update time (seconds only), and within the same second children before
     * their parent and earlier siblings first (a post-order walk of the task tree).
     */
    static List<Task> inCompletionOrder(List<Task> tasks) {
        Map<String, List<Task>> children = new LinkedHashMap<>();
        List<Task> roots = new ArrayList<>();
        Comparator<Task> byId = Comparator.comparingLong(t -> Long.parseLong(t.id()));
        for (Task task : tasks.stream().sorted(byId).toList()) {
            if (task.parentId() == null) {
                roots.add(task);
            } else {
                children.computeIfAbsent(task.parentId(), k -> new ArrayList<>()).add(task);
            }
        }
        Map<String, Integer> postOrder = new HashMap<>();
        ArrayDeque<Task> stack = new ArrayDeque<>();
        Set<String> expanded = new HashSet<>();
        for (int r = roots.size() - 1; r >= 0; r--) {
            stack.push(roots.get(r));
        }
        while (!stack.isEmpty()) {
            Task top = stack.peek();
            List<Task> kids = children.getOrDefault(top.id(), List.of());
            if (!kids.isEmpty() && expanded.add(top.id())) {
                for (int k = kids.size() - 1; k >= 0; k--) {
                    stack.push(kids.get(k));
                }
            } else {
                stack.pop();
                postOrder.put(top.id(), postOrder.size());
            }
        }
        // Tasks whose parent is not in the list (should not happen) go last, by id.
        return tasks.stream().sorted(Comparator
                        .comparing((Task t) -> t.updatedAt() == null ? Instant.MAX : t.updatedAt())
                        .thenComparing(t -> postOrder.getOrDefault(t.id(), Integer.MAX_VALUE))
                        .thenComparing(byId))
                .toList();
    }

    /** Task id → state. */
    private static Map<String, String> statesOf(List<Task> tasks) {
        Map<String, String> states = new LinkedHashMap<>();
        tasks.forEach(t -> states.put(t.id(), t.state()));
        return states;
    }

    private static long id(Attempt attempt) {
        return Long.parseLong(attempt.id());
    }

    private static final class Followed {
        final long attemptId;
        /** The attempt as last listed: where the session details of its task events come from. */
        Attempt attempt;
        Map<String, String> taskStates;
        Instant lastChange;
        Instant lastTaskRead;
        Instant lastStatusRead;
        boolean dirty;
        /** Of a resumed attempt: where its copied tasks ran ({@code fullName@updatedAt} → attempt id); read on need. */
        Map<String, String> copySources;
        String previousAttempt;

        Followed(Attempt attempt, Instant lastChange) {
            this.attemptId = id(attempt);
            this.attempt = attempt;
            this.lastChange = lastChange;
        }
    }
}
