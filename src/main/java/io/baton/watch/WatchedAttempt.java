package io.baton.watch;

import io.baton.digdag.client.Attempt;
import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

import java.io.Serializable;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** A running attempt the watcher follows, with the task states it last saw (restart-safe copy of its memory). */
@Entity
@Table(name = "watch_attempt")
@IdClass(WatchedAttempt.Key.class)
public class WatchedAttempt extends PanacheEntityBase {

    @Id
    public String server;

    @Id
    @Column(name = "attempt_id")
    public long attemptId;

    public String project;
    public String workflow;

    @Column(name = "wants_tasks")
    public boolean wantsTasks;

    /** The attempt as Digdag listed it last. */
    @JdbcTypeCode(SqlTypes.JSON)
    public Attempt attempt;

    /** Task id → state; null until the tasks were read once. */
    @Column(name = "task_states")
    @JdbcTypeCode(SqlTypes.JSON)
    public Map<String, String> taskStates;

    @Column(name = "last_change_at")
    public OffsetDateTime lastChangeAt;

    static List<WatchedAttempt> ofServer(String server) {
        return list("server", server);
    }

    public static class Key implements Serializable {
        public String server;
        public long attemptId;

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && k.attemptId == attemptId && Objects.equals(k.server, server);
        }

        @Override
        public int hashCode() {
            return Objects.hash(server, attemptId);
        }
    }
}
