package io.baton.watch;

import io.baton.events.DigdagCompletion;
import io.quarkus.narayana.jta.QuarkusTransaction;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * A server's watch state in PostgreSQL: its position (the highest attempt id seen) and the running attempts followed
 * there with their last task states. A cycle's completions commit in the same transaction as the state they moved.
 */
final class WatchStore {

    private final String server;

    /** Where the watcher stands on a server, as last committed. */
    record Position(long highWater, Instant highWaterAt, List<FollowedAttempt> followed) {
    }

    /**
     * What one cycle found: its completions, whether everything followed before was dropped (a new baseline), the
     * followed attempts that changed, those that ended, and the new position.
     */
    record Changes(List<DigdagCompletion> completions, boolean baselined, List<FollowedAttempt> changed,
                   Set<Long> ended, long highWater, Instant highWaterAt, boolean moved) {

        boolean none() {
            return completions.isEmpty() && changed.isEmpty() && ended.isEmpty() && !baselined && !moved;
        }
    }

    WatchStore(String server) {
        this.server = server;
    }

    Position load() {
        WatchedServer row = QuarkusTransaction.requiringNew().call(() -> WatchedServer.findById(server));
        long highWater = row == null ? WatchedServer.NEVER_READ : row.highWater;
        Instant highWaterAt = row == null || row.highWaterAt == null ? null : row.highWaterAt.toInstant();
        List<FollowedAttempt> followed = new ArrayList<>();
        if (highWater != WatchedServer.NEVER_READ) {
            for (WatchedAttempt attempt : QuarkusTransaction.requiringNew().call(() -> WatchedAttempt.ofServer(server))) {
                FollowedAttempt f = new FollowedAttempt(attempt.attempt, attempt.lastChangeAt.toInstant());
                f.taskStates = attempt.taskStates;
                followed.add(f);
            }
        }
        return new Position(highWater, highWaterAt, followed);
    }

    /** Commits completions that moved no watch state (a notification's). */
    void publish(List<DigdagCompletion> completions, ServerWatcher.CompletionSink sink) {
        QuarkusTransaction.requiringNew().run(() -> completions.forEach(sink::publish));
    }

    /** Commits a cycle: its completions go to {@code sink} in the same transaction as the state they moved. */
    void commit(Changes changes, ServerWatcher.CompletionSink sink, Predicate<FollowedAttempt> wantsTasks) {
        QuarkusTransaction.requiringNew().run(() -> {
            changes.completions().forEach(sink::publish);
            if (changes.baselined()) {
                WatchedAttempt.delete("server", server);
            }
            changes.changed().forEach(f -> save(f, wantsTasks.test(f)));
            for (Long id : changes.ended()) {
                WatchedAttempt.delete("server = ?1 and attemptId = ?2", server, id);
            }
            if (changes.baselined() || changes.moved()) {
                WatchedServer.update("highWater = ?1, highWaterAt = ?2 where server = ?3", changes.highWater(),
                        changes.highWaterAt() == null ? null : OffsetDateTime.ofInstant(changes.highWaterAt(),
                                ZoneOffset.UTC), server);
            }
        });
    }

    private void save(FollowedAttempt f, boolean wantsTasks) {
        WatchedAttempt row = new WatchedAttempt();
        row.server = server;
        row.attemptId = f.attemptId;
        row.project = f.attempt.project().name();
        row.workflow = f.attempt.workflow().name();
        row.wantsTasks = wantsTasks;
        row.attempt = f.attempt;
        row.taskStates = f.taskStates;
        row.lastChangeAt = OffsetDateTime.ofInstant(f.lastChange, ZoneOffset.UTC);
        WatchedAttempt.getEntityManager().merge(row);
    }
}
