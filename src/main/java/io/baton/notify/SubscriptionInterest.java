package io.baton.notify;

import io.baton.rules.WorkflowKeys;
import io.baton.watch.TaskInterest;
import io.baton.watch.WatchConfig;
import io.quarkus.hibernate.orm.panache.Panache;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Workflows whose tasks a subscription names: the watcher reads their task lists (with {@code task-fetch=referenced}).
 * Read from PostgreSQL at most once per watch interval, so every replica sees every replica's subscriptions.
 */
@ApplicationScoped
public class SubscriptionInterest implements TaskInterest {

    private record Snapshot(Set<String> keys, Instant readAt) {
    }

    @Inject
    WatchConfig watch;

    private volatile Snapshot snapshot = new Snapshot(Set.of(), Instant.EPOCH);

    @Override
    public boolean wantsTasks(String server, String project, String workflow) {
        Snapshot current = snapshot;
        if (current.readAt().plus(watch.interval()).isBefore(Instant.now())) {
            current = reload();
        }
        return current.keys().contains(WorkflowKeys.of(server, project, workflow))
                || current.keys().contains(WorkflowKeys.of(server, project, "*"));
    }

    private Snapshot reload() {
        List<?> rows = QuarkusTransaction.requiringNew().call(() -> Panache.getEntityManager().createNativeQuery(
                        "SELECT server, project, coalesce(workflow, '*') FROM subscription "
                                + "WHERE enabled AND definition ->> 'task' IS NOT NULL")
                .getResultList());
        Set<String> keys = new HashSet<>();
        for (Object row : rows) {
            Object[] columns = (Object[]) row;
            keys.add(WorkflowKeys.of((String) columns[0], (String) columns[1], (String) columns[2]));
        }
        Snapshot fresh = new Snapshot(Set.copyOf(keys), Instant.now());
        snapshot = fresh;
        return fresh;
    }
}
