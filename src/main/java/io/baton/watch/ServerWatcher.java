package io.baton.watch;

import io.baton.digdag.client.Attempt;
import io.baton.digdag.client.DigdagClient;
import io.baton.digdag.client.DigdagNotFoundException;
import io.baton.digdag.client.Task;
import io.baton.events.DigdagCompletion;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * Follows one Digdag server while this replica holds its lease: each cycle decides what to read and what changed,
 * with {@link AttemptPages} reading the attempt list, {@link TaskDiff} finding task completions and
 * {@link WatchStore} committing them. Its memory (position and the running attempts with their last task states) is
 * a copy of what PostgreSQL holds; after any failure it is dropped and reloaded, so a transition is reported once it
 * has been committed, never half.
 */
class ServerWatcher {

    private final DigdagClient client;
    private final WatchConfig config;
    private final TaskInterest interest;
    private final CompletionSink sink;
    private final AttemptPages pages;
    private final TaskDiff diff;
    private final WatchStore store;

    private boolean loaded;
    private long highWater;
    /** When the attempt at {@link #highWater} was created: after a restart of the server, newer attempts are new. */
    private Instant highWaterAt;
    /** When this replica last found the server's attempt ids started again; null if never. */
    private volatile Instant restartedAt;
    /** When the attempt list was last read back past {@code max-status-pages} to refresh older followed attempts. */
    private Instant lastDeepRead;
    private final TreeMap<Long, FollowedAttempt> followed = new TreeMap<>();

    /** Receives the transitions of one cycle, inside the transaction that commits the cycle. */
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
        this.pages = new AttemptPages(client, config.maxStatusPages());
        this.diff = new TaskDiff(client);
        this.store = new WatchStore(client.serverName());
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
     * Digdag said that something in this attempt ended: reads the attempt and its task list now and commits every
     * completion found there (its done tasks, and its own end if it ended) before returning, with the same event ids
     * as a poll cycle, so the outbox keeps one of each. It takes neither the watcher's lock nor its memory, so a
     * notification never waits for a poll cycle (which holds the lock through its Digdag reads): the watcher's next
     * look at the attempt reports these completions again, and the outbox drops them.
     *
     * @return the completions found, before the outbox drops those it already holds
     * @throws DigdagNotFoundException if the server has no such attempt
     */
    int notified(String attemptId) {
        Attempt attempt = client.attempt(attemptId);
        List<Task> tasks = client.tasks(attemptId);
        Instant now = Instant.now();
        List<DigdagCompletion> completions = new ArrayList<>();
        diff.compare(new FollowedAttempt(attempt, now), tasks, now, completions);
        if (attempt.done()) {
            completions.add(diff.ended(attempt));
        }
        store.publish(completions, sink);
        return completions.size();
    }

    private void load() {
        WatchStore.Position position = store.load();
        followed.clear();
        highWater = position.highWater();
        highWaterAt = position.highWaterAt();
        position.followed().forEach(f -> followed.put(f.attemptId, f));
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

        void run() {
            if (highWater == WatchedServer.NEVER_READ) {
                // The first start reports nothing of the past unless back-fill is on.
                baseline(config.backfill() ? cutoff : null);
                return;
            }
            boolean deep = due(lastDeepRead, config.idleInterval());
            if (deep) {
                lastDeepRead = now;
            }
            Map<Long, Attempt> listed = pages.recent(highWater, cutoff, followed, deep);
            // Attempts older than the pages read this cycle: their status is read one by one, at the idle pace.
            Map<Long, Attempt> readAlone = new TreeMap<>();
            Long gone = null;
            for (FollowedAttempt f : followed.values()) {
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
                FollowedAttempt f = followed.get(id);
                if (id > highWater) {
                    raiseHighWater(attempt);
                    if (attempt.createdAt() != null && attempt.createdAt().isBefore(cutoff)) {
                        continue;
                    }
                    if (attempt.done()) {
                        finish(attempt, null);
                    } else if (f == null) {
                        FollowedAttempt started = new FollowedAttempt(attempt, now);
                        started.lastStatusRead = now;
                        // A notifying workflow's tasks are read at the safety net's pace only, from its start on.
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
            for (FollowedAttempt f : followed.values()) {
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
                    FollowedAttempt f = followed.get(id(attempt));
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
            pages.fromNewest(page -> {
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
                        FollowedAttempt f = new FollowedAttempt(attempt, now);
                        f.lastStatusRead = now;
                        f.dirty = true;
                        if (!isNew && wantsTasks(f)) {
                            f.taskStates = TaskDiff.statesOf(client.tasks(attempt.id()));
                        }
                        followed.put(f.attemptId, f);
                    }
                }
                return wanted;
            });
        }

        private void raiseHighWater(Attempt attempt) {
            if (id(attempt) > newHighWater) {
                newHighWater = id(attempt);
                newHighWaterAt = attempt.createdAt();
            }
        }

        /** Reports the final task transitions (when tasks are wanted) and then the attempt's own. */
        private void finish(Attempt attempt, FollowedAttempt f) {
            FollowedAttempt target = f != null ? f : new FollowedAttempt(attempt, now);
            target.attempt = attempt;
            if (wantsTasks(target)) {
                compareTasks(target, client.tasks(attempt.id()));
            }
            completions.add(diff.ended(attempt));
            if (followed.remove(target.attemptId) != null) {
                removed.add(target.attemptId);
            }
        }

        private void compareTasks(FollowedAttempt f, List<Task> tasks) {
            diff.compare(f, tasks, now, completions);
        }

        private boolean due(Instant last, Duration pace) {
            // A tenth of the pace, at most one poll interval, as slack, so scheduling jitter does not skip a whole
            // interval.
            Duration slack = pace.dividedBy(10);
            if (slack.compareTo(config.interval()) > 0) {
                slack = config.interval();
            }
            return last == null || !last.plus(pace.minus(slack)).isAfter(now);
        }

        private Duration paceOf(FollowedAttempt f) {
            if (notifies(f)) {
                return config.push().safetyNetInterval();
            }
            return f.lastChange.plus(config.idleAfter()).isBefore(now) ? config.idleInterval() : config.interval();
        }
    }

    private void persist(Cycle cycle) {
        List<FollowedAttempt> dirty = followed.values().stream().filter(f -> f.dirty).toList();
        WatchStore.Changes changes = new WatchStore.Changes(cycle.completions, cycle.baselined, dirty, cycle.removed,
                cycle.newHighWater, cycle.newHighWaterAt, cycle.newHighWater != highWater);
        if (changes.none()) {
            return;
        }
        store.commit(changes, sink, this::wantsTasks);
        dirty.forEach(f -> f.dirty = false);
        highWater = cycle.newHighWater;
        highWaterAt = cycle.newHighWaterAt;
    }

    /** Whether the attempt's workflow tells Baton when its tasks end ({@code baton.watch.push.workflows}). */
    private boolean notifies(FollowedAttempt f) {
        return config.push().workflows().map(w -> w.contains(f.attempt.project().name() + "/"
                + f.attempt.workflow().name())).orElse(false);
    }

    private boolean wantsTasks(FollowedAttempt f) {
        return switch (config.taskFetch()) {
            case all -> true;
            case none -> false;
            case referenced -> interest.wantsTasks(server(), f.attempt.project().name(), f.attempt.workflow().name());
        };
    }

    private static long id(Attempt attempt) {
        return AttemptPages.id(attempt);
    }
}
