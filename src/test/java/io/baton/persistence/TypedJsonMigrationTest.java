package io.baton.persistence;

import io.baton.BatonTestServices;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The migration to typed columns converts what earlier versions stored: the watcher's JSON text becomes jsonb with the
 * same content, and every ledger row gets its downstream session as an instant (none for one no parser reads).
 * Runs on a database of its own, migrated to V10 first, without Quarkus.
 */
class TypedJsonMigrationTest extends Migrations {

    /** An attempt as the watcher of V10 wrote it (Jackson with ISO instants). */
    private static final String ATTEMPT = """
            {"id":"42","index":1,"project":{"id":"1","name":"game"},"workflow":{"name":"etl","id":"3"},\
            "sessionId":"7","sessionUuid":"9b5e9ec7-27f3-4667-a511-9b36cc2ee5ad",\
            "sessionTime":"2026-11-24T00:00:00+09:00","retryAttemptName":null,"done":false,"success":false,\
            "cancelRequested":false,"params":{},"createdAt":"2026-11-24T15:02:11Z","finishedAt":null,\
            "status":"running"}""";

    @Test
    void rowsOfEarlierVersionsConvert() throws SQLException {
        migrate("10");
        try (Connection c = BatonTestServices.connect(database); Statement s = c.createStatement()) {
            s.execute("INSERT INTO watch_attempt (server, attempt_id, project, workflow, wants_tasks, attempt, "
                    + "task_states, last_change_at) VALUES ('main', 42, 'game', 'etl', true, '" + ATTEMPT + "', "
                    + "'{\"311\":\"success\",\"+etl+load\":\"running\"}', now())");
            s.execute("INSERT INTO watch_attempt (server, attempt_id, project, workflow, wants_tasks, attempt, "
                    + "task_states, last_change_at) VALUES ('main', 43, 'game', 'etl', false, '" + ATTEMPT + "', "
                    + "NULL, now())");
            s.execute("INSERT INTO trigger_run (rule_name, correlation_key, downstream_session, state) VALUES "
                    + "('r', '2026-11-24', '2026-11-24T00:00:00+09:00', 'started'), "
                    + "('r', '+1000000000-01-01', '+1000000000-01-01T00:00:00+00:00', 'pending')");
        }

        // V17 replaces downstream_session_at by a typed downstream_session (TypedSessionTimesMigrationTest).
        migrate("14");

        try (Connection c = BatonTestServices.connect(database); Statement s = c.createStatement()) {
            assertThat(strings(s, "SELECT data_type FROM information_schema.columns WHERE table_name = "
                    + "'watch_attempt' AND column_name IN ('attempt', 'task_states')")).containsOnly("jsonb");
            assertThat(strings(s, "SELECT attempt->>'sessionTime' || ' ' || (attempt->'project'->>'name') || ' ' "
                    + "|| (task_states->>'311') || ' ' || (task_states->>'+etl+load') FROM watch_attempt "
                    + "WHERE attempt_id = 42")).containsExactly("2026-11-24T00:00:00+09:00 game success running");
            assertThat(strings(s, "SELECT attempt::text = '" + ATTEMPT + "'::jsonb::text FROM watch_attempt "
                    + "WHERE attempt_id = 42")).containsExactly("t");
            assertThat(strings(s, "SELECT task_states IS NULL FROM watch_attempt WHERE attempt_id = 43"))
                    .containsExactly("t");

            assertThat(instants(s, "SELECT downstream_session_at FROM trigger_run ORDER BY id"))
                    .containsExactly(Instant.parse("2026-11-23T15:00:00Z"), null);
            s.execute("INSERT INTO trigger_run (rule_name, correlation_key, downstream_session, state) VALUES "
                    + "('r', '2026-11-25', '2026-11-25T00:00:00+09:00', 'pending')");
            assertThat(instants(s, "SELECT downstream_session_at FROM trigger_run WHERE correlation_key = "
                    + "'2026-11-25'")).containsExactly(Instant.parse("2026-11-24T15:00:00Z"));
        }
    }

    @Test
    void sessionInstantReadsWhatBatonStoresAndNothingElse() throws SQLException {
        migrate(null);
        try (Connection c = BatonTestServices.connect(database); Statement s = c.createStatement()) {
            assertThat(instants(s, "SELECT session_instant(x, 'Asia/Tokyo') FROM (VALUES (1, '2026-11-24'), "
                    + "(2, '2026-11-24T00:00:00+09:00'), (3, '2026-11-24T00:00+09:00'), (4, '2026-11-23T15:00:00Z'), "
                    + "(5, '2026-11-23T15:00:00.000Z')) v(n, x) ORDER BY n"))
                    .containsOnly(Instant.parse("2026-11-23T15:00:00Z")).hasSize(5);
            assertThat(instants(s, "SELECT session_instant('2026-03-29', 'Europe/Berlin')"))
                    .containsExactly(Instant.parse("2026-03-28T23:00:00Z"));
            assertThat(instants(s, "SELECT session_instant(x, 'UTC') FROM (VALUES ('+1000000000-01-01'), "
                    + "('0000-01-01'), ('2026-13-45'), ('2026-11-24T00:00:00'), ('yesterday'), ('')) v(x)"))
                    .containsOnlyNulls();
        }
    }
}
