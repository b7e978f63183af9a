package io.baton.persistence;

import io.baton.BatonTestServices;
import io.baton.digdag.client.SessionTimes;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * V17 converts the session times V14 stored as text into timestamptz plus the offset: each row keeps its instant, is
 * written again as the same text (so the event ids built from it stay the same across the upgrade), the ledgers stay
 * unique per instant, and a row whose text no parser reads keeps no session and never starts. Runs on a database of
 * its own, migrated to V14 first, without Quarkus.
 */
class TypedSessionTimesMigrationTest extends Migrations {

    /** Downstream sessions as V14's writers stored them: SessionTimes.format in the rule's correlation zone. */
    private static final List<String> SESSIONS = List.of("2026-11-24T00:00:00+09:00", "2026-03-08T00:00:00-05:00",
            "2026-11-25T00:00:00+05:30", "2026-11-26T00:00:00+00:00", "2026-10-25T00:00:00+02:00");
    private static final String UNREADABLE = "+1000000000-01-01T00:00:00+00:00";

    @Test
    void rowsWrittenAsTextKeepTheirInstantTheirTextAndTheirEventIds() throws SQLException {
        migrate("14");
        List<String> idsBefore = new ArrayList<>();
        try (Connection c = BatonTestServices.connect(database); Statement s = c.createStatement()) {
            s.execute("INSERT INTO expectation (name, team, server, project, workflow, by_time, zone, enabled) "
                    + "VALUES ('sla', 'bi', 'main', 'bi', 'report', '07:00', 'Asia/Tokyo', true)");
            for (String session : SESSIONS) {
                s.execute("INSERT INTO trigger_run (rule_name, correlation_key, downstream_session, state) VALUES "
                        + "('r', '" + session.substring(0, 10) + "', '" + session + "', 'started')");
                s.execute("INSERT INTO trigger_rerun (rule_name, correlation_key, downstream_session, upstream_id, "
                        + "upstream_subject, upstream_attempt, upstream_attempt_id, upstream_finished_at, action, "
                        + "state) VALUES ('r', '" + session.substring(0, 10) + "', '" + session + "', 'load', "
                        + "'main/game/etl', 'main/uuid/attempts/7', '7', now(), 'rerun', 'started')");
                s.execute("INSERT INTO expectation_session (expectation_name, session_time, run_time, due_at, state) "
                        + "VALUES ('sla', '" + session + "', now(), now(), 'late')");
                idsBefore.add("trigger/r/" + session + "/started");
            }
            s.execute("INSERT INTO trigger_condition (rule_name, correlation_key, upstream_id, upstream_session, "
                    + "session_time, event_id, finished_at) VALUES "
                    + "('r', '2026-11-24', 'load', '2026-11-23T15:00:00Z', '2026-11-24T00:00:00+09:00', 'e1', now()), "
                    + "('r', '2026-03-08', 'load', '2026-03-08T05:00:00.123456Z', '2026-03-08T00:00:00-05:00', 'e2', "
                    + "now()), ('r', '+1000000000-01-01', 'load', '+1000000000-01-01T00:00:00Z', '" + UNREADABLE
                    + "', 'e3', now())");
        }

        migrate(null);

        try (Connection c = BatonTestServices.connect(database); Statement s = c.createStatement()) {
            assertThat(strings(s, "SELECT table_name || '.' || column_name || ' ' || data_type FROM "
                    + "information_schema.columns WHERE column_name IN ('downstream_session', 'upstream_session', "
                    + "'session_time') AND table_name IN ('trigger_run', 'trigger_rerun', 'trigger_condition', "
                    + "'expectation_session')"))
                    .containsExactlyInAnyOrder("trigger_run.downstream_session timestamp with time zone",
                            "trigger_rerun.downstream_session timestamp with time zone",
                            "trigger_condition.upstream_session timestamp with time zone",
                            "trigger_condition.session_time timestamp with time zone",
                            "expectation_session.session_time timestamp with time zone");
            assertThat(strings(s, "SELECT column_name FROM information_schema.columns WHERE table_name = "
                    + "'trigger_run' AND column_name = 'downstream_session_at'")).isEmpty();

            for (String table : List.of("trigger_run", "trigger_rerun")) {
                List<OffsetDateTime> stored = sessions(s, "SELECT downstream_session, downstream_session_offset FROM "
                        + table + " ORDER BY id");
                assertThat(stored).extracting(OffsetDateTime::toInstant)
                        .containsExactlyElementsOf(SESSIONS.stream().map(t -> OffsetDateTime.parse(t).toInstant())
                                .toList());
                assertThat(stored).extracting(SessionTimes::format).containsExactlyElementsOf(SESSIONS);
                assertThat(stored).extracting(session -> "trigger/r/" + SessionTimes.format(session) + "/started")
                        .containsExactlyElementsOf(idsBefore);
            }

            assertThat(sessions(s, "SELECT session_time, session_time_offset FROM expectation_session ORDER BY "
                    + "session_time")).extracting(SessionTimes::format).containsExactlyInAnyOrderElementsOf(SESSIONS);

            List<OffsetDateTime> conditions = sessions(s, "SELECT session_time, session_time_offset FROM "
                    + "trigger_condition ORDER BY id");
            assertThat(conditions.subList(0, 2)).extracting(SessionTimes::format)
                    .containsExactly("2026-11-24T00:00:00+09:00", "2026-03-08T00:00:00-05:00");
            assertThat(conditions.get(2)).isNull();
            assertThat(instants(s, "SELECT upstream_session FROM trigger_condition ORDER BY id")).containsExactly(
                    Instant.parse("2026-11-23T15:00:00Z"), Instant.parse("2026-03-08T05:00:00.123456Z"), null);
        }
    }

    @Test
    void theLedgersStayUniquePerInstantAndAnUnreadableRunNeverStarts() throws SQLException {
        migrate("14");
        try (Connection c = BatonTestServices.connect(database); Statement s = c.createStatement()) {
            s.execute("INSERT INTO trigger_run (rule_name, correlation_key, downstream_session, state) VALUES "
                    + "('r', '2026-11-24', '2026-11-24T00:00:00+09:00', 'started'), "
                    + "('r', '+1000000000-01-01', '" + UNREADABLE + "', 'pending')");
            s.execute("INSERT INTO trigger_admission (run_id, server, priority) SELECT id, 'main', 1 FROM trigger_run");
        }

        migrate(null);

        try (Connection c = BatonTestServices.connect(database); Statement s = c.createStatement()) {
            assertThat(strings(s, "SELECT state || ' ' || last_error || ' ' || (downstream_session IS NULL) "
                    + "FROM trigger_run WHERE correlation_key = '+1000000000-01-01'"))
                    .containsExactly("failed the stored downstream session '" + UNREADABLE + "' is not a time Baton "
                            + "reads true");
            assertThat(strings(s, "SELECT r.correlation_key FROM trigger_admission a JOIN trigger_run r "
                    + "ON r.id = a.run_id")).containsExactly("2026-11-24");
            // The same instant with another offset is the same downstream session: the ledger refuses it.
            assertThat(strings(s, "INSERT INTO trigger_run (rule_name, correlation_key, downstream_session, "
                    + "downstream_session_offset, state) VALUES ('r', '2026-11-23', '2026-11-23T15:00:00Z', 0, "
                    + "'pending') ON CONFLICT (rule_name, downstream_session) DO NOTHING RETURNING id")).isEmpty();
            assertThat(strings(s, "SELECT session_offset(x) FROM (VALUES (1, '2026-11-24T00:00:00+09:00'), "
                    + "(2, '2026-03-08T00:00-05:00'), (3, '2026-11-25T00:00:00+05:30'), (4, '2026-11-23T15:00:00Z'), "
                    + "(5, '2026-11-24'), (6, '" + UNREADABLE + "')) v(n, x) ORDER BY n"))
                    .containsExactly("32400", "-18000", "19800", "0", "0", null);
        }
    }

    /** Instant and offset columns read back the way Hibernate's {@code @TimeZoneStorage(COLUMN)} reads them. */
    private static List<OffsetDateTime> sessions(Statement s, String query) throws SQLException {
        List<OffsetDateTime> values = new ArrayList<>();
        try (ResultSet rows = s.executeQuery(query)) {
            while (rows.next()) {
                OffsetDateTime instant = rows.getObject(1, OffsetDateTime.class);
                values.add(instant == null ? null
                        : instant.withOffsetSameInstant(ZoneOffset.ofTotalSeconds(rows.getInt(2))));
            }
        }
        return values;
    }
}
