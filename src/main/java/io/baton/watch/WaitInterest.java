package io.baton.watch;

import io.baton.rules.WorkflowKeys;
import io.quarkus.hibernate.orm.panache.Panache;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Workflows whose tasks someone waits for ({@code GET /api/v1/digdag/.../wait}), kept in PostgreSQL so that the
 * replica polling the server sees the waits of every replica. The watcher reads their task lists as if a rule
 * referenced them. Not a {@link TaskInterest} bean on purpose: the watcher ORs it with the rules' interest.
 */
@ApplicationScoped
public class WaitInterest {

    private record Snapshot(Set<String> workflowKeys, Instant readAt) {
    }

    @Inject
    WatchConfig config;

    private volatile Snapshot snapshot = new Snapshot(Set.of(), Instant.EPOCH);

    /** Declares a wait on the workflow's tasks until {@code until}; a longer earlier wait is kept. */
    public void register(String server, String project, String workflow, Instant until) {
        QuarkusTransaction.requiringNew().run(() -> Panache.getEntityManager().createNativeQuery(
                        "INSERT INTO wait_interest AS w (workflow_key, expires_at) VALUES (:key, :until) "
                                + "ON CONFLICT (workflow_key) DO UPDATE "
                                + "SET expires_at = greatest(w.expires_at, excluded.expires_at)")
                .setParameter("key", WorkflowKeys.of(server, project, workflow))
                .setParameter("until", OffsetDateTime.ofInstant(until, ZoneOffset.UTC))
                .executeUpdate());
        snapshot = new Snapshot(snapshot.workflowKeys(), Instant.EPOCH);
    }

    /** Read at most once per watch interval: the watcher asks for every followed attempt in every cycle. */
    boolean wantsTasks(String server, String project, String workflow) {
        Snapshot current = snapshot;
        if (current.readAt().plus(config.interval()).isBefore(Instant.now())) {
            current = reload();
        }
        return current.workflowKeys().contains(WorkflowKeys.of(server, project, workflow));
    }

    private Snapshot reload() {
        List<?> keys = QuarkusTransaction.requiringNew().call(() -> {
            Panache.getEntityManager()
                    .createNativeQuery("DELETE FROM wait_interest WHERE expires_at < now() - interval '1 minute'")
                    .executeUpdate();
            return Panache.getEntityManager()
                    .createNativeQuery("SELECT workflow_key FROM wait_interest WHERE expires_at > now()")
                    .getResultList();
        });
        Set<String> workflowKeys = new HashSet<>();
        keys.forEach(key -> workflowKeys.add((String) key));
        Snapshot fresh = new Snapshot(Set.copyOf(workflowKeys), Instant.now());
        snapshot = fresh;
        return fresh;
    }
}
